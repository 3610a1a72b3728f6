#!/usr/bin/env bash
# Builds fortio (Istio's load generator) from the Go module proxy into .cache/bench/bin, the only
# place the benchmarks look for it. Does nothing when that version is already there. Pinned to
# 1.68.2: later releases need grol.io/grol, whose module zip the proxy refuses (403).
set -euo pipefail
cd "$(dirname "$0")/../.."
FORTIO_VERSION="${FORTIO_VERSION:-v1.68.2}"
BIN="$PWD/.cache/bench/bin"
if [ -x "$BIN/fortio" ] && "$BIN/fortio" version 2>/dev/null | grep -q "${FORTIO_VERSION#v}"; then exit 0; fi
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
mkdir -p "$BIN"
# The module proxy configured on the machine (the only registry reached) serves it.
GOBIN="$BIN" GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" install "fortio.org/fortio@$FORTIO_VERSION"
echo "install-fortio: $("$BIN/fortio" version)"
