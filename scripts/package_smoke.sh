#!/usr/bin/env bash
# Build the one-folder bundle and run it the way a terminal would, with no Python around it:
#   scripts/package_smoke.sh [--dist DIR] [--no-build] [--no-tar]
# The bundle is built into DIR (default: a new folder under /tmp), OUTSIDE the checkout, so
# that nothing next to the checkout (../shared, the sources) can help it: a terminal has
# neither. --no-build reuses the bundle already in DIR.
# 1. ./dev package --distpath DIR --workpath DIR/build, timed
# 2. every shared library in the bundle resolves (a library left out fails only when loaded)
#    and the PAD model (fr_liveness.onnx) and onnxruntime's native extension are there
# 3. DIR/kiosk/kiosk selftest --json  -> exit 0 and "ok": true, offscreen (pad_model included)
# 4. DIR/kiosk/kiosk demo --headless --out OUT -> exit 0 and the screenshots
# 5. sizes: the folder (du -sh) and DIR/kiosk-<version>.tar.gz
# Runs every step, prints one JSON line with the outcome, timings and sizes, and exits
# non-zero if any step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

say() { printf '[package-smoke] %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

do_build=1
do_tar=1
dist=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dist) dist=${2:?--dist needs a folder}; shift ;;
    --no-build) do_build=0 ;;
    --no-tar) do_tar=0 ;;  # the tarball takes ~50 s of gzip on 2 cores; CI may skip it
    *) say "unknown option $1"; exit 2 ;;
  esac
  shift
done
[ -n "$dist" ] || dist=$(mktemp -d /tmp/kiosk-dist.XXXXXX)
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
case "$dist/" in
  "$REPO"/*) say "--dist $dist is inside the checkout: build outside it"; exit 2 ;;
esac
BUNDLE=$dist/kiosk
say "bundle folder: $BUNDLE"

build_s=0
if [ "$do_build" = 1 ]; then
  started=$(now)
  ./dev package --distpath "$dist" --workpath "$dist/build" >/tmp/kiosk-package-build.log 2>&1 || {
    tail -n 30 /tmp/kiosk-package-build.log >&2
    say "build failed (full log: /tmp/kiosk-package-build.log)"
    exit 1
  }
  build_s=$(since "$started")
  say "built in ${build_s} s"
fi
[ -x "$BUNDLE/kiosk" ] || { say "no bundle at $BUNDLE"; exit 1; }

# -- 2. shared libraries --------------------------------------------------------------------
lib_path=$(find "$BUNDLE/_internal" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
missing=$(find "$BUNDLE/_internal" -name '*.so*' -type f -print0 \
  | xargs -0 -n 50 env LD_LIBRARY_PATH="$lib_path" ldd 2>/dev/null \
  | grep 'not found' | sort -u || true)
if [ -n "$missing" ]; then
  say "libraries the bundle needs but neither carries nor finds on this system:"
  echo "$missing" >&2
  exit 1
fi
say "every shared library resolves"
# The presentation-attack stage: without its model the kiosk checks nobody (the frozen
# self-test's pad_model part below then loads it with OpenCV and checks its sha256).
pad_model=$(find "$BUNDLE/_internal" -path '*/kiosk/face/models/fr_liveness.onnx' | head -n 1)
if [ -z "$pad_model" ]; then
  say "the bundle lacks the PAD model (kiosk/face/models/fr_liveness.onnx)"
  exit 1
fi
say "the PAD model is in the bundle"

# -- 3. and 4. run the frozen binary from a scratch folder -------------------------------------
scratch=$(mktemp -d /tmp/kiosk-smoke.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
export QT_QPA_PLATFORM=offscreen
unset KIOSK_CONFIG KIOSK_DEMO_CLIP  # nothing from this machine's setup may help the bundle

failed=()
started=$(now)
if "$BUNDLE/kiosk" selftest --json >selftest.json 2>selftest.err \
    && grep -q '"ok": true' selftest.json; then
  say "frozen selftest passed in $(since "$started") s"
else
  cat selftest.json selftest.err >&2
  say "frozen selftest FAILED"
  failed+=(selftest)
fi
selftest_s=$(since "$started")

started=$(now)
if timeout 600 "$BUNDLE/kiosk" demo --headless --out "$scratch/demo" >demo.out 2>demo.err \
    && [ -n "$(find "$scratch/demo" -name '*.png' 2>/dev/null)" ]; then
  say "frozen headless demo passed in $(since "$started") s" \
    "($(find "$scratch/demo" -name '*.png' | wc -l) screenshots)"
  # Its own two progress lines aside, at most two warnings (no sound device: voice is off).
  noise=$(grep -cv -e '^kiosk demo:' -e '^demo finished:' demo.err || true)
  if [ "$noise" -gt 2 ]; then
    cat demo.err >&2
    say "frozen headless demo printed $noise warning lines (at most 2)"
    failed+=(demo-warnings)
  fi
else
  tail -n 20 demo.out demo.err >&2
  say "frozen headless demo FAILED"
  failed+=(demo)
fi
demo_s=$(since "$started")

# -- 5. sizes ------------------------------------------------------------------------------------
cd "$dist"
read -r version build <"$BUNDLE/VERSION"
tarball="kiosk-$version+$build.tar.gz"
tar_s=0
tar_mb=0
if [ "$do_tar" = 1 ]; then
  rm -f kiosk-*.tar.gz
  started=$(now)
  tar -czf "$tarball" kiosk
  tar_s=$(since "$started")
  tar_mb=$(du -sm "$tarball" | cut -f1)
  say "tarball: $dist/$tarball, $(du -sh "$tarball" | cut -f1)"
fi
folder_mb=$(du -sm kiosk | cut -f1)
say "bundle folder: $(du -sh kiosk | cut -f1)"
printf '{"ok": %s, "failed": "%s", "build_s": %s, "selftest_s": %s, "demo_s": %s, "tar_s": %s, "folder_mb": %s, "tar_gz_mb": %s, "version": "%s", "build": "%s", "dist": "%s"}\n' \
  "$([ ${#failed[@]} -eq 0 ] && echo true || echo false)" "${failed[*]}" \
  "$build_s" "$selftest_s" "$demo_s" "$tar_s" "$folder_mb" "$tar_mb" "$version" "$build" "$dist"
[ ${#failed[@]} -eq 0 ]
