#!/usr/bin/env python3
"""Benchmark corpus for bench/run.sh: generate, push, verify, and count requests.

  corpus.py generate OUT [--seed S] [--quick] [--scale N] [--memory]
  corpus.py push OUT HOST            push every blob and manifest to http://HOST
  corpus.py verify OUT HOST          digest check of every tag, index child, referrer and blob
  corpus.py stats LOG FROM TO [--split MARKER]   requests by kind in log lines FROM+1..TO

Same seed -> same bytes -> same digests: layer content comes from random.Random seeded per layer,
tars and gzip streams carry fixed metadata (mtime 0, uid 0, no names). Standard library only.
"""
import gzip, hashlib, http.client, io, json, os, random, re, sys, tarfile
from urllib.parse import urlsplit

MiB = 1024 * 1024
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
D2_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
D2_CONFIG = "application/vnd.docker.container.image.v1+json"
D2_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"
HELM_CHART = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
SIG_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
MAX_BLOB = 2 * 1024 * MiB  # no generated blob is larger; a bound for reads in verify


class Hashing(io.RawIOBase):
    """Writes through to `out` while hashing what passes."""
    def __init__(self, out):
        self.out, self.h, self.n = out, hashlib.sha256(), 0
    def writable(self):
        return True
    def write(self, b):
        self.h.update(b); self.n += len(b); self.out.write(b); return len(b)


class RandomStream(io.RawIOBase):
    """`size` deterministic incompressible bytes, read in chunks (a 1 GiB layer never sits in memory)."""
    def __init__(self, seed, size):
        self.rng, self.left = random.Random(seed), size
    def readable(self):
        return True
    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return self.rng.randbytes(n)


class Corpus:
    def __init__(self, out, seed):
        self.out, self.seed = out, seed
        os.makedirs(os.path.join(out, "blobs"), exist_ok=True)
        self.repos = {}   # repo -> {"manifests": [digest...] in push order, "tags": {tag: digest}}
        self.manifests = {}  # digest -> {"mediaType", "blobs": [digest], "children": [digest]}
        self.sizes = {}

    def _seed(self, name):
        return int.from_bytes(hashlib.sha256(f"{self.seed}/{name}".encode()).digest()[:8], "big")

    def blob(self, data):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        path = os.path.join(self.out, "blobs", d[7:])
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
        self.sizes[d] = len(data)
        return d, len(data)

    def layer(self, name, size):
        """A real tar.gz holding one file of `size` random bytes. Returns (digest, size, diff_id)."""
        tmp = os.path.join(self.out, "blobs", ".tmp")
        with open(tmp, "wb") as f:
            outer = Hashing(f)
            with gzip.GzipFile(filename="", mode="wb", fileobj=outer, mtime=0, compresslevel=1) as gz:
                inner = Hashing(gz)
                with tarfile.open(fileobj=inner, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    ti = tarfile.TarInfo(f"data/{name}.bin")
                    ti.size, ti.mtime, ti.mode = size, 0, 0o644
                    tar.addfile(ti, RandomStream(self._seed(name), size))
        d = "sha256:" + outer.h.hexdigest()
        os.replace(tmp, os.path.join(self.out, "blobs", d[7:]))
        self.sizes[d] = outer.n
        return d, outer.n, "sha256:" + inner.h.hexdigest()

    def put_manifest(self, repo, doc, tag=None):
        data = json.dumps(doc, indent=2, sort_keys=True).encode()
        d, size = self.blob(data)
        blobs = []
        if "config" in doc:
            blobs.append(doc["config"]["digest"])
        blobs += [l["digest"] for l in doc.get("layers", [])]
        children = [m["digest"] for m in doc.get("manifests", [])]
        self.manifests[d] = {"mediaType": doc["mediaType"], "blobs": blobs, "children": children}
        r = self.repos.setdefault(repo, {"manifests": [], "tags": {}})
        if d not in r["manifests"]:
            r["manifests"].append(d)
        if tag:
            r["tags"][tag] = d
        return {"mediaType": doc["mediaType"], "digest": d, "size": size}

    def image(self, repo, layers, tag=None, docker=False, arch="amd64"):
        """An image from [(digest, size, diff_id)] layers, with a config naming their diff_ids."""
        config = {"architecture": arch, "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": [l[2] for l in layers]}}
        cd, cs = self.blob(json.dumps(config, sort_keys=True).encode())
        mt, ct, lt = (D2_MANIFEST, D2_CONFIG, D2_LAYER) if docker else (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER)
        doc = {"schemaVersion": 2, "mediaType": mt, "config": {"mediaType": ct, "digest": cd, "size": cs},
               "layers": [{"mediaType": lt, "digest": l[0], "size": l[1]} for l in layers]}
        return self.put_manifest(repo, doc, tag)

    def index(self, repo, tag, children):
        doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": children}
        return self.put_manifest(repo, doc, tag)

    def write(self, meta):
        meta = dict(meta, repos=self.repos, manifests=self.manifests, sizes=self.sizes)
        with open(os.path.join(self.out, "corpus.json"), "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)


def generate(out, seed, quick, scale, memory):
    c = Corpus(out, seed)
    if memory:
        big = c.layer("memory-1g", (64 if quick else 1024) * MiB)
        c.image("big", [big], tag="1")
        c.write({"seed": seed, "kind": "memory"})
        return c
    div = 8 if quick else 1
    small = scale > 1
    def size(mib):
        return 64 * 1024 if small else mib * MiB // div
    bases = [[c.layer(f"base{b}-{i}", size(12)) for i in range(2)] for b in range(3)]
    for a in range(1, 7 * scale + 1):
        repo = f"app{a}"
        base = bases[a % 3]
        shared = c.layer(f"{repo}-shared", size(4))
        # consecutive tags share all but their last layer
        for t in (1, 2):
            last = c.layer(f"{repo}-v{t}", size(4))
            c.image(repo, base + [shared, last], tag=f"v{t}")
        if a in (2, 3):  # two multi-arch indexes
            kids = []
            for arch in ("amd64", "arm64"):
                last = c.layer(f"{repo}-v3-{arch}", size(4))
                d = c.image(repo, base + [shared, last], arch=arch)
                kids.append(dict(d, platform={"architecture": arch, "os": "linux"}))
            c.index(repo, "v3", kids)
    # an alias tag: latest names the same manifest as v2
    c.repos["app1"]["tags"]["latest"] = c.repos["app1"]["tags"]["v2"]
    # two Docker v2s2 images, consecutive
    first = c.layer("legacy-1", size(5))
    for t in (1, 2):
        c.image("legacy", [first, c.layer(f"legacy-{t}-last", size(5))], tag=f"{t}.0", docker=True)
    c.image("tools", [c.layer("tools-1", size(8))], tag="1.0")
    # a Helm chart: helm's config and chart-layer media types, a real chart tgz
    chart = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=chart, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w|") as tar:
            body = b"apiVersion: v2\nname: demo\nversion: 0.1.0\n"
            ti = tarfile.TarInfo("demo/Chart.yaml"); ti.size = len(body)
            tar.addfile(ti, io.BytesIO(body))
    hc, hs = c.blob(json.dumps({"apiVersion": "v2", "name": "demo", "version": "0.1.0"}).encode())
    ld, ls = c.blob(chart.getvalue())
    c.put_manifest("helm-demo", {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                 "config": {"mediaType": HELM_CONFIG, "digest": hc, "size": hs},
                                 "layers": [{"mediaType": HELM_CHART, "digest": ld, "size": ls}]}, "0.1.0")
    # a signature referrer of app1:v1 and its sha256-<hex> fallback tag (an index of referrers)
    subject_digest = c.repos["app1"]["tags"]["v1"]
    subject = {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": c.sizes[subject_digest]}
    ed, es = c.blob(b"{}")
    bd, bs = c.blob(json.dumps({"mediaType": SIG_TYPE, "signed": subject_digest}).encode())
    sig = c.put_manifest("app1", {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": SIG_TYPE,
                                  "config": {"mediaType": OCI_EMPTY, "digest": ed, "size": es},
                                  "layers": [{"mediaType": SIG_TYPE, "digest": bd, "size": bs}],
                                  "subject": subject})
    c.index("app1", "sha256-" + subject_digest[7:], [dict(sig, artifactType=SIG_TYPE)])
    c.write({"seed": seed, "kind": "scale" if small else "quick" if quick else "full", "scale": scale})
    return c


class Client:
    """One keep-alive plain-HTTP connection to a loopback registry."""
    def __init__(self, host):
        self.host = host
        self.conn = http.client.HTTPConnection(host, timeout=120)
    def req(self, method, path, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        r = self.conn.getresponse()
        data = r.read(MAX_BLOB + 1)  # HEAD too: the connection is reused only once the response is read
        return r.status, r.headers, data


def load(out):
    with open(os.path.join(out, "corpus.json")) as f:
        return json.load(f)


def push(out, host):
    meta, cl = load(out), Client(host)
    for repo, r in sorted(meta["repos"].items()):
        for d in r["manifests"]:
            m = meta["manifests"][d]
            for b in m["blobs"]:
                if cl.req("HEAD", f"/v2/{repo}/blobs/{b}")[0] == 200:
                    continue
                st, h, _ = cl.req("POST", f"/v2/{repo}/blobs/uploads/")
                if st != 202:
                    sys.exit(f"push {repo}: upload POST answered {st}")
                loc = urlsplit(h["Location"])
                sep = "&" if loc.query else "?"
                with open(os.path.join(out, "blobs", b[7:]), "rb") as f:
                    st, _, body = cl.req("PUT", f"{loc.path}?{loc.query}{sep}digest={b}", body=f,
                                         headers={"Content-Length": str(meta["sizes"][b]),
                                                  "Content-Type": "application/octet-stream"})
                if st != 201:
                    sys.exit(f"push {repo}: blob {b} PUT answered {st}: {body[:300]!r}")
            put_manifest(cl, out, repo, d, m["mediaType"])
        for tag, d in sorted(r["tags"].items()):
            put_manifest(cl, out, repo, tag, meta["manifests"][d]["mediaType"], d)


def put_manifest(cl, out, repo, ref, media_type, digest=None):
    with open(os.path.join(out, "blobs", (digest or ref)[7:]), "rb") as f:
        data = f.read()
    st, _, body = cl.req("PUT", f"/v2/{repo}/manifests/{ref}", body=data, headers={"Content-Type": media_type})
    if st != 201:
        sys.exit(f"push {repo}: manifest {ref} PUT answered {st}: {body[:300]!r}")


def verify(out, host):
    """Every tag, index child, referrer (and the blobs they name) at HOST with the source's digests."""
    meta, cl = load(out), Client(host)
    problems, checked = [], 0
    for repo, r in sorted(meta["repos"].items()):
        want = [(t, d) for t, d in sorted(r["tags"].items())] + [(d, d) for d in r["manifests"]]
        for ref, d in want:
            st, h, body = cl.req("GET", f"/v2/{repo}/manifests/{ref}",
                                 headers={"Accept": ",".join([OCI_MANIFEST, OCI_INDEX, D2_MANIFEST])})
            got = "sha256:" + hashlib.sha256(body).hexdigest()
            checked += 1
            if st != 200:
                problems.append(f"{repo}:{ref}: missing (status {st}), want {d}")
            elif got != d:
                problems.append(f"{repo}:{ref}: digest {got}, want {d}")
        for d in r["manifests"]:
            for b in meta["manifests"][d]["blobs"]:
                st, h, _ = cl.req("HEAD", f"/v2/{repo}/blobs/{b}")
                checked += 1
                if st != 200 or h.get("Docker-Content-Digest") != b:
                    problems.append(f"{repo}: blob {b}: status {st}")
    print(json.dumps({"checked": checked, "problems": problems[:20], "problemCount": len(problems)}))
    return not problems


LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" ([0-9]{3}) ([0-9]+|-)')


def kind(method, path):
    p = urlsplit(path)
    seg = p.path
    if seg in ("/v2/", "/v2"):
        return "ping"
    if seg.startswith("/v2/_catalog"):
        return "catalog"
    m = re.match(r"/v2/(.+)/(manifests|blobs|tags|referrers)/(.*)$", seg)
    if not m:
        return f"other {method}"
    what, rest = m.group(2), m.group(3)
    if what == "manifests":
        return f"manifest {method}"
    if what == "tags":
        return "tag list"
    if what == "referrers":
        return "referrers"
    if rest.startswith("uploads"):
        if method == "POST":
            return "mount" if "mount=" in p.query else "upload POST"
        return f"upload {method}"
    return f"blob {method}"


def stats(log, first, last, marker=None):
    """Requests by kind in log lines first+1..last; with a marker, two slices split at it."""
    parts, cur = [], {}
    with open(log, errors="replace") as f:
        for i, line in enumerate(f, 1):
            if i <= first or i > last:
                continue
            m = LINE.search(line)
            if not m:
                continue
            method, path, status, size = m.group(1), m.group(2), int(m.group(3)), m.group(4)
            if marker and marker in path:
                parts.append(cur); cur = {}
                continue
            k = kind(method, path)
            if k == "mount":
                k = "mount ok" if status == 201 else "mount miss"
            c = cur.setdefault("kinds", {})
            c[k] = c.get(k, 0) + 1
            cur["requests"] = cur.get("requests", 0) + 1
            n = 0 if size == "-" else int(size)
            cur["responseBytes"] = cur.get("responseBytes", 0) + n
            if k == "blob GET":
                cur["blobGetBytes"] = cur.get("blobGetBytes", 0) + n
                digests = cur.setdefault("blobGetDigests", {})
                d = urlsplit(path).path.rsplit("/", 1)[1]
                digests[d] = digests.get(d, 0) + 1
            if status >= 400:
                cur["errors"] = cur.get("errors", 0) + 1
    parts.append(cur)
    for p in parts:
        d = p.pop("blobGetDigests", {})
        p["uniqueBlobsGot"] = len(d)
        p["repeatBlobGets"] = sum(v - 1 for v in d.values())
    print(json.dumps(parts))


def necessary(meta):
    """The requests a cold copy into an empty target cannot do without (issue 9's raw copier): a ping
    at each end; at the source a GET per tag and per manifest no tag names (index children,
    referrers), a GET per unique blob; at the target a PUT per manifest of each repository and one
    more per tag that shares its manifest with another tag, an upload (POST + PUT) per unique blob and
    a mount for each further repository that has it. Nothing for referrer discovery or for finding
    what the target already has."""
    src_manifests = puts = pairs = 0
    blobs = set()
    for r in meta["repos"].values():
        tags, manifests = r["tags"], set(r["manifests"])
        src_manifests += len(tags) + len(manifests - set(tags.values()))
        puts += len(manifests) + len(tags) - len(set(tags.values()))
        here = {b for d in manifests for b in meta["manifests"][d]["blobs"]}
        pairs += len(here)
        blobs |= here
    src = 1 + src_manifests + len(blobs)
    tgt = 1 + puts + 2 * len(blobs) + (pairs - len(blobs))
    return {"source": src, "target": tgt, "total": src + tgt}


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "generate":
        import argparse
        ap = argparse.ArgumentParser(prog="corpus.py generate")
        ap.add_argument("out"); ap.add_argument("--seed", default="ocync-bench-1")
        ap.add_argument("--quick", action="store_true"); ap.add_argument("--memory", action="store_true")
        ap.add_argument("--scale", type=int, default=1)
        a = ap.parse_args(argv[2:])
        if not 1 <= a.scale <= 50:
            sys.exit(f"--scale {a.scale}: must be 1..50")
        generate(a.out, a.seed, a.quick, a.scale, a.memory)
    elif cmd == "push":
        push(argv[2], argv[3])
    elif cmd == "verify":
        sys.exit(0 if verify(argv[2], argv[3]) else 1)
    elif cmd == "stats":
        marker = argv[6] if len(argv) > 6 and argv[5] == "--split" else None
        stats(argv[2], int(argv[3]), int(argv[4]), marker)
    elif cmd == "summary":
        meta = load(argv[2])
        tags = sum(len(r["tags"]) for r in meta["repos"].values())
        layers = {b for m in meta["manifests"].values() for b in m["blobs"]}
        print(json.dumps({"repositories": len(meta["repos"]), "tags": tags, "manifests": len(meta["manifests"]),
                          "uniqueBlobs": len(layers), "blobMiB": round(sum(meta["sizes"][b] for b in layers) / MiB, 1),
                          "necessary": necessary(meta)}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
