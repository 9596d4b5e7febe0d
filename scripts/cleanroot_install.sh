#!/usr/bin/env bash
# Install the built bundle on a clean Debian 12 root, the way a technician would on a fresh
# terminal, and check what the installer did:
#   scripts/cleanroot_install.sh [--bundle DIR] [--cache DIR] [--keep]
#
# 1. a minimal Debian 12 root (debootstrap --variant=minbase, cached in --cache) plus systemd,
#    as a stock install has it; no Python, no fonts, none of the kiosk's libraries
# 2. chroot: deploy/install.sh --no-start from the unpacked bundle (it installs the Debian
#    packages it needs with apt-get, creates the user, folders, unit, wrapper, font), twice
# 3. checks: owners and modes, the enabled unit, `kiosk config check` of the created
#    terminal.toml, `kiosk selftest --json` with the defaults (exit 0) and with the example
#    hardware config (exit 3, naming the missing devices), a headless demo as the kiosk user
#    with the installer's font copy hidden (the bundle's own font must do)
# 4. an update to a second release: config, keys and queue kept; rollback refused while the
#    queue carries a newer schema, then a rollback that switches back
# Needs root, network to the Debian mirror (first run only) and a built dist/kiosk. Prints one
# JSON line with the outcome and figures; exits non-zero if any check failed. Not run by CI
# (a debootstrap and an apt-get of ~150 packages take minutes and need the mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
bundle=$REPO/dist/kiosk
cache=/var/tmp/kiosk-cleanroot-cache
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle=$(cd "${2:?--bundle needs a folder}" && pwd); shift 2 ;;
    --cache) cache=${2:?--cache needs a folder}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "cleanroot_install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
say() { printf '[cleanroot] %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "run as root"; exit 1; }
[ -x "$bundle/kiosk" ] || { say "no bundle at $bundle: ./dev package first"; exit 1; }
clip=$(find "$REPO/../shared/testdata/videos/tune" -name 'blink_frontal_male*' 2>/dev/null | head -n1)

pristine=$cache/bookworm-minbase
if [ ! -f "$pristine/etc/debian_version" ]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
  say "debootstrap bookworm (minbase) into $pristine"
  rm -rf "$pristine"
  mkdir -p "$cache"
  debootstrap --variant=minbase bookworm "$pristine" >/dev/null
fi

root=$(mktemp -d /var/tmp/kiosk-cleanroot.XXXXXX)
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ "$keep" = 1 ]; then say "root kept at $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT
cp -a "$pristine/." "$root/"
for fs in proc sys dev dev/pts; do
  case "$fs" in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sys "$root/sys" ;;
    *) mount --bind "/$fs" "$root/$fs" ;;
  esac
  mounted+=("$root/$fs")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LC_ALL=C.UTF-8 HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }
as_kiosk() { in_root runuser -u kiosk -- env QT_QPA_PLATFORM=offscreen "$@"; }

failed=()
check() { # check NAME COMMAND...: run, remember a failure by name
  local name=$1; shift
  if "$@"; then say "ok: $name"; else say "FAILED: $name"; failed+=("$name"); fi
}

say "stock parts a Debian 12 install has and minbase lacks: systemd"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends systemd >/dev/null 2>&1
packages_before=$(in_root dpkg-query -W | wc -l)

# -- 2. install release A ----------------------------------------------------------------------
cp -a "$bundle" "$root/root/kiosk-a"
started=$(date +%s)
check install in_root /root/kiosk-a/deploy/install.sh --no-start
install_s=$(($(date +%s) - started))
packages_after=$(in_root dpkg-query -W | wc -l)
rerun=$(in_root /root/kiosk-a/deploy/install.sh --no-start 2>&1 || true)
check "second install run changes nothing" grep -q 'already the current release' <<<"$rerun"
read -r version build_a <"$bundle/VERSION"

# -- 3. what it left ----------------------------------------------------------------------------
mode_of() { in_root stat -c '%U:%G %a' "$1"; }
check "etc/kiosk root:kiosk 750" test "$(mode_of /etc/kiosk)" = "root:kiosk 750"
check "terminal.toml root:kiosk 640" test "$(mode_of /etc/kiosk/terminal.toml)" = "root:kiosk 640"
check "var/lib/kiosk kiosk:kiosk 700" test "$(mode_of /var/lib/kiosk)" = "kiosk:kiosk 700"
check "current -> release A" test "$(readlink "$root/opt/kiosk/current")" = "releases/$version+$build_a"
check "unit enabled" test -L "$root/etc/systemd/system/graphical.target.wants/kiosk.service"
check "unit passes systemd-analyze verify" in_root systemd-analyze verify /etc/systemd/system/kiosk.service
check "kiosk user has no login shell" test "$(in_root getent passwd kiosk | cut -d: -f7)" = /usr/sbin/nologin
check "log rotation" test -f "$root/etc/logrotate.d/kiosk"
check "kiosk command" test -x "$root/usr/local/bin/kiosk"
check "config check of terminal.toml" in_root sh -c "/usr/local/bin/kiosk config check >/dev/null"
# The defaults' simulated camera plays the demo clip (test data, never shipped in the bundle).
[ -n "$clip" ] && install -m 0644 "$clip" "$root/tmp/demo-clip"
check "selftest, defaults (simulated)" as_kiosk env KIOSK_DEMO_CLIP=/tmp/demo-clip sh -c \
  'cd /var/lib/kiosk && /opt/kiosk/current/kiosk selftest --json >/dev/null'
set +e
hardware=$(in_root /usr/local/bin/kiosk selftest --json 2>/dev/null)
hardware_rc=$?
set -e
check "selftest, example hardware config: exit 3" test "$hardware_rc" = 3
json_get() { python3 -c "import json, sys; print($1)" 2>/dev/null || true; }
faulty=$(printf '%s' "$hardware" \
  | json_get '",".join(c["part"] for c in json.load(sys.stdin)["checks"] if not c["ok"])')

mv "$root/usr/local/share/fonts/kiosk" "$root/root/fonts-hidden"
in_root fc-cache -f >/dev/null 2>&1 || true
demo_font=""
demo_pngs=0
if [ -n "$clip" ]; then
  started=$(date +%s)
  demo=$(as_kiosk env KIOSK_DEMO_CLIP=/tmp/demo-clip sh -c \
    'cd /var/lib/kiosk && /opt/kiosk/current/kiosk demo --headless --out /var/lib/kiosk/demo --json' \
    2>/dev/null || true)
  demo_s=$(($(date +%s) - started))
  demo_font=$(printf '%s' "$demo" | json_get 'json.load(sys.stdin).get("font", "")')
  demo_pngs=$(find "$root/var/lib/kiosk/demo" -maxdepth 1 -name '*.png' | wc -l)
  check "headless demo as kiosk, bundle font only" test "$demo_font" = "Noto Sans CJK SC" -a "$demo_pngs" -ge 10
  rm -rf "$root/var/lib/kiosk/demo"
else
  demo_s=0
  say "no demo clip in ../shared/testdata: demo skipped"
fi
mv "$root/root/fonts-hidden" "$root/usr/local/share/fonts/kiosk"

# -- 4. update, then rollback --------------------------------------------------------------------
check "queue filled" as_kiosk sh -c 'cd /var/lib/kiosk && /opt/kiosk/current/kiosk queue fill-demo --count 3 --config /etc/kiosk/terminal.toml >/dev/null'
kept() { sha256sum "$root/etc/kiosk/terminal.toml" "$root"/var/lib/kiosk/keys/* 2>/dev/null | cut -d' ' -f1; }
before=$(kept)
cp -a "$bundle" "$root/root/kiosk-b"
build_b="$build_a-b"
echo "$version $build_b" >"$root/root/kiosk-b/VERSION"
check "update to release B" in_root /root/kiosk-b/deploy/install.sh --no-start --no-apt
check "current -> B, previous -> A" test "$(readlink "$root/opt/kiosk/current")" = "releases/$version+$build_b" \
  -a "$(readlink "$root/opt/kiosk/previous")" = "releases/$version+$build_a"
check "config and keys kept" test "$before" = "$(kept)"
pending() { in_root /usr/local/bin/kiosk queue status --json | json_get 'json.load(sys.stdin)["pending"]'; }
check "queue kept (3 pending)" test "$(pending)" = 3

newer="INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'a newer release')"
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" \
  "$root/var/lib/kiosk/queue.db" "$newer"
set +e
in_root /usr/local/sbin/kiosk-rollback 2>"$root/tmp/rollback.err"
refused_rc=$?
set -e
check "rollback refused while the queue is newer" test "$refused_rc" = 1 \
  -a "$(readlink "$root/opt/kiosk/current")" = "releases/$version+$build_b"
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM schema_migrations WHERE version = 999'); c.commit()" \
  "$root/var/lib/kiosk/queue.db"
check "rollback" in_root /usr/local/sbin/kiosk-rollback
check "current -> A after rollback" test "$(readlink "$root/opt/kiosk/current")" = "releases/$version+$build_a"
check "queue kept after rollback" test "$(pending)" = 3

printf '{"ok": %s, "failed": "%s", "install_s": %s, "packages_installed": %s, "bundle_mb": %s, "demo_s": %s, "demo_pngs": %s, "demo_font": "%s", "selftest_hardware_faulty": "%s", "rollback_refused_says": "%s"}\n' \
  "$([ ${#failed[@]} -eq 0 ] && echo true || echo false)" "${failed[*]}" "$install_s" \
  "$((packages_after - packages_before))" "$(du -sm "$bundle" | cut -f1)" "$demo_s" "$demo_pngs" \
  "$demo_font" "$faulty" "$(grep -o 'fails .*' "$root/tmp/rollback.err" | head -n1 | tr -d '"\\' | cut -c1-160)"
[ ${#failed[@]} -eq 0 ]
