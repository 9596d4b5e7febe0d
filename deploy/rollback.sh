#!/usr/bin/env bash
# Go back to the previous kiosk release in one command (installed as kiosk-rollback):
#   sudo kiosk-rollback
# Swaps /opt/kiosk/current and /opt/kiosk/previous (running it again goes forward again) and
# restarts the kiosk. Config (/etc/kiosk) and data (/var/lib/kiosk) are not touched.
# KIOSK_ROOT=/some/dir works on an install made with KIOSK_ROOT (nothing is restarted there).
set -euo pipefail

ROOT=${KIOSK_ROOT:-}
ROOT=${ROOT%/}
PREFIX=$ROOT/opt/kiosk
LOG=$ROOT/var/log/kiosk/install.log

say() { printf '[rollback] %s\n' "$*" | { tee -a "$LOG" 2>/dev/null || cat; } >&2; }

[ "$(id -u)" -eq 0 ] || { say "run as root (sudo $0)"; exit 1; }
current=$(readlink "$PREFIX/current" 2>/dev/null) || { say "no kiosk installed in $PREFIX"; exit 1; }
previous=$(readlink "$PREFIX/previous" 2>/dev/null) || { say "no previous release to go back to"; exit 1; }
[ -x "$PREFIX/$previous/kiosk" ] || { say "previous release $previous is gone"; exit 1; }

ln -sfn "$previous" "$PREFIX/current.new"
mv -T "$PREFIX/current.new" "$PREFIX/current"
ln -sfn "$current" "$PREFIX/previous.new"
mv -T "$PREFIX/previous.new" "$PREFIX/previous"
say "$(date -u +%FT%TZ) current release: ${previous#releases/} (was ${current#releases/})"

if [ -z "$ROOT" ] && [ -d /run/systemd/system ] && systemctl is-enabled --quiet kiosk.service; then
  systemctl restart kiosk.service
  say "kiosk.service restarted"
fi
