#!/usr/bin/env bash
# Installs city-gateway on a Debian/Raspberry Pi OS box from this checkout:
#   sudo bash deploy/install/install.sh
# Copies the project to /opt/citygw, prepares the pinned Node runtime and dependencies, creates the
# `citygw` user (member of dialout), puts an example config in /etc/citygw if none is there, puts the
# `citygw` command on the PATH (/usr/local/bin/citygw) and enables the systemd unit. Rerunning it updates the code and keeps the config and data.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
dest=/opt/citygw
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 1; }
id citygw >/dev/null 2>&1 || useradd --system --home /var/lib/citygw --shell /usr/sbin/nologin citygw
usermod -a -G dialout citygw
install -d -o citygw -g citygw -m 0750 /var/lib/citygw
install -d -m 0755 /etc/citygw
mkdir -p "$dest"
# Keep the runtime and node_modules already built on the box; replace the code.
tar -C "$src" --exclude=./node_modules --exclude=./.runtime --exclude=./data --exclude=./.git -cf - . | tar -C "$dest" -xf -
chown -R citygw:citygw "$dest"
if [ ! -f /etc/citygw/citygw.yaml ]; then
  sed 's#dataDir: ./data#dataDir: /var/lib/citygw#' "$dest/deploy/examples/canal-station.yaml" > /etc/citygw/citygw.yaml
  echo "example config written to /etc/citygw/citygw.yaml: edit it, then: citygw validate --config /etc/citygw/citygw.yaml"
fi
# Pinned runtime and dependencies, built as the service user.
su -s /bin/bash citygw -c "cd $dest && node deploy/runtime/launch.cjs --version" || true
sudo -u citygw node "$dest/deploy/runtime/citygw.cjs" validate --config /etc/citygw/citygw.yaml || echo "fix the config above before starting the service"
# `citygw ...` from anywhere runs this installation (npx would look for a package of that name online).
sed "s#/opt/citygw#$dest#" "$dest/deploy/install/citygw" > /usr/local/bin/citygw
chmod 0755 /usr/local/bin/citygw
install -m 0644 "$dest/deploy/systemd/citygw.service" /etc/systemd/system/citygw.service
systemctl daemon-reload
systemctl enable citygw.service
echo "installed. check: citygw validate --config /etc/citygw/citygw.yaml; start: systemctl start citygw; logs: journalctl -u citygw -f"
