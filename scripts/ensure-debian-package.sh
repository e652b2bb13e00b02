#!/usr/bin/env bash
# Usage: ensure-debian-package.sh PROGRAM PACKAGE
# Some tests drive real programs from Debian's packages (chromium for the browser
# tests, nginx for the cluster tests). Installs PACKAGE when PROGRAM is missing and
# we are root; otherwise says how.
set -euo pipefail
program=$1 package=$2
[ -x "$program" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's $package for the tests (about 1 minute)..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  exit 0
fi
echo "error: the tests need $program: install Debian's '$package' package (sudo apt-get install $package)." >&2
exit 1
