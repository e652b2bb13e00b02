#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter, the only one Rasa 3.6.21 and our
# lock file support. Looks at $PYTHON, then PATH, then pyenv; fails with a clear
# message when there is none.
set -euo pipefail

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.10 python3 python; do
  path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -t. -k3 -n -r); do
    candidates+=("$(pyenv root)/versions/$version/bin/python3.10")
  done
fi

for candidate in "${candidates[@]}"; do
  if [ -x "$candidate" ] && is_310 "$candidate"; then
    # A pyenv shim may point at another version; resolve to the real binary.
    "$candidate" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done

# Builtins only, so the message shows even on a bare PATH.
printf '%s\n' >&2 \
  "error: Python 3.10 not found." \
  "Rasa Open Source 3.6.21 runs only on Python 3.8-3.10, and this project is locked for 3.10." \
  "Install Python 3.10 (for example \`pyenv install 3.10.13\`, or your system's python3.10" \
  "package), or point PYTHON at one: \`make run PYTHON=/path/to/python3.10\`."
exit 1
