#!/usr/bin/env bash
# The project's test command: formatting, vet, and every test with the race
# detector. MongoDB conformance suites run when TENANTGATE_MONGO_URI is set.
set -euo pipefail
cd "$(dirname "$0")/.."

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -race -count=1 ./...
