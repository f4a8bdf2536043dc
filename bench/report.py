#!/usr/bin/env python3
"""Results of bench/run.sh: record one measured run, and summarize them as markdown.

  report.py record RESULTS.jsonl KEY=VALUE...    one run: tool, scenario, round, time file,
                                                 src/tgt log slices, verify file, runner output
  report.py summarize RESULTS.jsonl CORPUS_SUMMARY COMMAND OUT.md [DOCS.md MODE]
"""
import json
import os, re, statistics, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def time_v(path):
    """wall s, user+sys s, peak RSS MiB, exit status from `/usr/bin/time -v` output."""
    text = open(path, errors="replace").read()
    def num(label):
        m = re.search(re.escape(label) + r":\s*([0-9.:]+)", text)
        return m.group(1) if m else "0"
    wall = 0.0
    for part in num("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    return {"wallS": wall, "cpuS": float(num("User time (seconds)")) + float(num("System time (seconds)")),
            "rssMiB": int(num("Maximum resident set size (kbytes)")) / 1024, "exit": int(num("Exit status"))}


def slice_stats(log, first, last, split):
    args = [sys.executable, os.path.join(HERE, "corpus.py"), "stats", log, first, last]
    if split:
        args += ["--split", "ocync-bench-marker"]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def record(path, kv):
    a = dict(x.split("=", 1) for x in kv)
    split = a.get("split") == "1"
    rec = {"tool": a["tool"], "round": int(a["round"]), "time": time_v(a["time"])}
    src = slice_stats(a["srclog"], a["src0"], a["src1"], split)
    tgt = slice_stats(a["tgtlog"], a["tgt0"], a["tgt1"], split)
    runs = []
    if a.get("out") and os.path.exists(a["out"]):
        for line in open(a["out"], errors="replace"):
            if line.startswith("BENCH "):
                runs.append(json.loads(line[6:]))
    verify = [json.loads(open(v).read() or "{}") for v in a.get("verify", "").split(",") if v]
    scenarios = a["scenario"].split(",")
    with open(path, "a") as f:
        for i, sc in enumerate(scenarios):
            r = dict(rec, scenario=sc, src=src[i] if i < len(src) else {}, tgt=tgt[i] if i < len(tgt) else {},
                     inJvm=runs[i] if i < len(runs) else None, verify=verify[i] if i < len(verify) else None)
            if len(scenarios) > 1:
                r["time"] = dict(rec["time"], note="whole process, both runs")
            f.write(json.dumps(r) + "\n")


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(x, nd=2):
    if x is None:
        return "–"
    return f"{x:.{nd}f}" if isinstance(x, float) else str(x)


KINDS = ["ping", "manifest GET", "manifest HEAD", "manifest PUT", "blob GET", "blob HEAD", "upload POST",
         "upload PATCH", "upload PUT", "mount ok", "mount miss", "tag list", "referrers", "catalog"]


def jdk_line():
    """The JDK the ocync processes ran on (bench/run.sh exports it), as a paragraph."""
    jdk = os.environ.get("BENCH_JDK")
    return [f"JDK of the ocync processes: {jdk}.", ""] if jdk else []


def summarize(path, corpus_summary, command, out_md, docs=None, mode=None):
    recs = [json.loads(l) for l in open(path)]
    corpus = json.loads(corpus_summary)
    groups = {}
    for r in recs:
        groups.setdefault((r["scenario"], r["tool"]), []).append(r)
    lines = [f"Command: `{command}`", ""] + jdk_line() + [
             f"Corpus: {corpus['repositories']} repositories, {corpus['tags']} tags, {corpus['manifests']} manifests, "
             f"{corpus['uniqueBlobs']} unique blobs (what one source GET each would fetch), {corpus['blobMiB']} MiB. Medians over "
             f"{max(r['round'] for r in recs)} round(s); tools interleaved, order rotated per round.", ""]
    hdr = ("| scenario | tool | wall s | CPU s | peak RSS MiB | in-JVM run s | requests src/tgt | "
           "src blob GETs (distinct) | src blob MiB | response MiB src/tgt | digest check |")
    lines += [hdr, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    summary = {}
    for (sc, tool), rs in sorted(groups.items()):
        wall = med([r["time"]["wallS"] for r in rs])
        cpu = med([r["time"]["cpuS"] for r in rs])
        rss = med([r["time"]["rssMiB"] for r in rs])
        injvm = med([r["inJvm"]["wallMs"] / 1000 for r in rs if r.get("inJvm")])
        sreq = med([r["src"].get("requests", 0) for r in rs])
        treq = med([r["tgt"].get("requests", 0) for r in rs])
        sget = med([r["src"].get("kinds", {}).get("blob GET", 0) for r in rs])
        suniq = med([r["src"].get("uniqueBlobsGot", 0) for r in rs])
        smib = med([r["src"].get("blobGetBytes", 0) / 1048576 for r in rs])
        rmib = [med([r[side].get("responseBytes", 0) / 1048576 for r in rs]) for side in ("src", "tgt")]
        bad = [r for r in rs if not r.get("verify") or r["verify"].get("problemCount", 1) or r["time"]["exit"]]
        check = "ok" if not bad else f"FAILED in {len(bad)}/{len(rs)}"
        summary[(sc, tool)] = {"wall": wall, "req": (sreq or 0) + (treq or 0), "injvm": injvm}
        lines.append(f"| {sc} | {tool} | {fmt(wall)} | {fmt(cpu)} | {fmt(rss, 0)} | {fmt(injvm)} | "
                     f"{fmt(sreq, 0)}/{fmt(treq, 0)} | {fmt(sget, 0)} ({fmt(suniq, 0)}) | {fmt(smib, 1)} | {fmt(rmib[0], 1)}/{fmt(rmib[1], 1)} | {check} |")
    lines += ["", "Requests by kind (median; source / target):", "",
              "| scenario | tool | " + " | ".join(KINDS) + " |", "|---|---|" + "---:|" * len(KINDS)]
    for (sc, tool), rs in sorted(groups.items()):
        cells = []
        for k in KINDS:
            s = med([r["src"].get("kinds", {}).get(k, 0) for r in rs])
            t = med([r["tgt"].get("kinds", {}).get(k, 0) for r in rs])
            cells.append(f"{fmt(s, 0)}/{fmt(t, 0)}" if s or t else "")
        lines.append(f"| {sc} | {tool} | " + " | ".join(cells) + " |")
    ratios = []
    for (sc, tool), v in sorted(summary.items()):
        base = summary.get((sc, "skopeo"))
        if tool == "skopeo" or not base or not base["wall"]:
            continue
        # a host JVM's process runs cold and warm: only its in-JVM times compare
        wall = "–" if tool == "ocync-host-jvm" else f"{v['wall'] / base['wall']:.2f}"
        ratio = f"| {sc} | {tool} | {wall} | "
        ratio += f"{v['req'] / base['req']:.2f} |" if base["req"] else "– |"
        if v["injvm"] is not None:
            ratio += f" {v['injvm'] / base['wall']:.2f} |"
        else:
            ratio += " – |"
        ratios.append(ratio)
    if ratios:
        lines += ["", "Ratios ocync / skopeo (same scenario, medians; the host JVM's wall, CPU and RSS are its "
                  "whole process, cold and warm run together, so only its in-JVM times compare):", "",
                  "| scenario | tool | wall | requests | in-JVM run / skopeo wall |", "|---|---|---:|---:|---:|"] + ratios
    lines += targets(groups, corpus)
    problems = sorted({f"{r['tool']} {r['scenario']}: " + "; ".join(r["verify"].get("problems", [])[:3])
                       for r in recs if r.get("verify") and r["verify"].get("problemCount")})
    if problems:
        lines += ["", "Digest check problems (first three per run):", ""] + [f"- {p}" for p in problems]
    engines = sorted({r["inJvm"]["engine"] for r in recs if r.get("inJvm")})
    if engines:
        lines += ["", "ocync runner used: " + ", ".join(engines) + "."]
    text = "\n".join(lines) + "\n"
    open(out_md, "w").write(text)
    print(text)
    if docs and mode:
        write_docs(docs, mode, text)


def targets(groups, corpus):
    """Issue 9's cold and warm targets that one run can check, per ocync tool (medians)."""
    out = []
    for (sc, tool), rs in sorted(groups.items()):
        if tool == "skopeo":
            continue
        k = lambda side, name: med([r[side].get("kinds", {}).get(name, 0) for r in rs]) or 0
        if sc == "cold":
            gets = k("src", "blob GET")
            out.append(f"- {tool} cold: {gets:g} source blob GETs for {corpus['uniqueBlobs']} unique blobs "
                       f"({'met' if gets == corpus['uniqueBlobs'] else 'not met'}: exactly one per unique blob); "
                       f"{k('tgt', 'mount ok'):g} mounts")
            need = corpus.get("necessary")
            if need:
                total = med([r["src"].get("requests", 0) + r["tgt"].get("requests", 0) for r in rs]) or 0
                ratio = total / need["total"]
                out.append(f"- {tool} cold: {total:g} requests for {need['total']} necessary "
                           f"({need['source']} at the source, {need['target']} at the target): {ratio:.3f}× "
                           f"({'met' if ratio <= 1.1 else 'not met'}: at most 1.1×)")
        else:
            uploads = k("tgt", "upload POST") + k("tgt", "mount ok") + k("tgt", "mount miss")
            puts = k("tgt", "manifest PUT")
            total = med([r["src"].get("requests", 0) + r["tgt"].get("requests", 0) for r in rs]) or 0
            per_tag = total / corpus["tags"]
            ok = uploads == 0 and puts == 0 and per_tag <= 2
            out.append(f"- {tool} warm: {uploads:g} uploads, {puts:g} manifest PUTs, {per_tag:.2f} requests per tag "
                       f"({'met' if ok else 'not met'}: zero, zero, at most 2)")
    return ["", "Issue 9 targets checked in this run:", ""] + out if out else []


def write_docs(docs, mode, text):
    """Replaces this mode's generated block in docs/benchmarks.md (or appends it); the rest stays."""
    begin, end = f"<!-- bench:{mode}:begin -->", f"<!-- bench:{mode}:end -->"
    old = open(docs).read() if os.path.exists(docs) else "# Benchmarks\n"
    block = f"{begin}\n{text}{end}"
    if begin in old and end in old:
        new = old[:old.index(begin)] + block + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    open(docs, "w").write(new)


def memory_record(path, time_file, corpus_json, tool, target, rnd, verified):
    t = time_v(time_file)
    mib = sum(json.load(open(corpus_json))["sizes"].values()) / 1048576
    r = {"tool": tool, "target": target, "round": int(rnd), "ok": t["exit"] == 0 and verified == "1",
         "wallS": t["wallS"], "rssMiB": round(t["rssMiB"]), "MiBps": round(mib / t["wallS"], 1) if t["wallS"] else None}
    print(json.dumps(r))
    with open(path, "a") as f:
        f.write(json.dumps(r) + "\n")


def memory_summarize(path, command):
    print(f"Command: `{command}` (ocync with -Xmx64m; MiB/s = image size / process wall time)\n")
    for line in jdk_line():
        print(line)
    print("| tool | target | round | ok | wall s | peak RSS MiB | MiB/s |\n|---|---|---:|---|---:|---:|---:|")
    for line in open(path):
        r = json.loads(line)
        print(f"| {r['tool']} | {r['target']} | {r['round']} | {r['ok']} | {r['wallS']:.2f} | {r['rssMiB']} | {r['MiBps']} |")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "record":
        record(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "summarize":
        summarize(*sys.argv[2:])
    elif sys.argv[1] == "memory-record":
        memory_record(*sys.argv[2:])
    elif sys.argv[1] == "memory-summarize":
        memory_summarize(*sys.argv[2:])
    else:
        sys.exit(__doc__)
