#!/usr/bin/env bash
# The ocync benchmark beside skopeo (issue 9). Not part of `mvn verify`; run it by hand:
#
#   bench/run.sh [--quick] [--scale N] [--memory] [--rounds N] [--work DIR] [--no-docs]
#
# Starts two CNCF distribution registries (Debian's docker-registry) on free loopback ports,
# generates a deterministic corpus (bench/corpus.py) and pushes it to the source, then runs each
# tool cold (empty target) and warm (immediate rerun), tools interleaved with their order rotated
# per round, each under /usr/bin/time -v. Every run gets a fresh target registry on a new port, so
# no tool's cache (skopeo's blob-info cache included) knows the target from an earlier round.
# Requests are counted from the registries' access logs; after every run each tag, index child,
# referrer and blob is checked at the target against the source's digests. Results are printed,
# kept in WORK/results.jsonl and WORK/results.md, and written into docs/benchmarks.md (a block per
# mode, between <!-- bench:MODE:begin/end --> markers) unless --no-docs.
#
# Tools: skopeo `sync --all --src yaml`; ocync `sync -c` through scripts/ocync, with its class-data
# archive built by an unmeasured training run first (skipped, saying so, while the CLI has no
# sync command); bench/Runner.java as a whole process, and as a host JVM running twice (the second
# run is the "warm run() inside a host JVM"). The runner uses Syncer.run when the jar has it, else
# Syncer.copy per tag. OCYNC_JAR=path picks another shaded ocync.jar (default: this checkout's,
# built with `mvn -DskipTests package` when missing).
#
# --memory: one image with one 1 GiB layer copied registry -> registry and registry -> archive by
# `ocync copy` with -Xmx64m and by `skopeo copy` (MiB/s from wall time).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
QUICK=0 SCALE=1 MEMORY=0 ROUNDS=3 DOCS=1 WORK="$HERE/work"
COMMAND="bench/run.sh $*"
[ -n "${JAVA_HOME:-}" ] && COMMAND="JAVA_HOME=$JAVA_HOME $COMMAND"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; ROUNDS=1 ;;
    --scale) SCALE="$2"; shift ;;
    --memory) MEMORY=1 ;;
    --rounds) ROUNDS="$2"; shift ;;
    --work) WORK="$2"; shift ;;
    --no-docs) DOCS=0 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$SCALE" =~ ^[0-9]+$ && "$SCALE" -ge 1 && "$SCALE" -le 50 ]] || { echo "run.sh: --scale '$SCALE': want 1..50" >&2; exit 2; }
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -ge 1 && "$ROUNDS" -le 20 ]] || { echo "run.sh: --rounds '$ROUNDS': want 1..20" >&2; exit 2; }
MODE=full
[ "$QUICK" = 1 ] && MODE=quick
[ "$SCALE" -gt 1 ] && MODE=scale
[ "$MEMORY" = 1 ] && MODE=memory
[ "$QUICK" = 1 ] && [ "$MODE" != quick ] && MODE="$MODE-quick"
# the JDK every ocync process runs on (JAVA_HOME, else java on the PATH); not 17: its own block
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JAVA_VERSION_TEXT=$("$JAVA" -version 2>&1)
JAVA_DESC=$(sed -n 2p <<< "$JAVA_VERSION_TEXT")
JAVA_MAJOR=$(sed -n '1s/.*version "\([0-9]*\).*/\1/p' <<< "$JAVA_VERSION_TEXT")
CORPUS_MODE=$MODE
[ "$JAVA_MAJOR" != 17 ] && MODE="$MODE-jdk$JAVA_MAJOR"
export BENCH_JDK="$JAVA_DESC"  # report.py names it

renice -n 10 $$ >/dev/null  # the machine is shared: everything below runs niced
log() { echo "[bench $(date -u +%H:%M:%S)] $*"; }
die() { echo "run.sh: $*" >&2; exit 1; }

command -v docker-registry >/dev/null || die "docker-registry not found (apt-get install docker-registry)"
command -v skopeo >/dev/null || die "skopeo not found (apt-get install skopeo)"
if [ ! -x /usr/bin/time ]; then
  log "installing Debian's time package for /usr/bin/time -v"
  apt-get install -y time >/dev/null || die "could not install the time package"
fi

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
RUN="$WORK/run-$MODE"
rm -rf "$RUN"; mkdir -p "$RUN"
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# --- jars and runner ---------------------------------------------------------------------------
JAR="${OCYNC_JAR:-$ROOT/ocync-examples/target/ocync.jar}"
if [ ! -f "$JAR" ]; then
  [ -z "${OCYNC_JAR:-}" ] || die "OCYNC_JAR=$OCYNC_JAR: no such file"
  log "building ocync.jar (mvn -DskipTests package)"
  (cd "$ROOT" && mvn -B -q -DskipTests package) || die "maven build failed"
fi
cp "$JAR" "$RUN/ocync.jar"; JAR="$RUN/ocync.jar"  # a copy: a rebuild mid-run changes nothing
SOURCES=("$HERE/Runner.java")
if javap -cp "$JAR" dev.ocync.Syncer | grep -q 'SyncReport run('; then
  SOURCES+=("$HERE/EngineSync.java"); ENGINE="Syncer.run"
else
  ENGINE="Syncer.copy per tag (no Syncer.run in this jar yet)"
fi
javac -nowarn -d "$RUN/classes" -cp "$JAR" "${SOURCES[@]}" || die "could not compile the runner"
log "ocync runner: $ENGINE"
if java -jar "$JAR" sync --help 2>&1 | grep -q 'Usage: ocync sync'; then
  HAVE_SYNC=1
else
  HAVE_SYNC=0
  log "skipping ocync sync -c: this ocync.jar has no sync command yet"
fi

# --- registries --------------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_registry NAME: a fresh registry in $RUN/NAME; sets REG_HOST, REG_LOG, REG_PID
start_registry() {
  local dir="$RUN/$1" attempt port
  for attempt in 1 2 3 4 5; do
    rm -rf "$dir"; mkdir -p "$dir/storage"
    port=$(free_port)
    cat > "$dir/config.yml" <<YML
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: ocync-bench
YML
    timeout --kill-after=10s 2h docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
    REG_PID=$!
    for _ in $(seq 1 150); do
      if curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null; then
        PIDS+=("$REG_PID"); REG_HOST="127.0.0.1:$port"; REG_LOG="$dir/registry.log"; return 0
      fi
      kill -0 "$REG_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill "$REG_PID" 2>/dev/null || true; wait "$REG_PID" 2>/dev/null || true
    grep -q "address already in use" "$dir/registry.log" || die "registry $1 did not start: $(tail -3 "$dir/registry.log")"
  done
  die "registry $1: no free port after 5 attempts"
}
stop_registry() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
lines() { wc -l < "$1" | tr -d ' '; }

# --- corpus ------------------------------------------------------------------------------------
GEN=(--seed ocync-bench-1)
[ "$QUICK" = 1 ] && GEN+=(--quick)
[ "$SCALE" -gt 1 ] && GEN+=(--scale "$SCALE")
[ "$MEMORY" = 1 ] && GEN+=(--memory)
CORPUS="$WORK/corpus-$CORPUS_MODE-ocync-bench-1"
if [ ! -f "$CORPUS/corpus.json" ]; then
  log "generating corpus ${GEN[*]} in $CORPUS"
  rm -rf "$CORPUS"; python3 "$HERE/corpus.py" generate "$CORPUS" "${GEN[@]}" || die "corpus generation failed"
fi
SUMMARY=$(python3 "$HERE/corpus.py" summary "$CORPUS")
log "corpus: $SUMMARY"
start_registry source; SRC="$REG_HOST"; SRC_LOG="$REG_LOG"
log "source registry $SRC: pushing the corpus"
python3 "$HERE/corpus.py" push "$CORPUS" "$SRC" || die "push to the source failed"
python3 "$HERE/corpus.py" verify "$CORPUS" "$SRC" > "$RUN/source-verify.json" || die "source check failed: $(cat "$RUN/source-verify.json")"

# tool inputs: repo + tags per line, from the corpus
python3 - "$CORPUS/corpus.json" > "$RUN/mappings.txt" <<'PY'
import json, sys
for repo, r in sorted(json.load(open(sys.argv[1]))["repos"].items()):
    print(repo, *sorted(r["tags"]))
PY

# ocync_config TARGET_HOST MAPPINGS OUT CACHE_DIR: an ocync sync -c config for those mappings
ocync_config() {
  { echo "# ocync sync -c config (ocync-rust schema, §1.1): literal tags, one mapping per repository"
    echo "global:"; echo "  cache_dir: $4"
    echo "registries:"; echo "  source:"; echo "    url: http://$SRC"; echo "  target:"; echo "    url: http://$1"
    echo "defaults:"; echo "  source: source"; echo "  targets: [target]"
    echo "mappings:"
    while read -r repo tags; do
      # referrer fallback tags (sha256-<hex>) travel with their subject; quoted: 1.0 unquoted is a YAML number
      tags=$(echo "$tags" | tr ' ' '\n' | grep -v '^sha256-' | tr '\n' ' ' | sed 's/ *$//')
      echo "  - from: $repo"; echo "    to: $repo"; echo "    tags:"; echo "      glob: [$(echo "$tags" | sed -e 's/[^ ][^ ]*/"&"/g' -e 's/ /, /g')]"
    done < "$2"
  } > "$3"
}

write_tool_configs() {  # $1 = target host
  { echo "$SRC:"; echo "  tls-verify: false"; echo "  images:"
    while read -r repo tags; do echo "    $repo: [$(echo "$tags" | sed 's/ /, /g')]"; done < "$RUN/mappings.txt"
  } > "$RUN/skopeo.yaml"
  ocync_config "$1" "$RUN/mappings.txt" "$RUN/ocync.yaml" "$RUN/ocync-cache"
}

# The CLI runs through scripts/ocync, as docs/benchmarks.md recommends: an AppCDS archive built on
# first use (here by a training run before the rounds, so no measured run pays for building it).
LAUNCHER=("$ROOT/scripts/ocync")
export OCYNC_JAR="$JAR" OCYNC_CDS_DIR="$RUN/cds"

tool_cmd() {  # $1 = tool, $2 = target host: prints nothing, sets CMD
  case "$1" in
    skopeo) CMD=(skopeo sync --all --preserve-digests --keep-going --src yaml --dest docker --dest-tls-verify=false "$RUN/skopeo.yaml" "$2") ;;
    ocync-cli) CMD=("${LAUNCHER[@]}" sync -c "$RUN/ocync.yaml") ;;
    ocync-runner) CMD=("$JAVA" -cp "$JAR:$RUN/classes" Runner "$SRC" "$2" "$RUN/mappings.txt" process) ;;
    ocync-host-jvm) CMD=("$JAVA" -cp "$JAR:$RUN/classes" Runner "$SRC" "$2" "$RUN/mappings.txt" host) ;;
  esac
}

# measure TOOL SCENARIO ROUND TARGET_HOST TARGET_LOG [split]
measure() {
  local tool=$1 sc=$2 round=$3 tgt=$4 tlog=$5 split=${6:-0} id="$1-$2-r$3" s0 t0 s1 t1 verify
  id=${id//,/+}
  tool_cmd "$tool" "$tgt"
  s0=$(lines "$SRC_LOG"); t0=$(lines "$tlog")
  log "round $round: $tool $sc"
  /usr/bin/time -v -o "$RUN/$id.time" "${CMD[@]}" > "$RUN/$id.out" 2> "$RUN/$id.err" || log "  $tool exited non-zero: $(tail -2 "$RUN/$id.err" | tr '\n' ' ')"
  s1=$(lines "$SRC_LOG"); t1=$(lines "$tlog")
  python3 "$HERE/corpus.py" verify "$CORPUS" "$tgt" > "$RUN/$id.verify" || log "  digest check FAILED: $(head -c 400 "$RUN/$id.verify")"
  verify="$RUN/$id.verify"
  [ "$split" = 1 ] && verify="$RUN/$id.verify,$RUN/$id.verify"  # host JVM: checked once, after both runs
  python3 "$HERE/report.py" record "$RUN/results.jsonl" tool="$tool" scenario="$sc" round="$round" \
    time="$RUN/$id.time" out="$RUN/$id.out" verify="$verify" split="$split" \
    srclog="$SRC_LOG" src0="$s0" src1="$s1" tgtlog="$tlog" tgt0="$t0" tgt1="$t1"
  grep '^BENCH ' "$RUN/$id.out" | sed 's/^/  /' || true
}

if [ "$MEMORY" = 1 ]; then
  # the launcher's first run builds its class-data archive: one unmeasured copy to a layout directory
  log "building the CLI's class-data archive (one copy of big:1 to a layout directory)"
  "${LAUNCHER[@]}" copy "$SRC/big:1" "oci:$RUN/cds-training:1" > "$RUN/cds-training.out" 2>&1 \
    || log "  the training run failed: $(tail -2 "$RUN/cds-training.out" | tr '\n' ' ')"
  rm -rf "$RUN/cds-training"
  # registry -> registry and registry -> archive, one image with one big layer
  for round in $(seq 1 "$ROUNDS"); do
    for tool in skopeo ocync; do
      start_registry "target-$tool-$round"; TGT="$REG_HOST"; TPID=$REG_PID
      if [ "$tool" = skopeo ]; then
        R2R=(skopeo copy --preserve-digests --src-tls-verify=false --dest-tls-verify=false "docker://$SRC/big:1" "docker://$TGT/big:1")
        R2A=(skopeo copy --preserve-digests --src-tls-verify=false "docker://$SRC/big:1" "oci-archive:$RUN/big-$tool.tar:1")
      else
        # no scheme: a loopback registry is tried over HTTPS, then plain HTTP
        R2R=(env JAVA_OPTS=-Xmx64m "${LAUNCHER[@]}" copy "$SRC/big:1" "$TGT/big:1")
        R2A=(env JAVA_OPTS=-Xmx64m "${LAUNCHER[@]}" copy "$SRC/big:1" "oci-archive:$RUN/big-$tool.tar:1")
      fi
      for kind in registry archive; do
        id="memory-$tool-$kind-r$round"; rm -f "$RUN/big-$tool.tar"
        if [ "$kind" = registry ]; then CMD=("${R2R[@]}"); else CMD=("${R2A[@]}"); fi
        log "round $round: $tool copy -> $kind"
        /usr/bin/time -v -o "$RUN/$id.time" "${CMD[@]}" > "$RUN/$id.out" 2> "$RUN/$id.err" || log "  failed: $(tail -2 "$RUN/$id.err" | tr '\n' ' ')"
        ok=1
        if [ "$kind" = registry ]; then
          python3 "$HERE/corpus.py" verify "$CORPUS" "$TGT" > "$RUN/$id.verify" || { ok=0; log "  digest check FAILED: $(head -c 300 "$RUN/$id.verify")"; }
        fi
        python3 "$HERE/report.py" memory-record "$RUN/memory.jsonl" "$RUN/$id.time" "$CORPUS/corpus.json" "$tool" "$kind" "$round" "$ok"
      done
      stop_registry "$TPID"
    done
  done
  python3 "$HERE/report.py" memory-summarize "$RUN/memory.jsonl" "$COMMAND" > "$RUN/results.md"
  cat "$RUN/results.md"
  [ "$DOCS" = 1 ] && python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import report; report.write_docs(sys.argv[2], sys.argv[3], open(sys.argv[4]).read())' \
    "$HERE" "$ROOT/docs/benchmarks.md" "$MODE" "$RUN/results.md"
  exit 0
fi

if [ "$HAVE_SYNC" = 1 ]; then
  # the launcher's first run builds its class-data archive: a cold sync of the whole corpus into a
  # scratch registry, as a user's first `sync -c` of a new mirror is
  start_registry target-cds-training; TPID=$REG_PID
  ocync_config "$REG_HOST" "$RUN/mappings.txt" "$RUN/ocync-training.yaml" "$RUN/ocync-cache-training"
  log "building the CLI's class-data archive (one cold sync of the corpus into a scratch registry)"
  "${LAUNCHER[@]}" sync -c "$RUN/ocync-training.yaml" > "$RUN/cds-training.out" 2>&1 \
    || log "  the training run failed: $(tail -2 "$RUN/cds-training.out" | tr '\n' ' ')"
  ls "$RUN/cds/"*.jsa >/dev/null 2>&1 || log "  no class-data archive was written; the CLI runs without one"
  stop_registry "$TPID"
fi
TOOLS=(skopeo)
[ "$HAVE_SYNC" = 1 ] && TOOLS+=(ocync-cli)
TOOLS+=(ocync-runner ocync-host-jvm)
n=${#TOOLS[@]}
for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((n - 1))); do
    tool=${TOOLS[$(( (i + round - 1) % n ))]}
    start_registry "target-$tool-$round"; TGT="$REG_HOST"; TLOG="$REG_LOG"; TPID=$REG_PID
    write_tool_configs "$TGT"
    rm -rf "$RUN/ocync-cache"
    if [ "$tool" = ocync-host-jvm ]; then
      measure "$tool" cold,warm "$round" "$TGT" "$TLOG" 1
    else
      measure "$tool" cold "$round" "$TGT" "$TLOG"
      measure "$tool" warm "$round" "$TGT" "$TLOG"
    fi
    stop_registry "$TPID"
  done
done

python3 "$HERE/report.py" summarize "$RUN/results.jsonl" "$SUMMARY" "$COMMAND" "$RUN/results.md" \
  $([ "$DOCS" = 1 ] && echo "$ROOT/docs/benchmarks.md $MODE")
[ "$HAVE_SYNC" = 1 ] || echo "ocync sync -c: skipped, the CLI has no sync command yet."
echo "ocync runner: $ENGINE. Raw results: $RUN/results.jsonl"
