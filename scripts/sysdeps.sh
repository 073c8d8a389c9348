#!/usr/bin/env bash
# Install the Debian packages atomcomm needs when they are missing.
#   runtime: pango (WeasyPrint prints), harfbuzz-subset (font subsetting in C: without it WeasyPrint
#            subsets with fontTools, ~0.4 s per PDF), DejaVu fonts (Polish glyphs in PDFs)
#   test:    also poppler-utils (pdffonts/pdftoppm checks), PostgreSQL (integration tests), openssl
# As root this runs apt-get; otherwise it names the packages to install and carries on.
set -euo pipefail
kind=${1:-runtime}
pkgs=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "$kind" = test ]; then
  pkgs+=(poppler-utils postgresql openssl)
fi
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "atomcomm: please install these system packages: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  echo "atomcomm: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "atomcomm: missing system packages: ${missing[*]}" >&2
  echo "          install them with: sudo apt-get install ${missing[*]}" >&2
  if [ "$kind" = runtime ]; then exit 1; fi
fi
