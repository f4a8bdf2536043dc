#!/usr/bin/env bash
# The offline demo: copies the example multi-arch image shipped in examples/image into an OCI
# layout directory, then from there into an OCI layout archive, with the ocync command line.
# Needs only JDK 17+ and Maven; no network once Maven's dependencies are in ~/.m2. Idempotent:
# a second run reports "Unchanged" and moves nothing.
#
# Usage (from anywhere): scripts/demo.sh [-v]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

jar="ocync-examples/target/ocync.jar"
# Build when the jar is missing or older than any source or pom, so the demo never runs stale code.
if [[ ! -f "$jar" ]] || [[ -n "$(find pom.xml ocync-*/pom.xml ocync-*/src/main -newer "$jar" -print -quit)" ]]; then
  echo "==> Building $jar (mvn -B -DskipTests package; log in target/demo-build.log)"
  mkdir -p target
  if ! mvn -B -DskipTests package > target/demo-build.log 2>&1; then
    tail -n 40 target/demo-build.log >&2
    echo "demo.sh: the build failed; the whole log is in target/demo-build.log" >&2
    exit 1
  fi
fi

ocync() {
  echo "==> ocync $*"
  java -jar "$jar" "$@"
}

mkdir -p target/demo
ocync copy "$@" oci:examples/image:1.0 oci:target/demo/layout:1.0
ocync copy "$@" oci:target/demo/layout:1.0 oci-archive:target/demo/image.tar:1.0

echo
echo "Done. The image is now in:"
echo "  target/demo/layout     (OCI layout directory; try: skopeo inspect --raw oci:target/demo/layout:1.0)"
echo "  target/demo/image.tar  (OCI layout archive;  try: skopeo inspect --raw oci-archive:target/demo/image.tar:1.0)"
