#!/usr/bin/env bash
# Builds examples/go into .tidewater/bin/consume-predictions-go (confluent-kafka-go/v2 with its bundled
# static librdkafka, through cgo; modules from the Go module proxy, pinned by go.sum). Go caches the
# modules and the build, so a second run takes about a second. Run by .ci/run; the test needs the binary.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p ../../.tidewater/bin
go build -o ../../.tidewater/bin/consume-predictions-go .
