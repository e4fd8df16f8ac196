#!/usr/bin/env bash
# Makes wasm/cmyk-srgb/default-cmyk.icc, the profile for CMYK files that embed none:
# FOGRA39 (ISO 12647-2:2004/Amd 1, offset on coated paper, the common European press
# standard and the characterization behind "ISO Coated v2" and "Coated FOGRA39"),
# built by ArgyllCMS's colprof from Fogra's measurements FOGRA39L.ti3 as Debian's
# package icc-profiles-free ships them (zlib licence, see its copyright file). No
# npm package ships a CMYK profile with a licence that allows redistribution, and
# LittleCMS has no built-in CMYK profile.
#
# Settings: medium quality (A2B tables of 9^4 points behind per-channel curves),
# the FOGRA39 total ink limit of 330 %, black generation "r" (ramp; it only shapes
# the B2A tables, which CMYK to sRGB never uses). The creation date in the header
# is zeroed, so the output is the same on every run (checked by `--check`).
#
# Needs (Debian): argyll icc-profiles-free.
#
# Usage: bash wasm/cmyk-srgb/make-default-profile.sh [--check]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME="make-default-profile"
OUT="$HERE/default-cmyk.icc"
TI3=/usr/share/color/icc/FOGRA39L.ti3
TI3_SHA256=e44e6dfa81633588db98b5613a821d4a936d3d9438d2eb983083c3232df393fa
export LC_ALL=C TZ=UTC

# shellcheck source=../build-common.sh
. "$HERE/../build-common.sh"
command -v colprof >/dev/null || die "missing colprof (apt-get install argyll)"
[ -f "$TI3" ] || die "missing $TI3 (apt-get install icc-profiles-free)"
echo "$TI3_SHA256  $TI3" | sha256sum -c --quiet - || die "$TI3 is not the FOGRA39L data this profile was made from"

cp "$TI3" "$BUILD/FOGRA39L.ti3"
(cd "$BUILD" && colprof -qm -bl -kr -l330 -nc \
  -D "FOGRA39L (coated offset, ISO 12647-2), printcart default CMYK" \
  -C "Made with ArgyllCMS colprof from Fogra's FOGRA39L data (Debian icc-profiles-free, zlib licence)" \
  -O default-cmyk.icc FOGRA39L >colprof.log) || { cat "$BUILD/colprof.log" >&2; die "colprof failed"; }
# Header bytes 24-35: creation date and time.
printf '\0\0\0\0\0\0\0\0\0\0\0\0' | dd of="$BUILD/default-cmyk.icc" bs=1 seek=24 count=12 conv=notrunc status=none

finish "$BUILD/default-cmyk.icc" "$@"
