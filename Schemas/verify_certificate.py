#!/usr/bin/env python3
"""An independent verifier of CarbonLedger retirement certificates, written from SPEC.md
sections 2, 3, 4, 6, 7.1 and 7.3 alone (no CarbonLedger code): Python's hashlib for SHA-256 and
the `cryptography` package for Ed25519.

usage: verify_certificate.py CERTIFICATE.json VERIFIER_KEY
exits 0 and prints the summary if valid; exits 1 with the reason otherwise."""
import base64, hashlib, json, sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Invalid(Exception):
    pass


def canonical(value):
    # SPEC 2: RFC 8785 for integers, strings, booleans, null, arrays, objects. With ASCII keys,
    # Python's key order is the UTF-16 order; its escapes match JCS (lowercase \\u00xx).
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def h(b):
    return hashlib.sha256(b).digest()


def open_checkpoint(note, vkey):
    name, keyid, b64 = vkey.strip().split("+", 2)
    raw = base64.b64decode(b64)
    if raw[0] != 1 or len(raw) != 33 or h(name.encode() + b"\n" + raw)[:4].hex() != keyid:
        raise Invalid("malformed verifier key")
    text, _, sigs = note.rpartition("\n\n")
    text += "\n"
    # Every line of the trusted key must verify, in any order (c2sp.org/signed-note).
    verified = False
    for line in sigs.splitlines():
        dash, signame, sig64 = line.split(" ")
        sig = base64.b64decode(sig64)
        if dash == "\u2014" and signame == name and sig[:4].hex() == keyid:
            try:
                Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[4:], text.encode())
            except InvalidSignature:
                raise Invalid("checkpoint signature is invalid")
            verified = True
    if not verified:
        raise Invalid("checkpoint is not signed by that key")
    origin, size, root = text.split("\n")[:3]
    return origin, int(size), base64.b64decode(root)


def verify_inclusion(index, size, leaf, proof, root):
    # SPEC 7.1 (RFC 9162 2.1.3.2)
    if index >= size:
        raise Invalid("index beyond tree size")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Invalid("proof too long")
        if fn % 2 == 1 or fn == sn:
            r = h(b"\x01" + p + r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = h(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise Invalid("inclusion proof does not lead to the checkpoint root")


def proven(cert, name, cp):
    p = cert[name]
    entry_bytes = canonical(p["entry"])
    leaf = h(b"\x00" + entry_bytes)
    if p["leaf_hash"] != leaf.hex():
        raise Invalid(f"{name}.leaf_hash is not SHA-256(0x00 || canonical entry)")
    verify_inclusion(p["entry"]["seq"], cp[1], leaf, [bytes.fromhex(x) for x in p["hashes"]], cp[2])
    return p["entry"]


def verify(cert, vkey):
    if cert.get("type") != "carbonledger/retirement-certificate/v1":
        raise Invalid("not a retirement certificate")
    cp = open_checkpoint(cert["checkpoint"], vkey)
    ret, iss = proven(cert, "retirement", cp), proven(cert, "issuance", cp)
    r, i = ret["event"], iss["event"]
    if r["type"] != "units.retire" or i["type"] != "issuance.issue" or r["batch"] != i["batch"] or iss["seq"] >= ret["seq"]:
        raise Invalid("the entries are not a retirement from this issuance")
    prefix = f"CN-{i['region']}-{i['project']}-{i['vintage']}-{i['batch']}"
    previous, total, serials = 0, 0, []
    for lo, hi in r["ranges"]:
        if not (previous < lo <= hi <= i["units"]):
            raise Invalid("serial ranges are not ascending, disjoint and within the batch")
        previous, total = hi, total + hi - lo + 1
        serials.append(f"{prefix}-{lo}-{hi}")
    if total != r["units"]:
        raise Invalid("ranges do not total the retired units")
    summary = {
        "retirement": r["retirement"], "beneficiary": r["beneficiary"], "purpose": r["purpose"], "reason": r["reason"],
        "jurisdiction": r["jurisdiction"], "period_from": r["period_from"], "period_to": r["period_to"], "retired_by": r["account"],
        "units": r["units"], "amount_kg": r["units"], "amount_t": f"{r['units'] // 1000}.{r['units'] % 1000:03d}", "serials": serials,
        "batch": i["batch"], "project": i["project"], "vintage": i["vintage"], "region": i["region"], "request": i["request"],
        "lineage_root": i["lineage_root"], "batch_units": i["units"], "retired_at": ret["time"], "retirement_seq": ret["seq"],
        "issuance_seq": iss["seq"], "ledger": cp[0], "checkpoint_size": cp[1],
    }
    for k in ("beneficiary_account", "compliance"):
        if k in r:
            summary[k] = r[k]
    if canonical(summary) != canonical(cert["summary"]):
        raise Invalid("the summary does not match the proven entries")
    return summary


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    try:
        s = verify(json.load(open(sys.argv[1])), sys.argv[2])
    except (Invalid, KeyError, ValueError, TypeError) as e:
        print(f"INVALID: {e}", file=sys.stderr)
        return 1
    print(f"valid: {s['amount_t']} t for {s['beneficiary']}, serials {' '.join(s['serials'])}, entry {s['retirement_seq']} of {s['ledger']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
