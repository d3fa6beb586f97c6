#!/bin/sh
# Install the Debian packages the app and its tests need, when missing: WeasyPrint for Chinese
# PDFs, poppler for PDF checks, zbar to decode the posters' QR codes in tests, Chromium for the
# browser tests (never a downloaded browser).
# libharfbuzz-subset0 matters: without it font subsetting falls back to fontTools (~10 s a PDF).
set -eu
PACKAGES="fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils zbar-tools chromium"
missing=""
for package in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "missing Debian packages:$missing" >&2
    echo "run: sudo apt-get install -y$missing" >&2
    exit 1
fi
