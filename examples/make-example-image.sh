#!/usr/bin/env bash
# Builds examples/image: a tiny multi-arch OCI image (linux/amd64, linux/arm64/v8) as an OCI
# layout directory, tagged 1.0. Each platform has one real gzipped tar layer holding /hello.txt
# and a real OCI config whose rootfs.diff_ids is the sha256 of the uncompressed tar.
#
# Deterministic: fixed mtime, owner and mode in the tar, gzip -n, JSON written byte for byte here,
# so running it again gives the same digests (with the same GNU tar and gzip).
#
# Usage: examples/make-example-image.sh [OUTPUT_DIR]   (default: examples/image beside this script)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/image}"
tag="1.0"
created="2024-01-01T00:00:00Z"
export LC_ALL=C TZ=UTC

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rm -rf "$out"
mkdir -p "$out/blobs/sha256"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# Stores a file as a blob; prints its digest hex.
put_blob() {
  local hex
  hex="$(sha "$1")"
  cp "$1" "$out/blobs/sha256/$hex"
  chmod 0644 "$out/blobs/sha256/$hex"
  echo "$hex"
}

# Builds one platform's image; prints "<manifest hex> <manifest size>".
image() {
  local os="$1" arch="$2" variant="$3"
  local dir="$work/$arch"
  mkdir -p "$dir/rootfs"
  printf 'Hello from ocync! This is the %s/%s%s image.\n' "$os" "$arch" "${variant:+/$variant}" \
    > "$dir/rootfs/hello.txt"
  tar --format=ustar --sort=name --owner=0 --group=0 --numeric-owner --mode='u=rw,go=r' \
    --mtime="$created" -C "$dir/rootfs" -cf "$dir/layer.tar" hello.txt
  gzip -n -9 -c "$dir/layer.tar" > "$dir/layer.tar.gz"
  local diff_id layer layer_size
  diff_id="$(sha "$dir/layer.tar")"
  layer="$(put_blob "$dir/layer.tar.gz")"
  layer_size="$(size "$dir/layer.tar.gz")"

  printf '{"architecture":"%s","os":"%s",%s"created":"%s","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"examples/make-example-image.sh: add /hello.txt"}]}' \
    "$arch" "$os" "${variant:+\"variant\":\"$variant\",}" "$created" "$diff_id" "$created" > "$dir/config.json"
  local config config_size
  config="$(put_blob "$dir/config.json")"
  config_size="$(size "$dir/config.json")"

  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}],"annotations":{"org.opencontainers.image.created":"%s","org.opencontainers.image.title":"ocync example (%s/%s)"}}' \
    "$config" "$config_size" "$layer" "$layer_size" "$created" "$os" "$arch" > "$dir/manifest.json"
  echo "$(put_blob "$dir/manifest.json") $(size "$dir/manifest.json")"
}

read -r amd64 amd64_size < <(image linux amd64 "")
read -r arm64 arm64_size < <(image linux arm64 v8)

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}],"annotations":{"org.opencontainers.image.created":"%s","org.opencontainers.image.description":"A tiny multi-arch image shipped with ocync for offline demos"}}' \
  "$amd64" "$amd64_size" "$arm64" "$arm64_size" "$created" > "$work/index.json"
index="$(put_blob "$work/index.json")"
index_size="$(size "$work/index.json")"

printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}\n' \
  "$index" "$index_size" "$tag" > "$out/index.json"

echo "examples/image: oci:$out:$tag -> sha256:$index (OCI index: linux/amd64 sha256:$amd64, linux/arm64/v8 sha256:$arm64)"
