#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages tcpsim needs, only those
# missing. Runs apt-get (as root, or through sudo) only when something is
# missing, so it is cheap to call before every build.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config   # compiler and build
  libevent-dev                       # real-time / emulation event loop
  libsqlite3-dev sqlite3             # results database and its shell
  libcmocka-dev                      # unit tests
  libpcap-dev                        # pcap files
  libinih-dev                        # experiment (.ini) files
  tshark                             # reads our pcaps back in the tests
  libxml2-utils                      # xmllint: the tests parse our SVG
  gnuplot-nox                        # results/plots: PNG plots from SQL
  iproute2                           # ip, ss: the emulation tests' namespace
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer "no"
# beforehand so the install never stops at a prompt.
echo 'wireshark-common wireshark-common/install-setuid boolean false' |
  "${sudo[@]}" debconf-set-selections
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
