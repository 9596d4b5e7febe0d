#!/usr/bin/env bash
# Build the one-folder bundle and run it the way a terminal would, with no Python around it:
#   scripts/package_smoke.sh [--no-build]
# 1. ./dev package (pyinstaller --noconfirm --clean kiosk.spec), timed
# 2. every shared library in the bundle resolves (a library left out fails only when loaded)
# 3. dist/kiosk/kiosk selftest --json  -> exit 0 and "ok": true, offscreen
# 4. dist/kiosk/kiosk demo --headless --out DIR -> exit 0 and the screenshots
# 5. sizes: the folder (du -sh) and dist/kiosk-<version>.tar.gz
# Prints one JSON line with the timings and sizes at the end; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
BUNDLE=$REPO/dist/kiosk

say() { printf '[package-smoke] %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

build_s=0
if [ "${1:-}" != "--no-build" ]; then
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

started=$(now)
if ! "$BUNDLE/kiosk" selftest --json >selftest.json 2>selftest.err; then
  cat selftest.json selftest.err >&2
  say "frozen selftest FAILED"
  exit 1
fi
selftest_s=$(since "$started")
grep -q '"ok": true' selftest.json || { cat selftest.json >&2; say "selftest not ok"; exit 1; }
say "frozen selftest passed in ${selftest_s} s"

started=$(now)
if ! timeout 600 "$BUNDLE/kiosk" demo --headless --out "$scratch/demo" >demo.out 2>demo.err; then
  tail -n 20 demo.out demo.err >&2
  say "frozen headless demo FAILED"
  exit 1
fi
demo_s=$(since "$started")
shots=$(find "$scratch/demo" -name '*.png' | wc -l)
[ "$shots" -gt 0 ] || { say "the demo wrote no screenshots"; exit 1; }
say "frozen headless demo passed in ${demo_s} s ($shots screenshots)"

# -- 5. sizes ------------------------------------------------------------------------------------
cd "$REPO/dist"
read -r version build <"$BUNDLE/VERSION"
tarball="kiosk-$version+$build.tar.gz"
rm -f kiosk-*.tar.gz
started=$(now)
tar -czf "$tarball" kiosk
tar_s=$(since "$started")
folder_mb=$(du -sm kiosk | cut -f1)
tar_mb=$(du -sm "$tarball" | cut -f1)
say "bundle: $(du -sh kiosk | cut -f1) as a folder, $(du -sh "$tarball" | cut -f1) as dist/$tarball"
printf '{"build_s": %s, "selftest_s": %s, "demo_s": %s, "tar_s": %s, "folder_mb": %s, "tar_gz_mb": %s, "version": "%s", "build": "%s"}\n' \
  "$build_s" "$selftest_s" "$demo_s" "$tar_s" "$folder_mb" "$tar_mb" "$version" "$build"
