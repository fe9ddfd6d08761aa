#!/usr/bin/env python3
"""Checks Schemas/openapi.yaml against a running `cledger serve` of a demo city: the document is
valid OpenAPI 3.1, and every documented route answers as documented (a documented status, and a
body matching the documented schema). usage: check_openapi.py BASE_URL"""
import json, pathlib, sys, urllib.error, urllib.request

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

HERE = pathlib.Path(__file__).resolve().parent


def main():
    base = sys.argv[1].rstrip("/")
    doc = yaml.safe_load((HERE / "openapi.yaml").read_text())
    try:
        from openapi_spec_validator import validate
        validate(doc, base_uri=HERE.as_uri() + "/openapi.yaml")
    except ImportError:
        pass
    schemas = {p.name: json.loads(p.read_text()) for p in list(HERE.glob("*.schema.json")) + list(HERE.glob("events/*.schema.json"))}
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas.values()])

    def resolve(schema):
        if isinstance(schema, dict) and list(schema) == ["$ref"] and schema["$ref"] in schemas:
            return schemas[schema["$ref"]]
        # Inline schemas refer to the files beside the document: give them that base.
        return {**schema, "$id": "https://schemas.carbonledger.invalid/openapi-inline.json"}

    def call(method, url, body=None):
        req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    discovered = {}
    rets = json.loads(call("GET", base + "/v1/retirements")[2])
    if rets:
        discovered = {"retirement": rets[0]["id"], "batch": rets[0]["batch"]}
    requests = json.loads(call("GET", base + "/v1/requests?limit=1")[2]).get("items", [])
    if requests:
        discovered["request"] = requests[0]["id"]
    footprints = json.loads(call("GET", base + "/v1/footprints?limit=1")[2]).get("items", [])
    if footprints:
        discovered["footprint"] = footprints[0]["id"]
    passed, failed = 0, []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            url, query = path, []
            for p in op.get("parameters", []):
                value = p.get("example", discovered.get(p.get("x-discover")))
                if value is None:
                    continue
                if p["in"] == "path":
                    url = url.replace("{" + p["name"] + "}", str(value))
                else:
                    query.append(f"{p['name']}={value}")
            full = base + url + ("?" + "&".join(query) if query else "")
            body = b'{"events":[' if method == "post" else None  # a malformed body: the documented 400
            status, ctype, data = call(method.upper(), full, body)
            documented = op["responses"].get(str(status))
            if documented is None:
                failed.append(f"{method.upper()} {full}: status {status} is not documented")
                continue
            media = ctype.split(";")[0]
            content = documented.get("content", {}).get(media)
            if content is None:
                failed.append(f"{method.upper()} {full}: content type {media} is not documented for {status}")
                continue
            if media == "application/json":
                errors = list(Draft202012Validator(resolve(content["schema"]), registry=registry).iter_errors(json.loads(data)))
                if errors:
                    failed.append(f"{method.upper()} {full}: {errors[0].message[:200]}")
                    continue
            passed += 1
    # Every answering route must be documented, including unknowns' 404 bodies.
    status, ctype, data = call("GET", base + "/v1/accounts/no-such-account")
    if status != 404 or "error" not in json.loads(data):
        failed.append("unknown account is not a documented 404 error")
    else:
        passed += 1
    for f in failed:
        print("FAIL", f)
    print(f"openapi: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
