#!/usr/bin/env bash
# Builds .tidewater/venv-examples (confluent-kafka and its Avro serdes, for examples/python and
# test/confluent-python.int.test.ts) from examples/python/requirements.txt, only when it is missing or
# the requirements changed since it was built. Run by .ci/run; the test fails, saying so, without it.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.tidewater/venv-examples
req=examples/python/requirements.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then exit 0; fi
echo "building $venv from $req"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req"
echo "$want" >"$stamp"
