#!/usr/bin/env python3
"""The usual alternative, as a team would build it: the same events appended to SQLite (WAL,
synchronous=FULL: durable commits), one transaction per batch, each row with a SHA-256 hash
chain column over (previous hash || canonical event). usage: sqlite_baseline.py WORKLOAD DB"""
import hashlib, json, sqlite3, sys, time


def main():
    workload, path = sys.argv[1], sys.argv[2]
    batches = [json.loads(line)["events"] for line in open(workload)]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL, prev BLOB NOT NULL, hash BLOB NOT NULL)")
    prev, seq, n = b"\0" * 32, 0, 0
    start = time.perf_counter()
    for events in batches:
        db.execute("BEGIN")
        rows = []
        for e in events:
            body = json.dumps(e, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
            h = hashlib.sha256(prev + body.encode()).digest()
            rows.append((seq, body, prev, h))
            prev, seq = h, seq + 1
        db.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        n += len(events)
    secs = time.perf_counter() - start
    print(f"sqlite: {n} events in {len(batches)} durable transactions, {secs:.3f} s, {n / secs:.0f} events/s")


if __name__ == "__main__":
    main()
