#!/usr/bin/env bash
# Go back to the previous kiosk release in one command (installed as kiosk-rollback):
#   sudo kiosk-rollback [--force]
# Swaps /opt/kiosk/current and /opt/kiosk/previous (running it again goes forward again) and
# restarts the kiosk. Config (/etc/kiosk) and data (/var/lib/kiosk) are not touched.
# First the previous release must accept this terminal's config and be able to read the case
# queue (a newer release may have migrated it): if not, nothing is switched (--force skips
# these checks; the kiosk then shows its config error or refuses the queue, losing nothing).
# KIOSK_ROOT=/some/dir works on an install made with KIOSK_ROOT (nothing is checked or
# restarted there: the binaries of another root are not run).
set -euo pipefail

force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
  *) echo "kiosk-rollback: unknown option $1 (see --help)" >&2; exit 2 ;;
esac

ROOT=${KIOSK_ROOT:-}
ROOT=${ROOT%/}
PREFIX=$ROOT/opt/kiosk
LOG=$ROOT/var/log/kiosk/install.log

say() { printf '[rollback] %s\n' "$*" | { tee -a "$LOG" 2>/dev/null || cat; } >&2; }

[ "$(id -u)" -eq 0 ] || { say "run as root (sudo $0)"; exit 1; }
current=$(readlink "$PREFIX/current" 2>/dev/null) || { say "no kiosk installed in $PREFIX"; exit 1; }
previous=$(readlink "$PREFIX/previous" 2>/dev/null) || { say "no previous release to go back to"; exit 1; }
[ -x "$PREFIX/$previous/kiosk" ] || { say "previous release $previous is gone"; exit 1; }

# Would the previous release run here? Asked of that release itself, as the kiosk user.
previous_accepts() {
  local config=/etc/kiosk/terminal.toml out
  for check in "config check" "queue status --json"; do
    # shellcheck disable=SC2086  # the check is two or three words on purpose
    if ! out=$(runuser -u kiosk -- env KIOSK_CONFIG="$config" "$PREFIX/$previous/kiosk" \
        $check --config "$config" 2>&1 >/dev/null); then
      say "previous release ${previous#releases/} fails 'kiosk $check': ${out:-no reason given}"
      return 1
    fi
  done
}
if [ -z "$ROOT" ] && [ "$force" = 0 ] && ! previous_accepts; then
  say "nothing was switched: ${current#releases/} stays current (--force switches anyway)"
  exit 1
fi

ln -sfn "$previous" "$PREFIX/current.new"
mv -T "$PREFIX/current.new" "$PREFIX/current"
ln -sfn "$current" "$PREFIX/previous.new"
mv -T "$PREFIX/previous.new" "$PREFIX/previous"
say "$(date -u +%FT%TZ) current release: ${previous#releases/} (was ${current#releases/})"

if [ -z "$ROOT" ] && [ -d /run/systemd/system ] && systemctl is-enabled --quiet kiosk.service; then
  systemctl restart kiosk.service
  say "kiosk.service restarted"
fi
