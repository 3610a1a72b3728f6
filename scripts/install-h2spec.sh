#!/usr/bin/env bash
# Builds h2spec (the HTTP/2 conformance suite) from the Go module proxy into .cache/bench/bin, where
# test/e2e/proxy/h2spec.test.ts looks for it (scripts/setup-tests.sh runs this before the e2e suite). Does nothing when that version is already there
# (h2spec itself reports 2.0.0 when built this way, so the version is kept beside it).
set -euo pipefail
cd "$(dirname "$0")/.."
H2SPEC_VERSION="${H2SPEC_VERSION:-v2.2.1+incompatible}"
BIN="$PWD/.cache/bench/bin"
if [ -x "$BIN/h2spec" ] && [ "$(cat "$BIN/h2spec.version" 2>/dev/null)" = "$H2SPEC_VERSION" ]; then exit 0; fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
mkdir -p "$BIN"
# The module proxy configured on the machine (the only registry reached) serves it and its dependencies.
GOBIN="$BIN" GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" install "github.com/summerwind/h2spec/cmd/h2spec@$H2SPEC_VERSION"
echo "$H2SPEC_VERSION" > "$BIN/h2spec.version"
echo "install-h2spec: $BIN/h2spec $H2SPEC_VERSION"
