#!/usr/bin/env bash
# Usage: test/python-venv.sh <venv dir> <requirements file>, from the repository root. Builds the
# virtual environment from the pinned requirements only when it is missing or the requirements
# changed since it was built (the stamp is written after a successful install).
set -euo pipefail
venv=$1
req=$2
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
echo "building $venv from $req"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
echo "$want" >"$stamp"
