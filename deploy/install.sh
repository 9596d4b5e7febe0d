#!/usr/bin/env bash
# Install or update the kiosk on this terminal from the unpacked bundle. Run as root:
#   sudo ./kiosk/deploy/install.sh [--session cage|xorg] [--no-apt] [--no-start]
#
#   /opt/kiosk/releases/<version>+<build>/   this bundle (read-only for the kiosk user)
#   /opt/kiosk/current -> releases/...       flipped atomically once the new release is in
#   /opt/kiosk/previous -> releases/...      what deploy/rollback.sh goes back to
#   /etc/kiosk/terminal.toml                 the terminal's config: created once, never overwritten
#   /var/lib/kiosk/                          keys, registration, case queue (kiosk:kiosk 0700), kept
#   /var/log/kiosk/                          install.log (rotated by /etc/logrotate.d/kiosk)
#   /usr/local/bin/kiosk                     `kiosk selftest` etc. with the terminal's config
#   /etc/systemd/system/kiosk.service        full screen on tty1, restarted for ever
#
# KIOSK_ROOT=/some/dir installs into that directory instead of / (a debootstrap root or a copy
# of one: it must hold etc/passwd). Nothing is started there; the unit is only enabled.
set -euo pipefail

BUNDLE=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${KIOSK_ROOT:-}
ROOT=${ROOT%/}
KIOSK_USER=kiosk
KEEP_RELEASES=3
# Shared libraries the bundle takes from the system, and the programs around it.
RUNTIME_PACKAGES=(
  cage xwayland pcscd libpcsclite1 libusb-1.0-0 libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0
  libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0
  libxcb-xkb1 libwayland-client0 libwayland-cursor0 libwayland-egl1 libpulse0 fontconfig
  logrotate util-linux
)
XORG_PACKAGES=(xserver-xorg-core xserver-xorg-legacy xinit xserver-xorg-input-libinput)
DEVICE_GROUPS=(video render input audio dialout lp plugdev)

session=cage
use_apt=1
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --session) session=${2:?--session needs cage or xorg}; shift 2 ;;
    --no-apt) use_apt=0; shift ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$session" in cage|xorg) ;; *) echo "install.sh: --session is cage or xorg" >&2; exit 2 ;; esac

PREFIX=$ROOT/opt/kiosk
ETC=$ROOT/etc/kiosk
DATA=$ROOT/var/lib/kiosk
LOGS=$ROOT/var/log/kiosk
LOG=$LOGS/install.log

mkdir -p "$LOGS"
say() { printf '[install] %s\n' "$*" | tee -a "$LOG" >&2; }
die() { say "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"
[ -x "$BUNDLE/kiosk" ] && [ -f "$BUNDLE/VERSION" ] || die "$BUNDLE is not a kiosk bundle"
if [ -n "$ROOT" ]; then
  [ -f "$ROOT/etc/passwd" ] || die "KIOSK_ROOT=$ROOT holds no etc/passwd"
  use_apt=0
  start=0
fi
read -r version build < "$BUNDLE/VERSION"
release="$version+$build"
say "$(date -u +%FT%TZ) installing kiosk $release from $BUNDLE into ${ROOT:-/}"

# --- system packages -----------------------------------------------------------------------
install_packages() {
  local wanted=("${RUNTIME_PACKAGES[@]}") missing=()
  [ "$session" = xorg ] && wanted+=("${XORG_PACKAGES[@]}")
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >>"$LOG" 2>&1; then
    say "WARNING: could not install ${missing[*]} (no network?); install them, then run again"
  fi
}
if [ "$use_apt" = 1 ] && command -v apt-get >/dev/null; then
  install_packages
fi

# --- the kiosk user -------------------------------------------------------------------------
prefix_args=()
[ -n "$ROOT" ] && prefix_args=(--prefix "$ROOT")
if ! grep -q "^$KIOSK_USER:" "$ROOT/etc/passwd"; then
  say "creating system user $KIOSK_USER"
  useradd "${prefix_args[@]}" --system --user-group --home-dir /var/lib/kiosk --no-create-home \
    --shell /usr/sbin/nologin --comment "service-point kiosk" "$KIOSK_USER"
fi
for group in "${DEVICE_GROUPS[@]}"; do
  if grep -q "^$group:" "$ROOT/etc/group" \
      && ! grep -qE "^$group:[^:]*:[^:]*:(.*,)?$KIOSK_USER(,|$)" "$ROOT/etc/group"; then
    usermod "${prefix_args[@]}" -a -G "$group" "$KIOSK_USER"
  fi
done
# Numeric ids from the target's own files: the host may not know this user at all.
uid=$(awk -F: -v u="$KIOSK_USER" '$1 == u { print $3 }' "$ROOT/etc/passwd")
gid=$(awk -F: -v u="$KIOSK_USER" '$1 == u { print $4 }' "$ROOT/etc/passwd")

# --- folders: config and data are created once and kept across updates ---------------------
install -d -m 0755 -o 0 -g 0 "$PREFIX" "$PREFIX/releases" "$ROOT/usr/local/bin"
install -d -m 0750 -o 0 -g "$gid" "$ETC"
install -d -m 0700 -o "$uid" -g "$gid" "$DATA"
install -d -m 0750 -o "$uid" -g "$gid" "$LOGS"
# Whatever an earlier run as root left in the data folder belongs to the kiosk again.
chown -R "$uid:$gid" "$DATA"
chmod -R go-rwx "$DATA"
chown "$uid:$gid" "$LOG"

# --- the release ------------------------------------------------------------------------------
target=$PREFIX/releases/$release
current=$(readlink "$PREFIX/current" 2>/dev/null || true)
if [ "$current" = "releases/$release" ]; then
  say "$release is already the current release: files left as they are"
else
  rm -rf "$target" "$target.partial"
  cp -a "$BUNDLE" "$target.partial"
  chown -R 0:0 "$target.partial"
  chmod -R u+rwX,go+rX,go-w "$target.partial"
  mv -T "$target.partial" "$target"
  say "copied the bundle to $target ($(du -sh "$target" | cut -f1))"
fi

# --- config: the terminal's file is never overwritten -----------------------------------------
install -m 0644 -o 0 -g 0 "$BUNDLE/deploy/terminal.example.toml" "$ETC/terminal.example.toml"
if [ ! -f "$ETC/terminal.toml" ]; then
  install -m 0640 -o 0 -g "$gid" "$BUNDLE/deploy/terminal.example.toml" "$ETC/terminal.toml"
  say "created $ETC/terminal.toml from the example: edit it (docs: deploy/README.md)"
else
  chown 0:"$gid" "$ETC/terminal.toml"
  chmod 0640 "$ETC/terminal.toml"
fi
# A release that cannot read this terminal's config must not become current.
if [ -z "$ROOT" ]; then
  if ! "$target/kiosk" config check --config "$ETC/terminal.toml" >/dev/null 2>>"$LOG"; then
    die "$release rejects $ETC/terminal.toml (see $LOG); nothing was switched"
  fi
fi

# --- switch: one rename, so the kiosk never sees half a release ------------------------------
if [ "$current" != "releases/$release" ]; then
  ln -sfn "releases/$release" "$PREFIX/current.new"
  mv -T "$PREFIX/current.new" "$PREFIX/current"
  if [ -n "$current" ]; then
    ln -sfn "$current" "$PREFIX/previous.new"
    mv -T "$PREFIX/previous.new" "$PREFIX/previous"
  fi
  say "current release: $release${current:+ (previous: ${current#releases/})}"
fi

# --- commands, service, log rotation, font -----------------------------------------------------
cat > "$ROOT/usr/local/bin/kiosk" <<'WRAPPER'
#!/bin/sh
# `kiosk ...` with this terminal's config, as the kiosk user (so data files keep their owner).
export KIOSK_CONFIG="${KIOSK_CONFIG:-/etc/kiosk/terminal.toml}"
cd /var/lib/kiosk 2>/dev/null || cd /
if [ "$(id -u)" -eq 0 ]; then
  exec runuser -u kiosk -- /opt/kiosk/current/kiosk "$@"
fi
exec /opt/kiosk/current/kiosk "$@"
WRAPPER
chmod 0755 "$ROOT/usr/local/bin/kiosk"
install -m 0755 -o 0 -g 0 "$BUNDLE/deploy/rollback.sh" "$ROOT/usr/local/sbin/kiosk-rollback" \
  2>/dev/null || { install -d "$ROOT/usr/local/sbin"; \
  install -m 0755 "$BUNDLE/deploy/rollback.sh" "$ROOT/usr/local/sbin/kiosk-rollback"; }

unit=kiosk.service
[ "$session" = xorg ] && unit=kiosk-xorg.service
install -d "$ROOT/etc/systemd/system" "$ROOT/etc/systemd/journald.conf.d" "$ROOT/etc/logrotate.d"
install -m 0644 "$BUNDLE/deploy/$unit" "$ROOT/etc/systemd/system/kiosk.service"
install -m 0644 "$BUNDLE/deploy/journald-kiosk.conf" "$ROOT/etc/systemd/journald.conf.d/kiosk.conf"
install -m 0644 "$BUNDLE/deploy/kiosk.logrotate" "$ROOT/etc/logrotate.d/kiosk"
if [ "$session" = xorg ] && [ -d "$ROOT/etc/X11" ]; then
  # Rootless Xorg for the kiosk user's tty1 session.
  printf 'allowed_users=anybody\nneeds_root_rights=auto\n' > "$ROOT/etc/X11/Xwrapper.config"
fi
font=$(find "$target/_internal/fonts" -maxdepth 1 -name '*.tt[cf]' 2>/dev/null | head -n1)
if [ -n "$font" ]; then
  install -d "$ROOT/usr/local/share/fonts/kiosk"
  install -m 0644 "$font" "$ROOT/usr/local/share/fonts/kiosk/"
  if [ -z "$ROOT" ] && command -v fc-cache >/dev/null; then fc-cache -f >/dev/null 2>&1 || true; fi
fi

systemctl_args=()
[ -n "$ROOT" ] && systemctl_args=(--root="$ROOT")
if command -v systemctl >/dev/null; then
  systemctl "${systemctl_args[@]}" enable kiosk.service >>"$LOG" 2>&1 \
    || say "WARNING: could not enable kiosk.service"
  systemctl "${systemctl_args[@]}" set-default graphical.target >>"$LOG" 2>&1 || true
fi
if [ "$start" = 1 ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl restart kiosk.service
  say "kiosk.service restarted"
fi

# --- old releases: keep current, previous and the newest few ----------------------------------
keep_current=$(readlink "$PREFIX/current" || true)
keep_previous=$(readlink "$PREFIX/previous" 2>/dev/null || true)
mapfile -t releases < <(ls -1t "$PREFIX/releases")
count=0
for name in "${releases[@]}"; do
  [ "releases/$name" = "$keep_current" ] && continue
  [ "releases/$name" = "$keep_previous" ] && continue
  count=$((count + 1))
  if [ "$count" -gt $((KEEP_RELEASES - 2)) ]; then
    rm -rf "${PREFIX:?}/releases/$name"
    say "removed old release $name"
  fi
done

say "done: kiosk $release installed; check it with: sudo kiosk selftest"
