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
    for path in sorted(HERE.glob("*.schema.json")):
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
        p, f = live_check(args.cledger, expect)
        failed += f

    for f in failed:
        print("FAIL", f)
    print(f"schemas: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


def live_check(cledger, expect):
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)

        def run(*argv):
            r = subprocess.run([cledger, *argv], capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit(f"cledger {' '.join(argv)} failed: {r.stderr}")
            return r.stdout

        run("keygen", "--name", "schema-check", "--out", str(t / "reg.key"))
        run("init", "--dir", str(t / "L"), "--origin", "schema.check/live", "--key", str(t / "reg.key"))
        batch = {"events": [{"type": "behaviour.metro", "account": "a1", "distance_m": 12000, "nested": {"list": [1, -2, None, True, "碳"]}},
                            {"type": "behaviour.bike", "account": "a2", "distance_m": 3000}]}
        expect("unsigned-batch", batch, True, "live unsigned batch")
        (t / "b.json").write_text(json.dumps(batch))
        run("submit", "--dir", str(t / "L"), "--sign", str(t / "reg.key"), str(t / "b.json"))
        for seq in range(3):
            proof = json.loads(run("proof", "inclusion", "--dir", str(t / "L"), "--seq", str(seq)))
            expect("inclusion-proof", proof, True, f"live inclusion proof {seq}")
            expect("entry", proof["entry"], True, f"live entry {seq}")
            expect("checkpoint", proof["checkpoint"], True, f"live checkpoint {seq}")
            expect("event", proof["entry"]["event"], True, f"live event {seq}")
            if seq == 0:
                expect("genesis", proof["entry"]["event"], True, "live genesis event")
        expect("consistency-proof", json.loads(run("proof", "consistency", "--dir", str(t / "L"), "--from", "1")), True, "live consistency proof")
        expect("info", json.loads(run("info", "--dir", str(t / "L"), "--json")), True, "live info")
        expect("checkpoint", run("checkpoint", "--dir", str(t / "L")), True, "live checkpoint")
    return 0, failed


if __name__ == "__main__":
    sys.exit(main())
