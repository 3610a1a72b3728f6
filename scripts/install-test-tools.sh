#!/usr/bin/env bash
# Servers and tools the end-to-end tests use, from Debian's packages: Prometheus (and promtool)
# scraping the sidecars, iptables for the injected-pod test (traffic capture in a network
# namespace), and Chromium, which the dashboard's browser tests drive through playwright-core (no
# browser download). Does nothing when they are present.
set -euo pipefail
missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-test-tools: ${missing[*]} missing and not root; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The package starts a system service; the tests run their own instances.
(systemctl disable --now prometheus >/dev/null 2>&1 || service prometheus stop >/dev/null 2>&1 || true)
echo "install-test-tools: installed ${missing[*]}"
