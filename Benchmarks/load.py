#!/usr/bin/env python3
"""Load test of `cledger serve` on loopback: C concurrent clients POST signed submissions for T
seconds (bounded), then every acknowledgement is checked against the log (none lost, none
duplicated) and the server's memory is reported. Submissions are built and signed here from
SPEC.md alone (canonical JSON, RFC 6962 root, Ed25519 over the statement): note events. With
--submissions, they are read from a file instead (one JSON per line, as `cledger-tools
stress-append --export` writes the demo city's behaviour reports), after the submissions of
--setup are posted one by one; the clients share the file's submissions until they run out or
the time is up, and the rate counts that phase only."""
import argparse, base64, hashlib, http.client, json, os, statistics, threading, time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def canonical(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def mth(leaves):
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--base", required=True)
    ap.add_argument("--key", required=True, help="the registry's private key file (an admin)")
    ap.add_argument("--origin", required=True)
    ap.add_argument("--vkey", required=True, help="the key's verifier key")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--events", type=int, default=10, help="note events per submission")
    ap.add_argument("--pid", type=int, help="server pid, to sample its memory")
    ap.add_argument("--setup", help="submissions to post one by one first (one JSON per line)")
    ap.add_argument("--submissions", help="the submissions the clients post (one JSON per line) instead of generated notes")
    a = ap.parse_args()
    seed = base64.b64decode(open(a.key).read().strip().split("+", 4)[4])[1:]
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    host, port = a.base.replace("http://", "").rstrip("/").split(":")

    def post(conn, body):
        t0 = time.perf_counter()
        conn.request("POST", "/v1/submissions", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read(), time.perf_counter() - t0

    if a.setup:
        conn = http.client.HTTPConnection(host, int(port), timeout=600)
        for n, line in enumerate(open(a.setup, "rb")):
            status, data, _ = post(conn, line.rstrip(b"\n"))
            if status != 200:
                print(f"setup submission {n} refused: {status} {data[:300]!r}")
                return 1
        print(f"setup: {n + 1} submissions appended")
    # Each submission with its root, computed here from its events (SPEC.md sections 3 and 5),
    # so that an acknowledgement is checked against the log by what was sent, not what was answered.
    given = None
    if a.submissions:
        given = []
        for line in open(a.submissions, "rb"):
            events = json.loads(line)["events"]
            given.append((line.rstrip(b"\n"), mth([hashlib.sha256(b"\x00" + canonical(e)).digest() for e in events]).hex()))
    next_given = [0]

    def submission(client, n):
        events = [{"type": "note", "text": f"load {client}-{n}-{i}"} for i in range(a.events)]
        root = mth([hashlib.sha256(b"\x00" + canonical(e)).digest() for e in events])
        stmt = canonical({"count": len(events), "origin": a.origin, "root": root.hex(), "type": "carbonledger/submission/v1"})
        return canonical({"events": events, "signer": a.vkey, "signature": base64.b64encode(sk.sign(stmt)).decode()}), root.hex()

    acks, latencies, errors = [], [], []
    lock = threading.Lock()
    deadline = time.time() + a.seconds

    def client(c):
        conn = http.client.HTTPConnection(host, int(port), timeout=600)
        n = 0
        while time.time() < deadline:
            if given is None:
                body, root = submission(c, n)
                n += 1
            else:
                with lock:
                    if next_given[0] == len(given):
                        return
                    body, root = given[next_given[0]]
                    next_given[0] += 1
            status, data, dt = post(conn, body)
            with lock:
                if status == 200:
                    j = json.loads(data)
                    acks.append((j["first_seq"], j["last_seq"], root))
                    latencies.append(dt)
                else:
                    errors.append((status, data[:200]))

    rss, anon = [], []
    def sample():
        # VmRSS includes LMDB's memory-mapped file pages (the OS page cache); RssAnon is the
        # process's own heap, which must stay flat.
        while time.time() < deadline + 1 and a.pid and not clients_done.is_set():
            try:
                for line in open(f"/proc/{a.pid}/status"):
                    if line.startswith("VmRSS:"):
                        rss.append(int(line.split()[1]) // 1024)
                    if line.startswith("RssAnon:"):
                        anon.append(int(line.split()[1]) // 1024)
            except OSError:
                return
            time.sleep(0.5)

    clients_done = threading.Event()
    clients = [threading.Thread(target=client, args=(c,)) for c in range(a.clients)]
    sampler = threading.Thread(target=sample)
    start = time.time()
    for t in clients + [sampler]: t.start()
    for t in clients: t.join()
    # The rate is of the clients' time: they stop at the deadline or when the file runs out.
    elapsed = time.time() - start
    clients_done.set()
    sampler.join()

    # Every acknowledged submission is in the log exactly where it was acknowledged, once.
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    seqs = set()
    duplicated = sum(1 for f, l, _ in acks for s in range(f, l + 1) if s in seqs or seqs.add(s))
    lost = 0
    by_first = {f: root for f, _, root in acks}
    first = min(by_first) if by_first else 0
    last = max(l for _, l, _ in acks) if acks else -1
    seq = first
    while seq <= last:
        conn.request("GET", f"/v1/entries?from={seq}&limit=1000")
        page = json.loads(conn.getresponse().read())
        for e in page["entries"]:
            if e["seq"] in by_first and (e["sub"]["index"] != 0 or e["sub"]["root"] != by_first.pop(e["seq"])):
                lost += 1
        seq += len(page["entries"])
        if not page["entries"]:
            break
    lost += len(by_first)
    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0
    events = sum(l - f + 1 for f, l, _ in acks)
    print(f"clients={a.clients} seconds={elapsed:.1f} submissions={len(acks)} events={events} errors={len(errors)}")
    if errors:
        print("first errors:", errors[:3])
    print(f"rate: {len(acks) / elapsed:.0f} submissions/s, {events / elapsed:.0f} events/s")
    print(f"latency: p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {p(1.0):.1f} ms")
    if rss:
        print(f"server RSS (incl. LMDB's mapped file pages): start {rss[0]} MiB, peak {max(rss)} MiB, end {rss[-1]} MiB")
    if anon:
        half = anon[len(anon) // 2:]
        print(f"server heap (RssAnon): start {anon[0]} MiB, after 2 s {anon[min(4, len(anon) - 1)]} MiB, second half min {min(half)} / max {max(half)} MiB, end {anon[-1]} MiB ({len(anon)} samples)")
    print(f"acknowledged_lost={lost} acknowledged_duplicated={duplicated}")
    return 1 if lost or duplicated or errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
