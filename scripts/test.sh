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

if ! command -v mvn >/dev/null 2>&1; then
  echo "test.sh: mvn (Apache Maven) is not installed." >&2
  exit 1
fi

cd "$repo_root"
exec mvn -B verify "$@"
