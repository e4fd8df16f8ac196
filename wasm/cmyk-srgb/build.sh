#!/usr/bin/env bash
# Builds wasm/cmyk-srgb/cmyk-srgb.wasm: LittleCMS 2.14 (Debian's source package
# lcms2 2.14-2+deb12u1: the upstream tarball plus Debian's patches, among them the
# fix for CVE-2026-41254 in LUT reading, which matters since profiles come from
# customers' files) plus cmyk_srgb.c and the default CMYK profile
# (default-cmyk.icc, made by make-default-profile.sh), compiled with Debian
# bookworm's clang 14 and wasi-libc. No emscripten and no JS glue: the module's
# only imports are three WASI file calls (fd_close, fd_seek, fd_write) that
# wasi-libc's stdio brings in and nothing here ever calls; the loader gives stubs.
#
# lcms-wasm (npm) was not used: its emscripten glue imports node's "module",
# which a Worker without nodejs_compat cannot resolve, takes workerd for an
# unsupported "shell" environment and aborts, and reserves a 15 MB stack
# (16 MiB of heap before any transform).
#
# Rerunning it gives the same bytes (checked by `--check`): fixed sources (sha256
# checked), fixed flags, no debug info, no paths or dates in the output.
#
# Needs (Debian bookworm): clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 patch,
# and deb-src lines for `apt-get source` unless LCMS2_SOURCE_DIR holds the two files below.
#
# Usage: bash wasm/cmyk-srgb/build.sh [--check]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME="cmyk-srgb build"
OUT="$HERE/cmyk-srgb.wasm"
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0
# shellcheck source=../build-common.sh
. "$HERE/../build-common.sh"
require_wasi_toolchain
command -v patch >/dev/null || die "missing patch (apt-get install patch)"
[ -f "$HERE/default-cmyk.icc" ] || die "missing default-cmyk.icc (bash wasm/cmyk-srgb/make-default-profile.sh)"

VERSION=2.14
DEB_VERSION=2.14-2+deb12u1
ORIG="lcms2_${VERSION}.orig.tar.gz"
ORIG_SHA256=28474ea6f6591c4d4cee972123587001a4e6e353412a41b3e9e82219818d5740
DEBIAN="lcms2_${DEB_VERSION}.debian.tar.xz"
DEBIAN_SHA256=3b88006a5ccc15f3d4b2f28310875a8c4d789ac8342deaf4113ed5c2fd4a59e8
# --- sources -------------------------------------------------------------------------------
SOURCES="${LCMS2_SOURCE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/printcart-lcms2}"
if [ ! -f "$SOURCES/$ORIG" ] || [ ! -f "$SOURCES/$DEBIAN" ]; then
  mkdir -p "$SOURCES"
  (cd "$SOURCES" && apt-get source --download-only "lcms2=$DEB_VERSION") >&2 ||
    die "apt-get source failed: add deb-src lines for bookworm, or set LCMS2_SOURCE_DIR"
fi
echo "$ORIG_SHA256  $SOURCES/$ORIG" | sha256sum -c --quiet - || die "$ORIG is not lcms2 $VERSION's tarball"
echo "$DEBIAN_SHA256  $SOURCES/$DEBIAN" | sha256sum -c --quiet - || die "$DEBIAN is not Debian's $DEB_VERSION"
tar -xzf "$SOURCES/$ORIG" -C "$BUILD"
SRC="$BUILD/lcms2-$VERSION"
tar -xJf "$SOURCES/$DEBIAN" -C "$SRC"
# Debian's patches in order, as dpkg-source applies them (those outside src/ change nothing built here).
while read -r p; do
  [ -n "$p" ] && [ "${p#\#}" = "$p" ] || continue
  patch -s -p1 -d "$SRC" <"$SRC/debian/patches/$p" || die "patch $p does not apply"
done <"$SRC/debian/patches/series"

# The default profile as a C array.
{
  echo "static const unsigned char DEFAULT_PROFILE[] = {"
  od -An -v -tu1 "$HERE/default-cmyk.icc" | tr -s ' ' | sed -e 's/^ //' -e 's/ /,/g' -e 's/$/,/'
  echo "};"
  echo "#define DEFAULT_PROFILE_LEN $(stat -c %s "$HERE/default-cmyk.icc")u"
} >"$BUILD/default_profile.h"

# Every file of the library (cmsps2.c and cmscgats.c included: other files refer to them;
# the linker drops what no export reaches). No threads in a Worker: no pthread mutexes.
LCMS=(cmsalpha cmscam02 cmscgats cmscnvrt cmserr cmsgamma cmsgmt cmshalf cmsintrp cmsio0 cmsio1
  cmslut cmsmd5 cmsmtrx cmsnamed cmsopt cmspack cmspcs cmsplugin cmsps2 cmssamp cmssm cmstypes
  cmsvirt cmswtpnt cmsxform)

CFLAGS=(--target=wasm32-wasi -O2 -nostdinc -isystem "$RESOURCE_INCLUDE" -isystem "$SYSROOT_INCLUDE"
  -I "$SRC/include" -I "$SRC/src" -I "$BUILD" -DCMS_NO_PTHREADS=1 -DNDEBUG -fno-ident
  -ffile-prefix-map="$BUILD"=. -ffile-prefix-map="$HERE"=. -Wall -Wno-unused-function)

compile_objects "$SRC/src" "${LCMS[@]}"
compile_objects "$HERE" cmyk_srgb

# --- link ----------------------------------------------------------------------------------
# Memory may grow to 64 MiB: past it malloc fails and the transform is refused
# instead of the isolate dying.
link_wasm "$BUILD/cmyk-srgb.wasm" 67108864
finish "$BUILD/cmyk-srgb.wasm" "$@"
