#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (a test tool cannot download its own
# browser here). Installs it when missing and we are root; otherwise says how.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests (about 1 minute)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "error: the browser tests need Chromium at $CHROMIUM: install Debian's 'chromium' package" >&2
echo "(sudo apt-get install chromium), or set CHROMIUM=/path/to/chromium." >&2
exit 1
