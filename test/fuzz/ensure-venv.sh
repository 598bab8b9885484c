#!/usr/bin/env bash
# Builds .tidewater/venv-fuzz (schemathesis, for test/http-fuzz.int.test.ts) from test/fuzz/requirements.txt,
# only when it is missing or the requirements changed since it was built. Run by .ci/run and by the test.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.tidewater/venv-fuzz
req=test/fuzz/requirements.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/st" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
echo "building $venv from $req"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
echo "$want" >"$stamp"
