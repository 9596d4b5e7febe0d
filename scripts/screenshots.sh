#!/usr/bin/env bash
# Regenerate the screenshot gallery in docs/screens/ from the real window:
#   scripts/screenshots.sh
# 1. kiosk demo --headless --audit --json at 1920x1080 and at 1080x1920 (one simulated pension
#    check, then every screen state rendered and audited; a failed demo stops the script)
# 2. scripts/screens_gallery.py: each state at half size into docs/screens/<orientation>/,
#    and docs/screens/README.md with the audit's figures
# Unmet audit targets do not stop it (the gallery shows what is); they are printed on stderr
# by the demo and appear in the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

runs=()
for spec in landscape=1920x1080 portrait=1080x1920; do
  orientation=${spec%%=*}
  size=${spec#*=}
  echo "[screenshots] $orientation $size" >&2
  "$PY" -m kiosk demo --headless --audit --json --size "$size" --out "$WORK/$orientation" \
    >"$WORK/$orientation.json"
  mv "$WORK/$orientation.json" "$WORK/$orientation/audit.json"
  runs+=("$orientation=$WORK/$orientation")
done
"$PY" scripts/screens_gallery.py docs/screens "${runs[@]}"
echo "[screenshots] $(find docs/screens -name '*.png' | wc -l) PNGs," \
  "$(du -sh docs/screens | cut -f1) in docs/screens" >&2
