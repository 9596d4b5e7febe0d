#!/usr/bin/env bash
# Build the one-folder bundle and run it the way a terminal would, with no Python around it:
#   scripts/package_smoke.sh [--no-build] [--no-tar]
# 1. ./dev package (pyinstaller --noconfirm --clean kiosk.spec), timed
# 2. every shared library in the bundle resolves (a library left out fails only when loaded)
# 3. dist/kiosk/kiosk selftest --json  -> exit 0 and "ok": true, offscreen
# 4. dist/kiosk/kiosk demo --headless --out DIR -> exit 0 and the screenshots
# 5. sizes: the folder (du -sh) and dist/kiosk-<version>.tar.gz
# Runs every step, prints one JSON line with the outcome, timings and sizes, and exits
# non-zero if any step failed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
BUNDLE=$REPO/dist/kiosk

say() { printf '[package-smoke] %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

do_build=1
do_tar=1
for arg in "$@"; do
  case "$arg" in
    --no-build) do_build=0 ;;
    --no-tar) do_tar=0 ;;  # the tarball takes ~50 s of gzip on 2 cores; CI may skip it
    *) say "unknown option $arg"; exit 2 ;;
  esac
done

build_s=0
if [ "$do_build" = 1 ]; then
  started=$(now)
  ./dev package >/tmp/kiosk-package-build.log 2>&1 || {
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

# -- 3. and 4. run the frozen binary from a scratch folder -------------------------------------
scratch=$(mktemp -d /tmp/kiosk-smoke.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
export QT_QPA_PLATFORM=offscreen
unset KIOSK_CONFIG

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
else
  tail -n 20 demo.out demo.err >&2
  say "frozen headless demo FAILED"
  failed+=(demo)
fi
demo_s=$(since "$started")

# -- 5. sizes ------------------------------------------------------------------------------------
cd "$REPO/dist"
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
  say "tarball: dist/$tarball, $(du -sh "$tarball" | cut -f1)"
fi
folder_mb=$(du -sm kiosk | cut -f1)
say "bundle folder: $(du -sh kiosk | cut -f1)"
printf '{"ok": %s, "failed": "%s", "build_s": %s, "selftest_s": %s, "demo_s": %s, "tar_s": %s, "folder_mb": %s, "tar_gz_mb": %s, "version": "%s", "build": "%s"}\n' \
  "$([ ${#failed[@]} -eq 0 ] && echo true || echo false)" "${failed[*]}" \
  "$build_s" "$selftest_s" "$demo_s" "$tar_s" "$folder_mb" "$tar_mb" "$version" "$build"
[ ${#failed[@]} -eq 0 ]
