import LedgerCore

/// The city plus a metro project with its verifier, issuer, holders and an exchange, and
/// 3 x 100 km of metro trips on 2026-11-21 (3 x 4.8 kg).
public final class Market {
    public let c: City
    public let verifier = try! NoteSigningKey.generate(name: "cqc-key")
    public let issuer = try! NoteSigningKey.generate(name: "sz-eeb-issuer")
    public let owner = try! NoteSigningKey.generate(name: "prj-metro-key")
    public let byd = try! NoteSigningKey.generate(name: "byd-key")
    public let exchange = try! NoteSigningKey.generate(name: "szex-key")
    public var tripSeqs: [UInt64] = []

    public init(rules: RuleSet = .latest) throws {
        c = try City(rules: rules)
        // v2 offset rules say which units are eligible: Guangdong's, metro and bus, 2026-2030.
        let eligible: JSONObject = rules >= .v2
            ? ["regions": ["440000"], "scenarios": ["metro", "bus"], "vintage_from": 2026, "vintage_to": 2030] : [:]
        func offsetRule(_ o: JSONObject) -> JSONValue {
            var rule = o
            for m in eligible.members { rule[m.key] = m.value }
            return .object(rule)
        }
        try c.h.submit([
            City.register(verifier, actor: "cqc", roles: ["verifier"], scenarios: ["*"], regions: ["440000"]),
            City.register(issuer, actor: "sz-eeb", roles: ["issuer"], scenarios: ["*"], regions: ["440300"]),
            City.register(owner, actor: "prj-metro", roles: ["holder"], scenarios: ["*"], regions: ["*"]),
            City.register(byd, actor: "e-byd", roles: ["holder"], scenarios: ["*"], regions: ["*"]),
            City.register(exchange, actor: "szex", roles: ["exchange"], scenarios: ["*"], regions: ["*"]),
            ["type": "account.open", "account": "prj-metro", "kind": "project", "region": "440300"],
            ["type": "account.open", "account": "e-byd", "kind": "enterprise", "region": "440307"],
            offsetRule(["type": "offset.rule", "scheme": "hubei-ets", "max_permille": 100, "gap_limited": true,
                        "description": "Hubei: offsets at most 10% of the initial annual allowance and no more than the allowance gap"]),
            offsetRule(["type": "offset.rule", "scheme": "strict-ets", "max_permille": 5, "gap_limited": false, "description": "0.5% of the allowance"]),
        ], by: c.admin)
        try c.h.submit([["type": "project.register", "project": "metro-2026", "owner": "prj-metro", "methodologies": ["sz-metro", "gd-bus"],
                         "region": "440300", "description": "Shenzhen Metro low-carbon trips aggregated"]], by: c.metro)
        for (i, a) in ["p-1", "p-2", "w-1"].enumerated() {
            tripSeqs.append(try c.h.submit([City.trip(a, "metro", amount: 100_000, from: Int64(60 * i), to: Int64(60 * i + 50), ref: "long-\(a)")], by: c.metro))
        }
        c.h.time = Timestamp(rfc3339: "2026-11-23T02:00:00.000Z")!
    }

    public func request(_ id: String, from: String = "20261121", to: String = "20261121") -> JSONValue {
        ["type": "issuance.request", "request": .string(id), "project": "metro-2026", "period_from": .string(from), "period_to": .string(to)]
    }
    public func root(_ id: String) -> String { c.h.get("req/\(id)")!["root"]!.stringValue! }
    public func approve(_ id: String, _ mg: Int64) -> JSONValue {
        ["type": "issuance.verify", "request": .string(id), "decision": "approve", "amount_mg": .int(mg),
         "report_hash": .string(String(repeating: "ab", count: 32)), "lineage_root": .string(root(id))]
    }
    public func issue(_ id: String, batch: String, units: Int64) -> JSONValue {
        ["type": "issuance.issue", "request": .string(id), "project": "metro-2026", "batch": .string(batch), "vintage": "2026", "region": "440300",
         "units": .int(units), "lineage_root": .string(root(id))]
    }
    public func retire(_ id: String, account: String, ranges: [[Int64]], purpose: String = "voluntary", beneficiary: String = "BYD Auto",
                       extra: [String: JSONValue] = [:], batch: String = "b1") -> JSONValue {
        var o: JSONObject = ["type": "units.retire", "retirement": .string(id), "batch": .string(batch), "account": .string(account),
                             "ranges": .array(ranges.map { .array($0.map(JSONValue.int)) }), "units": .int(ranges.reduce(0) { $0 + $1[1] - $1[0] + 1 }),
                             "beneficiary": .string(beneficiary), "purpose": .string(purpose), "reason": "2026 operations",
                             "jurisdiction": "CN-44", "period_from": "20260101", "period_to": "20261231"]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }
    /// Issues 14 units of batch b1 to prj-metro.
    public func issued() throws {
        try c.h.submit([request("rq-1")], by: c.metro)
        try c.h.submit([approve("rq-1", 14_400_000)], by: verifier)
        try c.h.submit([issue("rq-1", batch: "b1", units: 14)], by: issuer)
    }
    public func holdings(_ account: String) -> [[Int64]] {
        c.h.state.writes.keys.filter { $0.hasPrefix("hold/\(account)/b1/") }.sorted()
            .compactMap { k in c.h.get(k).map { [Int64(k.split(separator: "/").last!)!, $0["last"]!.intValue!] } }
    }
}
