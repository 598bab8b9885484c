#!/usr/bin/env bash
# Builds .tidewater/venv-fuzz (schemathesis, for test/http-fuzz.int.test.ts) from test/fuzz/requirements.txt,
# only when it is missing or the requirements changed since it was built. Run by test/prepare.sh and by the test.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash test/python-venv.sh .tidewater/venv-fuzz test/fuzz/requirements.txt
