#!/usr/bin/env python3
"""Checks Schemas/: every schema is valid draft 2020-12, every example under
examples/<schema>/valid passes and every one under examples/<schema>/invalid fails.
With --cledger BINARY it also builds a fresh ledger with the real CLI and validates what the
CLI prints and stores (submissions, entries, proofs, checkpoints, info) against the schemas,
so the schemas cannot drift from the implementation."""
import argparse, json, pathlib, subprocess, sys, tempfile

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

HERE = pathlib.Path(__file__).resolve().parent


def load_registry():
    schemas, resources = {}, []
    for path in sorted(list(HERE.glob("*.schema.json")) + list(HERE.glob("events/*.schema.json"))):
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        schemas[path.name.removesuffix(".schema.json")] = schema
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return schemas, Registry().with_resources(resources)


def validator(schemas, registry, name):
    return Draft202012Validator(schemas[name], registry=registry)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cledger", help="path of a built cledger binary for the live check")
    ap.add_argument("--write-examples", action="store_true", help="with --cledger: regenerate the event examples from the live ledger")
    args = ap.parse_args()
    schemas, registry = load_registry()
    passed, failed = 0, []

    def expect(name, instance, valid, label):
        nonlocal passed
        errors = list(validator(schemas, registry, name).iter_errors(instance))
        if (not errors) == valid:
            passed += 1
        else:
            why = errors[0].message[:200] if errors else "accepted"
            failed.append(f"{label}: expected {'valid' if valid else 'invalid'} for {name}: {why}")

    for example_dir in sorted((HERE / "examples").iterdir()):
        name = example_dir.name
        if name not in schemas:
            failed.append(f"examples/{name}: no schema {name}.schema.json")
            continue
        for kind, valid in (("valid", True), ("invalid", False)):
            files = sorted((example_dir / kind).glob("*.json"))
            if not files:
                failed.append(f"examples/{name}/{kind}: no examples")
            for f in files:
                expect(name, json.loads(f.read_text()), valid, str(f.relative_to(HERE)))
    for name in schemas:
        if name != "value" and not (HERE / "examples" / name).is_dir():
            failed.append(f"schema {name} has no examples")

    if args.cledger:
        p, f = live_check(args.cledger, expect, args.write_examples)
        failed += f

    if args.write_examples:
        print("examples regenerated; run again without --write-examples to check them")
        return 0
    for f in failed:
        print("FAIL", f)
    print(f"schemas: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


def build_sample_ledger(cledger, t):
    """A small ledger exercising every event type through the real CLI. Returns (run, proofs)."""
    def run(*argv, ok=True):
        r = subprocess.run([cledger, *argv], capture_output=True, text=True)
        if ok and r.returncode != 0:
            raise SystemExit(f"cledger {' '.join(argv)} failed: {r.stderr}")
        return r.stdout

    def submit(name, key, events):
        (t / name).write_text(json.dumps({"events": events}, ensure_ascii=False))
        run("submit", "--dir", str(t / "L"), "--sign", str(t / key), str(t / name))

    run("keygen", "--name", "shenzhen-registry", "--out", str(t / "reg.key"))
    keys = {}
    for actor in ["szmetro", "cqc", "sz-eeb", "szex", "prj-szmetro", "e-shenzhen-bank", "gd-dee", "admin-2", "yangtze-fish"]:
        keys[actor] = run("keygen", "--name", f"{actor}-key", "--out", str(t / f"{actor}.key")).strip()
    # The behaviours below have fixed dates: a window long enough that they stay reportable.
    run("init", "--dir", str(t / "L"), "--origin", "carbonledger.example/shenzhen", "--key", str(t / "reg.key"),
        "--report-days", "3660", "--reversal-days", "3660")
    def register(actor, role, regions, scenarios=("*",)):
        return {"type": "key.register", "key": keys[actor], "actor": actor, "roles": [role], "scenarios": list(scenarios), "regions": regions}
    submit("admin.json", "reg.key", [
        register("szmetro", "platform", ["440300"], ("metro", "bus")),
        register("cqc", "verifier", ["440000"]), register("sz-eeb", "issuer", ["440300"]), register("szex", "exchange", ["*"]),
        register("prj-szmetro", "holder", ["*"]), register("e-shenzhen-bank", "holder", ["*"]),
        register("gd-dee", "authority", ["440000"]), register("admin-2", "admin", ["*"]),
        {"type": "methodology.register", "id": "sz-metro", "version": 1, "title": "Shenzhen metro trips", "scenario": "metro", "region": "440300",
         "unit": "m", "kind": "quantitative", "baseline_mg": 140, "project_mg": 92, "daily_cap_mg": 5000000, "valid_from": "2026-01-01T00:00:00.000Z"},
        {"type": "account.open", "account": "e-shenzhen-bank", "kind": "enterprise", "region": "440304"},
        {"type": "account.open", "account": "yangtze-fish", "kind": "welfare", "region": "420100"},
        {"type": "account.open", "account": "prj-szmetro", "kind": "project", "region": "440300"},
        {"type": "offset.rule", "scheme": "guangdong-ets", "max_permille": 100, "gap_limited": True, "description": "10% of the allowance, within the gap",
         "regions": ["440000"], "scenarios": ["metro", "bus"], "vintage_from": 2025, "vintage_to": 2030},
        {"type": "note", "text": "Shenzhen carbon-inclusion registry opened", "ref": "SZ-EEB-2026-01"},
    ])
    submit("platform.json", "szmetro.key", [
        {"type": "account.open", "account": "p-7f3a91", "kind": "person", "region": "440305"},
        {"type": "account.open", "account": "w-02bc44", "kind": "employee", "region": "440304", "employer": "e-shenzhen-bank"},
        {"type": "consent.grant", "account": "p-7f3a91", "platform": "szmetro", "scenarios": ["metro", "bus"], "aggregate": True},
        {"type": "consent.grant", "account": "w-02bc44", "platform": "szmetro", "scenarios": ["*"], "aggregate": False,
         "evidence": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
        {"type": "points.rule", "scenario": "metro", "points_per_event": 2, "mg_per_point": 100000},
        {"type": "project.register", "project": "sz-metro-trips", "owner": "prj-szmetro", "methodologies": ["sz-metro"], "region": "440300",
         "description": "Residents' metro trips in Shenzhen", "platforms": ["szmetro"]},
        {"type": "account.link", "account": "p-7f3a91", "person": "4b1d0c93b8e6f2a7c5d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"},
    ])
    submit("behaviour.json", "szmetro.key", [
        {"type": "behaviour.report", "account": "p-7f3a91", "scenario": "metro", "region": "440305", "amount": 62400,
         "start": "2026-11-20T00:10:00.000Z", "end": "2026-11-20T00:55:00.000Z", "source_ref": "SZMTR-20261120-000001"},
        {"type": "behaviour.report", "account": "w-02bc44", "scenario": "metro", "region": "440304", "amount": 8100,
         "start": "2026-11-20T01:00:00.000Z", "end": "2026-11-20T01:20:00.000Z", "source_ref": "SZMTR-20261120-000002"},
        {"type": "behaviour.report", "account": "p-7f3a91", "scenario": "metro", "region": "440305", "amount": 10000,
         "start": "2026-11-20T02:00:00.000Z", "end": "2026-11-20T02:20:00.000Z", "source_ref": "SZMTR-20261120-000003"},
    ])
    submit("after.json", "szmetro.key", [
        {"type": "behaviour.reverse", "seq": 23, "reason": "card reported stolen"},
        {"type": "points.redeem", "account": "p-7f3a91", "points": 5, "reward": "metro day pass", "ref": "RD-000001"},
        {"type": "donation", "account": "p-7f3a91", "to": "yangtze-fish", "amount_mg": 100000, "sponsor": {"name": "a Wuhan sponsor", "pledge_fen_per_g": 100}},
        {"type": "consent.revoke", "account": "w-02bc44", "platform": "szmetro"},
        {"type": "issuance.request", "request": "rq-1", "project": "sz-metro-trips", "period_from": "20261120", "period_to": "20261120"},
    ])
    # The request locked one behaviour (seq 22): the RFC 6962 root of one leaf is that leaf's hash,
    # which the verifier checks against the log.
    root = json.loads(run("proof", "inclusion", "--dir", str(t / "L"), "--seq", "22"))["leaf_hash"]
    submit_verify = {"type": "issuance.verify", "request": "rq-1", "decision": "approve", "amount_mg": 2900000,
                     "report_hash": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}
    submit("verify.json", "cqc.key", [dict(submit_verify, lineage_root=root)])
    submit("issue.json", "sz-eeb.key", [{"type": "issuance.issue", "request": "rq-1", "project": "sz-metro-trips", "batch": "b1", "vintage": "2026",
                                          "region": "440300", "units": 2, "lineage_root": root}])
    submit("authorise.json", "prj-szmetro.key", [{"type": "holder.authorise", "account": "prj-szmetro", "exchange": "szex", "allow": True}])
    submit("sell.json", "szex.key", [{"type": "units.transfer", "batch": "b1", "from": "prj-szmetro", "to": "e-shenzhen-bank", "units": 1}])
    submit("allowance.json", "gd-dee.key", [{"type": "compliance.allowance", "company": "e-shenzhen-bank", "scheme": "guangdong-ets", "year": 2026,
                                             "allowance_t": 100, "gap_t": 5}])
    submit("retire.json", "e-shenzhen-bank.key", [{"type": "units.retire", "retirement": "ret-1", "batch": "b1", "account": "e-shenzhen-bank",
        "ranges": [[1, 1]], "units": 1, "beneficiary": "Shenzhen Bank", "beneficiary_account": "e-shenzhen-bank", "purpose": "compliance",
        "reason": "Guangdong ETS 2026", "jurisdiction": "CN-44", "period_from": "20260101", "period_to": "20261231",
        "compliance": {"scheme": "guangdong-ets", "year": 2026}}])
    submit("footprint.json", "reg.key", [{"type": "footprint.register", "footprint": "sz-forum-2026", "title": "Shenzhen low-carbon forum 2026",
                                          "amount_kg": 1200, "period_from": "20261125", "period_to": "20261126", "account": "e-shenzhen-bank"}])
    submit("cancel.json", "reg.key", [{"type": "units.cancel", "batch": "b1", "account": "prj-szmetro", "ranges": [[2, 2]], "units": 1,
                                       "reason": "exported to another registry"}])
    submit("recover.json", "reg.key", [{"type": "key.recover", "proposal": "rec-1", "account": "yangtze-fish", "key": keys["yangtze-fish"],
                                        "reason": "the welfare fund's first holder key, identity checked in person"}])
    submit("approve.json", "admin-2.key", [{"type": "key.recover.approve", "proposal": "rec-1", "decision": "approve"}])
    submit("revoke.json", "reg.key", [{"type": "key.revoke", "key": keys["szex"], "reason": "key rotated"}])
    run("keygen", "--name", "shenzhen-registry-2027", "--out", str(t / "reg2027.key"))
    run("rotate-key", "--dir", str(t / "L"), "--new-key", str(t / "reg2027.key"), "--reason", "annual registry key rotation")
    size = json.loads(run("info", "--dir", str(t / "L"), "--json"))["size"]
    proofs = [json.loads(run("proof", "inclusion", "--dir", str(t / "L"), "--seq", str(s))) for s in range(size)]
    return run, proofs


def live_check(cledger, expect, write_examples=False):
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        run, proofs = build_sample_ledger(cledger, t)
        seen = set()
        for p in proofs:
            seq, entry, event = p["seq"], p["entry"], p["entry"]["event"]
            expect("inclusion-proof", p, True, f"live inclusion proof {seq}")
            expect("entry", entry, True, f"live entry {seq}")
            expect("checkpoint", p["checkpoint"], True, f"live checkpoint {seq}")
            expect("event", event, True, f"live event {seq} ({event['type']})")
            expect(event["type"], event, True, f"live {event['type']} event at seq {seq}")
            seen.add(event["type"])
        missing = set(json.loads((HERE / "event.schema.json").read_text())["properties"]["type"]["enum"]) - seen
        if missing:
            failed.append(f"the sample ledger lacks event types {sorted(missing)}")
        consistency = json.loads(run("proof", "consistency", "--dir", str(t / "L"), "--from", "1"))
        expect("consistency-proof", consistency, True, "live consistency proof")
        info = json.loads(run("info", "--dir", str(t / "L"), "--json"))
        expect("info", info, True, "live info")
        retirements = json.loads(run("retirements", "--dir", str(t / "L")))
        expect("retirements", retirements, True, "live retirements")
        certificate = json.loads(run("certificate", "--dir", str(t / "L"), "ret-1"))
        expect("retirement-certificate", certificate, True, "live certificate")
        failed += independent_certificate_check(certificate, info["registry_key"])
        expect("checkpoint", run("checkpoint", "--dir", str(t / "L")), True, "live checkpoint")
        # Two runs with an audit state (the sample ledger rotates its registry key: two keys).
        run("verify", "--dir", str(t / "L"), "--audit-state", str(t / "A"))
        run("verify", "--dir", str(t / "L"), "--audit-state", str(t / "A"))
        position = audit_position(t / "A")
        expect("audit-position", position, True, "live audit state position")
        if len(position.get("registry_keys", [])) != 2:
            failed.append(f"the audit position lists {len(position.get('registry_keys', []))} registry keys, the sample ledger has 2")
        if write_examples:
            write_audit_examples(position)
        if write_examples:
            write_example_files(proofs, consistency, info)
            write_market_examples(certificate, retirements)
    return 0, failed


def audit_position(audit_dir):
    """The `audit` record of an audit state's `state_meta` database, read with lmdb-utils'
    mdb_dump (printable mode: a backslash is doubled, other bytes outside ASCII are \\xx)."""
    out = subprocess.run(["mdb_dump", "-p", "-s", "state_meta", str(audit_dir / "state")], capture_output=True, text=True, check=True).stdout
    lines = out.split("HEADER=END\n", 1)[1].split("\nDATA=END", 1)[0].split("\n")
    def unescape(line):
        b, i, s = bytearray(), 0, line[1:]
        while i < len(s):
            if s[i] == "\\" and s[i + 1] == "\\":
                b.append(0x5C); i += 2
            elif s[i] == "\\":
                b.append(int(s[i + 1:i + 3], 16)); i += 3
            else:
                b += s[i].encode(); i += 1
        return bytes(b)
    records = {unescape(k): unescape(v) for k, v in zip(lines[0::2], lines[1::2])}
    return json.loads(records[b"audit"])


def write_audit_examples(position):
    import copy
    ex = HERE / "examples"
    def put(kind, name, obj):
        d = ex / "audit-position" / kind
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.json").write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    put("valid", "after-key-rotation", position)
    for k in ["head", "frontier", "registry_keys", "state_format"]:
        bad = copy.deepcopy(position); del bad[k]; put("invalid", f"missing-{k}", bad)
    bad = copy.deepcopy(position); bad["frontier"][0] = bad["frontier"][0].upper(); put("invalid", "uppercase-hash", bad)
    bad = copy.deepcopy(position); bad["format"] = "carbonledger-audit/0"; put("invalid", "other-format", bad)
    bad = copy.deepcopy(position); bad["registry_keys"] = []; put("invalid", "no-registry-key", bad)
    bad = copy.deepcopy(position); bad["unexpected_member"] = 1; put("invalid", "unknown-member", bad)


def independent_certificate_check(certificate, vkey):
    """SPEC.md 7.3 implemented independently (verify_certificate.py) must accept the live
    certificate and refuse edits of what an importer displays."""
    import copy
    import verify_certificate as vc
    failures = []
    try:
        vc.verify(certificate, vkey)
    except vc.Invalid as e:
        failures.append(f"independent verifier refused the live certificate: {e}")
    edits = {
        "beneficiary": lambda c: c["summary"].__setitem__("beneficiary", "someone else"),
        "units": lambda c: c["retirement"]["entry"]["event"].__setitem__("units", 2),
        "serials": lambda c: c["summary"]["serials"].__setitem__(0, c["summary"]["serials"][0] + "9"),
        "proof": lambda c: c["issuance"]["hashes"].__setitem__(0, "00" * 32),
        "checkpoint": lambda c: c.__setitem__("checkpoint", c["checkpoint"].replace("\n", "\n ", 1)),
    }
    for name, edit in edits.items():
        bad = copy.deepcopy(certificate)
        edit(bad)
        try:
            vc.verify(bad, vkey)
            failures.append(f"independent verifier accepted a certificate with an edited {name}")
        except (vc.Invalid, ValueError, KeyError):
            pass
    return failures


def write_market_examples(certificate, retirements):
    import copy
    ex = HERE / "examples"
    def put(schema, kind, name, obj):
        d = ex / schema / kind
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.json").write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    put("retirement-certificate", "valid", "ret-1", certificate)
    bad = copy.deepcopy(certificate); del bad["summary"]; put("retirement-certificate", "invalid", "no-summary", bad)
    bad = copy.deepcopy(certificate); bad["retirement"]["entry"]["event"]["type"] = "units.transfer"; put("retirement-certificate", "invalid", "not-a-retirement", bad)
    bad = copy.deepcopy(certificate); bad["summary"]["amount_t"] = 1.0; put("retirement-certificate", "invalid", "float-amount", bad)
    put("retirements", "valid", "registry", retirements)
    bad = copy.deepcopy(retirements); del bad[0]["id"]; put("retirements", "invalid", "no-id", bad)


def write_example_files(proofs, consistency, info):
    """Regenerates examples/*/valid from a live ledger (the invalid ones are derived from them)."""
    import copy, shutil
    ex = HERE / "examples"
    def put(schema, kind, name, obj):
        d = ex / schema / kind
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.json").write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    def mutants(schema, obj):
        required = json.loads(next(p for p in [HERE / f"{schema}.schema.json", HERE / "events" / f"{schema}.schema.json"] if p.exists()).read_text()).get("required", [])
        for k in required:
            if k != "type":
                bad = copy.deepcopy(obj); del bad[k]; put(schema, "invalid", f"missing-{k}", bad)
        bad = copy.deepcopy(obj); bad["unexpected_member"] = 1; put(schema, "invalid", "unknown-member", bad)
    for p in proofs:
        ev = p["entry"]["event"]
        t = ev["type"]
        if not (ex / t / "valid").exists() or t == "behaviour.report":
            put(t, "valid", f"seq-{p['seq']}", ev)
            mutants(t, ev)
    rep = next(p["entry"]["event"] for p in proofs if p["entry"]["event"]["type"] == "behaviour.report")
    bad = copy.deepcopy(rep); bad["amount"] = 12.4; put("behaviour.report", "invalid", "fractional-amount", bad)
    bad = copy.deepcopy(rep); bad["scenario"] = "teleport"; put("behaviour.report", "invalid", "unknown-scenario", bad)
    bad = copy.deepcopy(rep); bad["account"] = "P-1"; put("behaviour.report", "invalid", "uppercase-id", bad)
    bad = copy.deepcopy(rep); bad["start"] = "2026-11-20 00:10:00"; put("behaviour.report", "invalid", "time-not-rfc3339-ms", bad)

    by_seq = {p["seq"]: p for p in proofs}
    entries = [p["entry"] for p in proofs]
    beh = [e for e in entries if e["event"]["type"] == "behaviour.report"]
    first, later = beh[0], beh[1]
    put("entry", "valid", "genesis-entry", entries[0]); put("entry", "valid", "first-of-submission", first); put("entry", "valid", "later-in-submission", later)
    bad = copy.deepcopy(later); bad["sub"]["sig"] = first["sub"]["sig"]; bad["sub"]["signer"] = first["sub"]["signer"]; put("entry", "invalid", "signature-on-later-entry", bad)
    bad = copy.deepcopy(first); del bad["sub"]["sig"]; put("entry", "invalid", "first-entry-without-signature", bad)
    bad = copy.deepcopy(first); bad["prev"] = bad["prev"].upper(); put("entry", "invalid", "uppercase-prev", bad)
    bad = copy.deepcopy(first); bad["time"] = bad["time"][:19] + "Z"; put("entry", "invalid", "time-without-milliseconds", bad)
    bad = copy.deepcopy(first); bad["seq"] = -1; put("entry", "invalid", "negative-seq", bad)
    bad = copy.deepcopy(first); bad["seq"] = 9007199254740992; put("entry", "invalid", "seq-beyond-2-53", bad)
    bad = copy.deepcopy(first); bad["extra"] = True; put("entry", "invalid", "unknown-field", bad)
    bad = copy.deepcopy(first); bad["event"]["type"] = "behaviour.metro"; put("entry", "invalid", "unknown-event-type", bad)
    sub = {"events": [e["event"] for e in beh[:2]], "signer": first["sub"]["signer"], "signature": first["sub"]["sig"]}
    put("submission", "valid", "behaviour-batch", sub)
    bad = copy.deepcopy(sub); bad["events"] = []; put("submission", "invalid", "no-events", bad)
    bad = copy.deepcopy(sub); del bad["signature"]; put("submission", "invalid", "unsigned", bad)
    bad = copy.deepcopy(sub); bad["events"][0]["amount"] = 12.4; put("submission", "invalid", "fractional-number", bad)
    bad = copy.deepcopy(sub); bad["events"][0]["type"] = "Behaviour Report"; put("submission", "invalid", "bad-event-type", bad)
    bad = copy.deepcopy(sub); bad["signer"] = "metro+1234+AAAA"; put("submission", "invalid", "bad-signer-key", bad)
    bad = copy.deepcopy(sub); bad["extra"] = 1; put("submission", "invalid", "unknown-field", bad)
    put("unsigned-batch", "valid", "behaviour-batch", {"events": sub["events"]})
    put("unsigned-batch", "invalid", "signed", sub)
    put("unsigned-batch", "invalid", "events-not-array", {"events": sub["events"][0]})
    for e in (entries[1]["event"], first["event"]):
        put("event", "valid", e["type"], e)
    put("event", "invalid", "no-type", {"account": "x"}); put("event", "invalid", "unknown-type", {"type": "behaviour.metro"})
    put("event", "invalid", "note-with-float", {"type": "note", "text": "x", "ref": 0.5})
    g = entries[0]["event"]
    put("genesis", "valid", "genesis", g)
    bad = dict(g); bad["extra"] = []; put("genesis", "invalid", "extra-field", bad)
    bad = dict(g); bad["origin"] = "has space"; put("genesis", "invalid", "origin-with-space", bad)
    bad = dict(g); bad["rules"] = "carbonledger/v0"; put("genesis", "invalid", "unknown-rules", bad)
    bad = dict(g); bad["admins"] = []; put("genesis", "invalid", "no-admins", bad)
    last = proofs[-1]
    cp = last["checkpoint"]
    put("checkpoint", "valid", "signed-checkpoint", cp)
    put("checkpoint", "invalid", "unsigned-body", cp.split("\n\n")[0] + "\n")
    lines = cp.split("\n")
    put("checkpoint", "invalid", "size-with-leading-zero", "\n".join([lines[0], "0" + lines[1]] + lines[2:]))
    put("checkpoint", "invalid", "not-a-string", {"origin": "x", "size": 4})
    for q in (by_seq[1], last):
        put("inclusion-proof", "valid", f"seq-{q['seq']}", q)
    bad = copy.deepcopy(last); bad["hashes"][0] = bad["hashes"][0][:10]; put("inclusion-proof", "invalid", "short-hash", bad)
    bad = copy.deepcopy(last); del bad["checkpoint"]; put("inclusion-proof", "invalid", "no-checkpoint", bad)
    bad = copy.deepcopy(last); bad["type"] = "carbonledger/consistency-proof/v1"; put("inclusion-proof", "invalid", "wrong-type", bad)
    put("consistency-proof", "valid", "from-1", consistency)
    bad = copy.deepcopy(consistency); bad["from_size"] = 0; put("consistency-proof", "invalid", "zero-size", bad)
    bad = copy.deepcopy(consistency); bad["hashes"] = "abc"; put("consistency-proof", "invalid", "hashes-not-array", bad)
    put("info", "valid", "info", info)
    bad = dict(info); bad["size"] = str(bad["size"]); put("info", "invalid", "size-as-string", bad)


if __name__ == "__main__":
    sys.exit(main())
