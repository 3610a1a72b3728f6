#!/usr/bin/env bash
# Installs etcd (Debian's etcd-server package) for the Kubernetes tests, unless `etcd` is already on
# PATH (or MESHFORM_ETCD names a binary). Needs root or sudo for apt-get.
set -euo pipefail
if [[ -n "${MESHFORM_ETCD:-}" && -x "${MESHFORM_ETCD}" ]] || command -v etcd >/dev/null; then
  echo "install-etcd: $("${MESHFORM_ETCD:-etcd}" --version | head -1)"
  exit 0
fi
sudo=""
[[ "$(id -u)" == 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
# The package enables a system etcd on :2379; the tests start their own on free ports and need none.
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  $sudo systemctl disable --now etcd >/dev/null 2>&1 || true
fi
echo "install-etcd: $(etcd --version | head -1)"
