#!/usr/bin/env bash
# Everything a test suite needs on a fresh machine, through the project's own install scripts (each a
# no-op when its tool is present). `e2e` (the default): Prometheus, iptables and Chromium from Debian's
# packages, HAProxy, and fortio and h2spec built from the Go module proxy. `k8s`: etcd and a kube-apiserver built
# from Go modules. `pulumi`: those, and the Pulumi CLI and Kubernetes provider built from Go modules. Run by the suites' vitest global setup, so `npm test` on a fresh machine needs nothing
# else; a tool that cannot be installed (not root, no Go) fails here with the command to run.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-e2e}" in
  e2e)
    bash scripts/install-test-tools.sh
    bash scripts/bench/install-haproxy.sh
    bash scripts/bench/install-fortio.sh
    bash scripts/install-h2spec.sh
    ;;
  k8s)
    bash scripts/k8s/install-etcd.sh
    bash scripts/k8s/build-apiserver.sh
    ;;
  pulumi)
    bash scripts/k8s/install-etcd.sh
    bash scripts/k8s/build-apiserver.sh
    bash scripts/pulumi/build-pulumi.sh
    ;;
  *)
    echo "setup-tests: unknown suite '$1' (e2e, k8s or pulumi)" >&2
    exit 2
    ;;
esac
