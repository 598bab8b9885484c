#!/usr/bin/env bash
# Builds .tidewater/venv-examples (confluent-kafka and its Avro serdes, for examples/python and
# test/confluent-python.int.test.ts) from examples/python/requirements.txt, only when it is missing or
# the requirements changed since it was built. Run by test/prepare.sh; the test fails, saying so, without it.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash test/python-venv.sh .tidewater/venv-examples examples/python/requirements.txt
