#!/usr/bin/env bash
# The offline demo: mirrors the example multi-arch image shipped in examples/bundle (an OCI layout
# holding demo/hello:1.0) with the ocync command line, as a platform team would run a mirror from
# its config file: examples/config/local-layouts.yaml copies it into an OCI layout directory and an
# OCI layout archive under target/, then examples/config/restore-archive.yaml brings it back from
# the archive into a fresh layout directory. Each run prints its summary line.
# Needs only JDK 17+ and Maven; no network once Maven's dependencies are in ~/.m2. Idempotent:
# a second run skips every image and moves nothing.
#
# Usage (from anywhere): scripts/demo.sh [-v|-q]
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

ocync sync "$@" -c examples/config/local-layouts.yaml
ocync sync "$@" -c examples/config/restore-archive.yaml

echo
echo "Done. demo/hello:1.0 is now in:"
echo "  target/mirror-layout    (OCI layout directory; try: skopeo inspect --raw oci:target/mirror-layout:demo/hello:1.0)"
echo "  target/mirror.tar       (OCI layout archive;  try: skopeo inspect --raw oci-archive:target/mirror.tar:demo/hello:1.0)"
echo "  target/restored-layout  (restored from the archive)"
