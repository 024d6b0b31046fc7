#!/bin/sh
# The browser tests drive Debian's chromium (never a browser a tool downloads). make test runs this first: it
# installs chromium with apt when it is missing and we are root, and otherwise stops at once with one line.
set -e
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$bin" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[make test] installing Debian's chromium for the browser tests (apt-get install chromium)..." >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$bin" ] && exit 0
fi
echo "make test needs Chromium for its browser tests: run 'apt-get install -y chromium' as root (or set CHROMIUM_PATH)" >&2
exit 1
