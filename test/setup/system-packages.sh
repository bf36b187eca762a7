#!/usr/bin/env bash
# Installs the Debian packages of the tests' real peers when they are missing, if we are root.
# Each line of system-packages.txt is "COMMAND-OR-PATH-THAT-PROVES-IT PACKAGE"; one list, one place.
set -u
here=$(cd "$(dirname "$0")" && pwd)
missing=()
while read -r probe pkg; do
  case "$probe" in ''|'#'*) continue ;; esac
  if [[ "$probe" == /* ]]; then [ -e "$probe" ] && continue; else command -v "$probe" >/dev/null 2>&1 && continue; fi
  missing+=("$pkg")
done < "$here/system-packages.txt"
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "citygw: the tests need these Debian packages: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "[citygw setup] installing test peers: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/citygw-apt.log 2>&1; then
  apt-get update >>/tmp/citygw-apt.log 2>&1
  apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/citygw-apt.log 2>&1 || {
    echo "citygw: could not install ${missing[*]} (log: /tmp/citygw-apt.log); install them and rerun." >&2
    exit 1
  }
fi
# Debian starts services it installs; the tests run their own instances on free loopback ports.
for svc in mosquitto snmpd; do
  systemctl disable --now "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
done
exit 0
