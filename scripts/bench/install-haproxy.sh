#!/usr/bin/env bash
# HAProxy from Debian's packages, the reference proxy of the benchmarks. The package's own system
# service is stopped: the benchmarks start their own instances on loopback. Does nothing when present.
set -euo pipefail
if command -v haproxy >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-haproxy: haproxy missing and not root; run: sudo apt-get install -y haproxy" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends haproxy >/dev/null
(systemctl disable --now haproxy >/dev/null 2>&1 || service haproxy stop >/dev/null 2>&1 || true)
echo "install-haproxy: $(haproxy -v | head -1)"
