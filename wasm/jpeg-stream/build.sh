#!/usr/bin/env bash
# Builds wasm/jpeg-stream/jpeg-stream.wasm: libjpeg-turbo's decompressor (Debian's
# source package libjpeg-turbo 1:2.1.5-2, its upstream tarball) plus jpeg_stream.c,
# compiled with Debian bookworm's clang 14 and wasi-libc. No emscripten: the module
# has one import (env.fail, which throws) and needs no JS glue.
#
# Debian's four patches to that package (CMake, a man page, x86 SIMD start-up) touch no file
# compiled here, so the upstream tarball is used as it is.
#
# Rerunning it gives the same bytes (checked by `--check`): fixed sources (sha256
# checked), fixed flags, no debug info, no paths or dates in the output.
#
# Needs (Debian bookworm): clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32, and
# deb-src lines for `apt-get source` unless LIBJPEG_TURBO_TARBALL names the tarball.
#
# Usage: bash wasm/jpeg-stream/build.sh [--check]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME="jpeg-stream build"
OUT="$HERE/jpeg-stream.wasm"
export LC_ALL=C TZ=UTC SOURCE_DATE_EPOCH=0
# shellcheck source=../build-common.sh
. "$HERE/../build-common.sh"
require_wasi_toolchain

VERSION=2.1.5
DEB_VERSION=1:2.1.5-2
TARBALL_NAME="libjpeg-turbo_${VERSION}.orig.tar.gz"
TARBALL_SHA256=254f3642b04e309fee775123133c6464181addc150499561020312ec61c1bf7c
# --- sources -------------------------------------------------------------------------------
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/printcart-jpeg-stream"
TARBALL="${LIBJPEG_TURBO_TARBALL:-$CACHE/$TARBALL_NAME}"
if [ ! -f "$TARBALL" ]; then
  mkdir -p "$CACHE"
  (cd "$CACHE" && apt-get source --download-only "libjpeg-turbo=$DEB_VERSION") >&2 ||
    die "apt-get source failed: add deb-src lines for bookworm, or set LIBJPEG_TURBO_TARBALL"
  TARBALL="$CACHE/$TARBALL_NAME"
fi
echo "$TARBALL_SHA256  $TARBALL" | sha256sum -c --quiet - || die "$TARBALL is not libjpeg-turbo $VERSION's tarball"
tar -xzf "$TARBALL" -C "$BUILD"
SRC="$BUILD/libjpeg-turbo-$VERSION"
# jversion.h as CMake writes it (only the copyright year is filled in).
sed 's/@COPYRIGHT_YEAR@/1991-2023/' "$SRC/jversion.h.in" >"$SRC/jversion.h"

# The decompressor's files (CMakeLists.txt's JPEG_SOURCES minus the compressor,
# jerror.c, whose message output writes to stderr, and the stdio/memory sources).
LIBJPEG=(jaricom jcomapi jdapimin jdapistd jdarith jdcoefct jdcolor jddctmgr jdhuff jdicc
  jdinput jdmainct jdmarker jdmaster jdmerge jdphuff jdpostct jdsample jidctflt jidctfst
  jidctint jidctred jmemmgr jmemnobs jquant1 jquant2 jsimd_none jutils)

CFLAGS=(--target=wasm32-wasi -O2 -nostdinc -isystem "$RESOURCE_INCLUDE" -isystem "$SYSROOT_INCLUDE"
  -I "$HERE/config" -I "$SRC" -DNO_GETENV -DNO_PUTENV -fno-ident -ffile-prefix-map="$BUILD"=. -ffile-prefix-map="$HERE"=.
  -Wall -Wno-unused-function)

compile_objects "$SRC" "${LIBJPEG[@]}"
compile_objects "$HERE" jpeg_stream

# --- link ----------------------------------------------------------------------------------
# Memory may grow to 128 MiB (an isolate's whole budget): past it, malloc fails and
# libjpeg reports "insufficient memory" instead of the isolate dying.
link_wasm "$BUILD/jpeg-stream.wasm" 134217728
finish "$BUILD/jpeg-stream.wasm" "$@"
