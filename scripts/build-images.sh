#!/usr/bin/env bash
# Builds the proxy and controller images, tagged with package.json's version:
#   scripts/build-images.sh            (REGISTRY=ghcr.io/meshform by default)
# Uses the first of docker, podman or buildah that is installed AND can build (its daemon or
# storage answers). With none, it says so and exits 1: an image build that did not happen must not look like one that did.
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY="${REGISTRY:-ghcr.io/meshform}"
VERSION="$(node -p 'require("./package.json").version')"

builder=""
for candidate in docker podman buildah; do
  command -v "$candidate" >/dev/null 2>&1 || continue
  case "$candidate" in
    docker | podman) "$candidate" info >/dev/null 2>&1 && builder="$candidate" ;;
    buildah) buildah images >/dev/null 2>&1 && builder="buildah" ;;
  esac
  [ -n "$builder" ] && break
  echo "build-images: $candidate is installed but cannot build here ('$candidate info' fails); trying the next one" >&2
done

if [ -z "$builder" ]; then
  cat >&2 <<MSG
build-images: no working container builder (docker, podman or buildah) on this machine; no image was built.
  Install one, or build elsewhere from the repository root:
    docker build -f proxy/Dockerfile -t $REGISTRY/proxy:$VERSION .
    docker build -f controller/Dockerfile -t $REGISTRY/controller:$VERSION .
  The bundles the images run can be built and tried without a builder: npm run build:bundles
MSG
  exit 1
fi

for image in proxy controller; do
  echo "build-images: $builder building $REGISTRY/$image:$VERSION"
  case "$builder" in
    buildah) buildah bud -f "$image/Dockerfile" -t "$REGISTRY/$image:$VERSION" . ;;
    *) "$builder" build -f "$image/Dockerfile" -t "$REGISTRY/$image:$VERSION" . ;;
  esac
done
