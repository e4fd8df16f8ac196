#!/usr/bin/env bash
# README's two before/after images of background removal, made by the service
# itself: two composites of the evaluation set (test/fixtures/bg/eval) go
# through POST /v1/services/bg-remove as the evaluation scores them (their
# manifest's subject_type, edge_softness 0), and each source is laid beside
# its cut-out over a checkerboard. The images show whichever model the server
# runs, so run it with the one a deployment runs (`npm run dev`: print).
# Needs a running local API with the demo account, curl, Node and imagemagick.
#   npm run dev                     # in another terminal; ready when it says so
#   bash scripts/docs/make-readme-images.sh
# API=http://127.0.0.1:8795 for another server; EMAIL and PASSWORD for another account;
# CUTOUTS=<dir> keeps the cut-out PNGs there, to look at them at full size.
set -euo pipefail
cd "$(dirname "$0")/../.."
API=${API:-http://127.0.0.1:8787}
EMAIL=${EMAIL:-demo@example.com}
PASSWORD=${PASSWORD:-Demo-pass-1}
IM=/usr/bin/convert
eval_set=test/fixtures/bg/eval
out=docs/images
# Each half 600×450 (the composites are 640×480): 1200 px wide in all, as wide
# as README's column shows without scaling it down much.
half=600x450
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A field of a JSON answer (a.b paths); an answer without it is printed and ends the script.
json() { node -e 'const t = require("fs").readFileSync(0, "utf8"); let o; try { o = JSON.parse(t); } catch { o = t || "(no answer)"; }
  const v = process.argv[1].split(".").reduce((a, k) => a?.[k], o); if (v == null) { console.error(typeof o === "string" ? o : JSON.stringify(o)); process.exit(1); } console.log(v);' "$1"; }

TOKEN=$(curl -s -X POST "$API/v1/account/login" -H "Content-Type: application/json" \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | json access_token) ||
  { echo "no login at $API as $EMAIL: is the dev server running (npm run dev)?" >&2; exit 1; }
auth=(-H "Authorization: Bearer $TOKEN")
curl -sf "$API/v1/admin/models/active" -H "X-Admin-Key: ${ADMIN_KEY:-dev-admin-key}" | json data.name 2>/dev/null |
  sed 's/^/model: /' || echo "model: unknown (no admin key for $API)"

# A light checkerboard of 12 px squares: light enough to read as "nothing
# here", dark enough that the white lettering and its specks stand out on it.
$IM -size 24x24 xc:'#d6d6d6' -fill '#b4b4b4' -draw 'rectangle 0,0 11,11' -draw 'rectangle 12,12 23,23' \
  -write mpr:tile +delete -size "$half" tile:mpr:tile "$work/checker.png"

# cut <composite> <subject_type> <output.jpg>
cut() {
  local name=${1%.*} url job status doc
  url=$(curl -s -X POST "$API/v1/services/uploads" "${auth[@]}" -H "Content-Type: image/jpeg" \
    --data-binary "@$eval_set/$1" | json data.fileUrl)
  job=$(curl -s -X POST "$API/v1/services/bg-remove" "${auth[@]}" -H "Content-Type: application/json" \
    -d "{\"image_url\":\"$url\",\"subject_type\":\"$2\",\"edge_softness\":0}" | json job_id)
  echo "$1: job $job ($2)"
  # The first job after the server starts loads the model; a print job takes 15–30 s of one core.
  for _ in $(seq 1 300); do
    doc=$(curl -s "$API/v1/services/bg-remove/$job" "${auth[@]}")
    status=$(echo "$doc" | json status)
    [ "$status" = completed ] || [ "$status" = failed ] && break
    sleep 2
  done
  [ "$status" = completed ] || { echo "$1: job $job is $status: $doc" >&2; exit 1; }
  curl -sf -o "$work/$name.png" "$(echo "$doc" | json output_url)"
  [ -z "${CUTOUTS:-}" ] || { mkdir -p "$CUTOUTS" && cp "$work/$name.png" "$CUTOUTS/"; }

  # IoU as test/bg-removal/quality.test.ts counts it (output alpha >= 128
  # against the exact mask >= 128), and the share of the letters' holes left
  # transparent, so that a caption can be checked against the image.
  $IM "$work/$name.png" -alpha extract -threshold 50% "$work/$name-a.png"
  $IM "$eval_set/$name-mask.png" -threshold 50% "$work/$name-m.png"
  local inter union holes=""
  inter=$($IM "$work/$name-a.png" "$work/$name-m.png" -compose multiply -composite -format '%[fx:mean]' info:)
  union=$($IM "$work/$name-a.png" "$work/$name-m.png" -compose lighten -composite -format '%[fx:mean]' info:)
  if [ -f "$eval_set/$name-counters.png" ]; then
    # Counter pixels the output leaves opaque, over all counter pixels.
    holes=$($IM "$eval_set/$name-counters.png" -threshold 50% \( +clone "$work/$name-a.png" -compose multiply -composite \) \
      -format '%[fx:mean]\n' info: | paste -sd' ' | awk '{ printf ", holes %.1f %% transparent", 100 * (1 - $2 / $1) }')
  fi
  awk -v i="$inter" -v u="$union" -v h="$holes" -v f="$1" 'BEGIN { printf "%s: IoU %.4f against the exact mask%s\n", f, i / u, h }'

  $IM "$eval_set/$1" -resize "$half!" \
    \( "$work/checker.png" \( "$work/$name.png" -resize "$half!" \) -compose over -composite \) \
    +append -strip -quality 85 "$3"
  echo "$3: $(identify -format '%wx%h, %b' "$3")"
}

cut logo-ring-blurred.jpg logo "$out/bg-logo-over-photo.jpg"
cut text-garage.jpg text "$out/bg-text-counters.jpg"
