#!/usr/bin/env bash
# Installs the Debian packages of the tests' real peers (listed in system-packages.txt) when they
# are missing and we are root; otherwise prints the one line that installs them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
missing=()
while read -r pkg _; do
  case "$pkg" in ''|'#'*) continue ;; esac
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  [ "${status:0:2}" = "ii" ] || missing+=("$pkg")
done < "$here/system-packages.txt"
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "citygw: the tests need these Debian packages: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "[citygw setup] installing test peers: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=/tmp/citygw-apt.log
# Packages of another CPU (libc6:arm64) need that architecture known to dpkg, then a fresh index.
for pkg in "${missing[@]}"; do
  case "$pkg" in
    *:*)
      arch=${pkg#*:}
      if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
        dpkg --add-architecture "$arch" && apt-get update >>"$log" 2>&1
      fi
      ;;
  esac
done
if ! apt-get install -y "${missing[@]}" >"$log" 2>&1; then
  apt-get update >>"$log" 2>&1
  apt-get install -y "${missing[@]}" >>"$log" 2>&1 || {
    echo "citygw: could not install ${missing[*]} (log: $log); install them and rerun." >&2
    exit 1
  }
fi
# Debian starts the services it installs; the tests run their own instances on free loopback ports.
for svc in mosquitto snmpd rabbitmq-server; do
  systemctl disable --now "$svc" >/dev/null 2>&1 || service "$svc" stop >/dev/null 2>&1 || true
done
exit 0
