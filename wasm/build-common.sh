# Shared by the scripts that build the project's wasm (and the data compiled
# into it) from Debian's sources: each sets NAME and OUT, sources this file,
# and ends with `finish "$BUILD/<file>" "$@"`, so that `--check` proves the
# committed file is what the sources and toolchain give, byte for byte.
# shellcheck shell=bash

die() { echo "$NAME: $*" >&2; exit 1; }

# A scratch folder for the build, removed on exit.
BUILD="$(mktemp -d "${TMPDIR:-/tmp}/${NAME// /-}.XXXXXX")"
trap 'rm -rf "$BUILD"' EXIT

# Debian bookworm's clang 14 and wasi-libc, exactly: another compiler gives other bytes.
CLANG=clang-14
CLANG_VERSION=14.0.6
SYSROOT_INCLUDE=/usr/include/wasm32-wasi
SYSROOT_LIB=/usr/lib/wasm32-wasi
require_wasi_toolchain() {
  command -v "$CLANG" >/dev/null || die "missing $CLANG (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)"
  command -v wasm-ld-14 >/dev/null || command -v wasm-ld >/dev/null || die "missing wasm-ld (apt-get install lld-14)"
  "$CLANG" --version | grep -q "version $CLANG_VERSION" || die "expected clang $CLANG_VERSION: another compiler gives other bytes"
  [ -f "$SYSROOT_LIB/libc.a" ] || die "missing wasi-libc (apt-get install wasi-libc)"
  RESOURCE_INCLUDE="$("$CLANG" -print-resource-dir)/include"
}

# compile_objects DIR NAME...: DIR/NAME.c for each NAME, with CFLAGS, appended to OBJECTS.
OBJECTS=()
compile_objects() {
  local dir="$1" name
  shift
  for name in "$@"; do
    "$CLANG" "${CFLAGS[@]}" -c "$dir/$name.c" -o "$BUILD/$name.o"
    OBJECTS+=("$BUILD/$name.o")
  done
}

# link_wasm FILE MAX_MEMORY_BYTES: OBJECTS as a module without an entry point, 64 KB of
# stack; past MAX_MEMORY_BYTES malloc fails (the library reports it) instead of the isolate dying.
link_wasm() {
  "$CLANG" --target=wasm32-wasi -nostdlib -nostartfiles -o "$1" "${OBJECTS[@]}" \
    -L"$SYSROOT_LIB" -lc "$("$CLANG" --target=wasm32-wasi -print-libgcc-file-name)" \
    -Wl,--no-entry -Wl,--strip-all -Wl,-z,stack-size=65536 -Wl,--max-memory="$2"
}

# finish BUILT [--check]: compares BUILT with OUT (--check), or writes it to OUT.
finish() {
  local built="$1" file
  file="$(basename "$OUT")"
  if [ "${2:-}" = "--check" ]; then
    cmp -s "$built" "$OUT" || die "rebuilt $file differs from $OUT"
    echo "$file is reproducible: $(sha256sum <"$OUT" | cut -c1-64)"
  else
    cp "$built" "$OUT"
    echo "wrote $OUT ($(stat -c %s "$OUT") bytes, sha256 $(sha256sum <"$OUT" | cut -c1-64))"
  fi
}
