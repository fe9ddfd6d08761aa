#!/usr/bin/env python3
"""CarbonLedger's conformance vectors (Schemas/vectors/): genuine and invalid artefacts a relying
party verifies offline (checkpoints, inclusion and consistency proofs, retirement certificates,
lineage bundles, tlog-tiles directories), each with the verdict a verifier must give and the
SPEC.md clause it tests. Any re-implementation can run them: read vectors/manifest.json, verify
each file with the keys it names, and compare the verdict.

usage: conformance.py --cledger BIN          check every vector against cledger and the Python verifiers
       conformance.py --cledger BIN --write  regenerate the vectors from a fresh sample ledger
Exits 0 only if every verifier gives every vector's verdict."""
import argparse, copy, json, pathlib, shutil, subprocess, sys, tempfile

HERE = pathlib.Path(__file__).resolve().parent
VECTORS = HERE / "vectors"
sys.path.insert(0, str(HERE))


def flip_hex(s):
    return ("1" if s[0] == "0" else "0") + s[1:]


def write_vectors(cledger):
    import check
    with tempfile.TemporaryDirectory() as tmp:
        t = pathlib.Path(tmp)
        run, proofs = check.build_sample_ledger(cledger, t)
        L = str(t / "L")
        info = json.loads(run("info", "--dir", L, "--json"))
        first_key = proofs[0]["entry"]["event"]["registry_key"]
        stranger = run("keygen", "--name", first_key.split("+")[0], "--out", str(t / "stranger.key")).strip()
        keys = {"genesis": first_key, "current": info["registry_key"], "stranger": stranger}
        shutil.rmtree(VECTORS, ignore_errors=True)
        VECTORS.mkdir()
        vectors = []

        def put(name, kind, content, valid, clause, what, key_names=("current",)):
            path = VECTORS / name
            if isinstance(content, (dict, list)):
                path.write_text(json.dumps(content, ensure_ascii=False, indent=1) + "\n")
            else:
                path.write_text(content)
            vectors.append({"file": name, "kind": kind, "keys": list(key_names), "valid": valid, "clause": clause, "what": what})

        cp = run("checkpoint", "--dir", L)
        put("checkpoint-latest.txt", "checkpoint", cp, True, "6", "the latest checkpoint, signed by the rotated-in key and the old one")
        text, _, sigs = cp.rpartition("\n\n")
        lines = sigs.splitlines()
        origin, size, root = text.split("\n")[:3]
        put("checkpoint-other-size.txt", "checkpoint", f"{origin}\n{int(size) + 1}\n{root}\n\n{sigs}", False, "6", "the tree size changed after signing")
        put("checkpoint-extension-line.txt", "checkpoint", f"{text}\nextra\n\n{sigs}", False, "6", "a fourth text line (extension lines MUST be rejected)")
        bad = lines[0][:-6] + ("A" if lines[0][-6] != "A" else "B") + lines[0][-5:]
        put("checkpoint-bad-then-good.txt", "checkpoint", f"{text}\n\n{bad}\n" + "\n".join(lines) + "\n", False, "6",
            "a failed signature line by the trusted key before a good one (c2sp.org/signed-note: reject whatever the order)")
        put("checkpoint-good-then-bad.txt", "checkpoint", f"{text}\n\n" + "\n".join(lines) + f"\n{bad}\n", False, "6",
            "a good signature line by the trusted key before a failed one")
        put("checkpoint-rotation-old-key.txt", "checkpoint", cp, True, "6", "the rotating commit's checkpoint verifies under the outgoing key too", ("genesis",))
        put("checkpoint-stranger-key.txt", "checkpoint", cp, False, "6",
            "a genuine checkpoint under another key of the same name (a different key ID): no line of the trusted key", ("stranger",))

        inc = next(p for p in proofs if p["entry"]["event"]["type"] == "behaviour.report")
        put("inclusion-behaviour.json", "proof", inc, True, "7.1", "an inclusion proof of a behaviour report")
        put("inclusion-pretty-escaped.json", "proof", json.dumps(inc, ensure_ascii=True, indent=4).replace("/", "\\/") + "\n", True, "2",
            "the same proof spelled otherwise: indentation, \\u escapes, \\/ (SPEC 2: proof files are parsed and re-serialised)")
        p = copy.deepcopy(inc); p["entry"]["event"]["amount"] += 1
        put("inclusion-entry-edited.json", "proof", p, False, "7.1", "the entry's amount changed (its leaf hash no longer matches)")
        p = copy.deepcopy(inc); p["hashes"][0] = flip_hex(p["hashes"][0])
        put("inclusion-path-edited.json", "proof", p, False, "7.1", "a hash of the audit path changed")
        p = copy.deepcopy(inc); p["seq"] += 1
        put("inclusion-seq-restated.json", "proof", p, False, "7.1", "seq does not restate entry.seq")
        genesis = proofs[0]
        put("inclusion-genesis.json", "proof", genesis, True, "7.1", "the genesis entry, under the key that signed its checkpoint", ("genesis", "current"))

        cons = json.loads(run("proof", "consistency", "--dir", L, "--from", "1"))
        put("consistency-from-1.json", "proof", cons, True, "7.2", "tree size 1 is a prefix of the latest, across the key rotation", ("genesis", "current"))
        c = copy.deepcopy(cons); c["to_size"] += 1
        put("consistency-size-restated.json", "proof", c, False, "7.2", "to_size does not restate the checkpoint's size", ("genesis", "current"))
        c = copy.deepcopy(cons); c["hashes"] = c["hashes"][1:]
        put("consistency-hash-dropped.json", "proof", c, False, "7.2", "a hash of the proof left out", ("genesis", "current"))

        cert = json.loads(run("certificate", "--dir", L, "ret-1"))
        put("certificate-ret-1.json", "certificate", cert, True, "7.3", "a compliance retirement's certificate")
        c = copy.deepcopy(cert); c["summary"]["beneficiary"] = "someone else"
        put("certificate-summary-beneficiary.json", "certificate", c, False, "7.3", "the summary names another beneficiary than the proven event")
        c = copy.deepcopy(cert); c["summary"]["vintage"] = "26"
        put("certificate-summary-vintage.json", "certificate", c, False, "7.3", "the summary's vintage is not the issuance's")
        c = copy.deepcopy(cert); c["retirement"]["entry"]["event"]["ranges"] = [[1, 2]]
        put("certificate-ranges-edited.json", "certificate", c, False, "7.3", "the proven retirement's ranges changed")

        bundle = json.loads(run("lineage", "--dir", L, "b1", "--bundle"))
        put("lineage-b1.json", "lineage", bundle, True, "7.4", "the behaviour entries batch b1 came from")
        b = copy.deepcopy(bundle); b["behaviours"][0]["event"]["amount"] += 1
        put("lineage-behaviour-edited.json", "lineage", b, False, "7.4", "a behaviour entry's amount changed (the lineage root no longer matches)")
        b = copy.deepcopy(bundle); b["behaviours"].append(copy.deepcopy(b["behaviours"][0]))
        put("lineage-behaviour-repeated.json", "lineage", b, False, "7.4", "a behaviour entry listed twice")

        run("export", "tiles", "--dir", L, "--out", str(VECTORS / "tiles-valid"))
        vectors.append({"file": "tiles-valid", "kind": "tiles", "keys": ["current"], "valid": True, "clause": "13", "what": "the sample ledger as tlog-tiles"})
        # The sample ledger is smaller than one tile: its level-0 tile and entry bundle are partial.
        for name, tile, what in [("tiles-entry-flipped", "tile/entries/000.p", "one byte of an entry in the entry bundle changed"),
                                 ("tiles-leaf-flipped", "tile/0/000.p", "one byte of a leaf hash in the level-0 tile changed")]:
            shutil.copytree(VECTORS / "tiles-valid", VECTORS / name)
            f = next((VECTORS / name / tile).iterdir())
            raw = bytearray(f.read_bytes()); raw[40] ^= 1; f.write_bytes(bytes(raw))
            vectors.append({"file": name, "kind": "tiles", "keys": ["current"], "valid": False, "clause": "13", "what": what})
        (VECTORS / "manifest.json").write_text(json.dumps({"keys": keys, "vectors": vectors}, ensure_ascii=False, indent=1) + "\n")
        print(f"wrote {len(vectors)} vectors to {VECTORS}")


def check_vectors(cledger):
    import verify_certificate as vc
    import verify_tiles as vt
    manifest = json.loads((VECTORS / "manifest.json").read_text())
    keys = manifest["keys"]
    failures, checked = [], 0

    def cli(*argv):
        return subprocess.run([cledger, *argv], capture_output=True, text=True).returncode == 0

    for v in manifest["vectors"]:
        path = str(VECTORS / v["file"])
        ks = [keys[k] for k in v["keys"]]
        verdicts = {}
        if v["kind"] == "checkpoint":
            verdicts["cledger checkpoint verify"] = cli("checkpoint", "verify", path, "--key", ks[0])
        elif v["kind"] == "proof":
            verdicts["cledger proof verify"] = cli("proof", "verify", path, *sum([["--key", k] for k in ks], []))
        elif v["kind"] == "certificate":
            verdicts["cledger certificate verify"] = cli("certificate", "verify", path, "--key", ks[0])
            try:
                vc.verify(json.loads(pathlib.Path(path).read_text()), ks[0]); verdicts["verify_certificate.py"] = True
            except (vc.Invalid, ValueError, KeyError, TypeError):
                verdicts["verify_certificate.py"] = False
        elif v["kind"] == "lineage":
            verdicts["cledger lineage verify"] = cli("lineage", "verify", path, "--key", ks[0])
        elif v["kind"] == "tiles":
            try:
                vt.verify(path, ks[0]); verdicts["verify_tiles.py"] = True
            except (vt.Invalid, ValueError, KeyError):
                verdicts["verify_tiles.py"] = False
        for who, ok in verdicts.items():
            checked += 1
            if ok != v["valid"]:
                failures.append(f"{v['file']} (SPEC {v['clause']}: {v['what']}): {who} says {'valid' if ok else 'invalid'}")
    return checked, failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cledger", required=True, help="path of a built cledger binary")
    ap.add_argument("--write", action="store_true", help="regenerate the vectors from a fresh sample ledger")
    args = ap.parse_args()
    if args.write:
        write_vectors(args.cledger)
    checked, failures = check_vectors(args.cledger)
    for f in failures:
        print("FAIL", f)
    print(f"conformance: {checked} verdicts on {len(json.loads((VECTORS / 'manifest.json').read_text())['vectors'])} vectors, {len(failures)} wrong")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
