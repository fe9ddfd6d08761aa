import LedgerCore

/// A small Shenzhen for rule tests: two platforms, methodologies from the white paper's factor
/// tables (Shanghai 2021 travel factors; Luzhou clean-plate reference value), residents with
/// consents, an enterprise with an employee, and a public-welfare account.
public final class City {
    public let h: RuleHarness
    public var admin: NoteSigningKey { h.registry }
    public let metro = try! NoteSigningKey.generate(name: "szmetro-key")
    public let bike = try! NoteSigningKey.generate(name: "bikeshare-key")
    public let city = try! NoteSigningKey.generate(name: "greenlife-key")

    public init(rules: RuleSet = .latest, windows: Windows? = nil) throws {
        h = try RuleHarness(origin: "city.test/shenzhen", rules: rules, windows: windows)
        try h.submit([
            Self.register(metro, actor: "szmetro", scenarios: ["metro", "bus", "walking"], regions: ["440300"]),
            Self.register(bike, actor: "bikeshare", scenarios: ["bike", "ebike"], regions: ["440300"]),
            Self.register(city, actor: "greenlife", scenarios: ["*"], regions: ["440000"]),
            // 140 g/pkm baseline, 92 g/pkm metro: 48 mg per metre, at most 5 kg a day.
            ["type": "methodology.register", "id": "sz-metro", "version": 1, "title": "Metro trips", "scenario": "metro", "region": "440300",
             "unit": "m", "kind": "quantitative", "baseline_mg": 140, "project_mg": 92, "daily_cap_mg": 5_000_000,
             "valid_from": "2026-01-01T00:00:00.000Z"],
            ["type": "methodology.register", "id": "sz-bike", "version": 1, "title": "Shared bikes", "scenario": "bike", "region": "440300",
             "unit": "m", "kind": "quantitative", "factor_mg": 140, "valid_from": "2026-01-01T00:00:00.000Z"],
            ["type": "methodology.register", "id": "gd-bus", "version": 1, "title": "Bus rides", "scenario": "bus", "region": "440000",
             "unit": "trip", "kind": "quantitative", "factor_mg": 371_000, "valid_from": "2026-01-01T00:00:00.000Z"],
            ["type": "methodology.register", "id": "gd-clean-plate", "version": 1, "title": "Clean plate check-ins", "scenario": "clean_plate",
             "region": "440000", "unit": "check-in", "kind": "qualitative", "factor_mg": 144_000, "valid_from": "2026-01-01T00:00:00.000Z"],
            ["type": "account.open", "account": "e-1", "kind": "enterprise", "region": "440305"],
            ["type": "account.open", "account": "yangtze-fish", "kind": "welfare", "region": "420100"],
        ], by: admin)
        try h.submit([
            ["type": "account.open", "account": "p-1", "kind": "person", "region": "440305"],
            ["type": "account.open", "account": "p-2", "kind": "person", "region": "440305"],
            ["type": "account.open", "account": "w-1", "kind": "employee", "region": "440305", "employer": "e-1"],
            Self.consent("p-1", "szmetro"), Self.consent("p-2", "szmetro"), Self.consent("w-1", "szmetro"),
            ["type": "points.rule", "scenario": "metro", "points_per_event": 2, "mg_per_point": 100_000],
        ], by: metro)
        try h.submit([Self.consent("p-1", "bikeshare"), Self.consent("w-1", "bikeshare")], by: bike)
        try h.submit([Self.consent("p-1", "greenlife"), Self.consent("p-2", "greenlife"),
                      ["type": "points.rule", "scenario": "clean_plate", "points_per_event": 5]], by: city)
        h.time = Timestamp(rfc3339: "2026-11-21T12:00:00.000Z")!
    }

    public static func register(_ key: NoteSigningKey, actor: String, roles: [String] = ["platform"], scenarios: [String], regions: [String]) -> JSONValue {
        ["type": "key.register", "key": .string(key.verifierKey.description), "actor": .string(actor),
         "roles": .array(roles.map(JSONValue.string)), "scenarios": .array(scenarios.map(JSONValue.string)),
         "regions": .array(regions.map(JSONValue.string))]
    }

    public static func consent(_ account: String, _ platform: String, scenarios: [String] = ["*"]) -> JSONValue {
        ["type": "consent.grant", "account": .string(account), "platform": .string(platform),
         "scenarios": .array(scenarios.map(JSONValue.string)), "aggregate": true]
    }

    /// A behaviour report; times are minutes after 2026-11-21T08:00 UTC (16:00 in Shenzhen).
    /// A discrete act (no family) names its `act`: by default one derived from `ref`, so each
    /// report is its own act; `act: ""` leaves it out (rule set v1 has no acts).
    public static func trip(_ account: String, _ scenario: String, amount: Int64, from: Int64, to: Int64, ref: String,
                            region: String = "440305", act: String? = nil) -> JSONValue {
        let base: Int64 = 1_795_248_000_000  // 2026-11-21T08:00:00.000Z
        let start = Timestamp(millisecondsSinceEpoch: base + from * 60_000)
        var o: JSONObject = ["type": "behaviour.report", "account": .string(account), "scenario": .string(scenario), "region": .string(region),
                             "amount": .int(amount), "start": .string(start.rfc3339),
                             "end": .string(Timestamp(millisecondsSinceEpoch: base + to * 60_000).rfc3339), "source_ref": .string(ref)]
        if Scenario(rawValue: scenario)?.family == nil {
            let id = act ?? actID(scenario, merchant: "test-merchant", order: ref, day: start.cstDay)
            if !id.isEmpty { o["act"] = .string(id) }
        }
        return .object(o)
    }

    /// The test programme's salt for act identities and person pseudonyms.
    public static let salt = Array("city.test programme salt".utf8)

    public static func actID(_ scenario: String, merchant: String, order: String, day: String = "20261122") -> String {
        ActIdentity.act(salt: salt, scenario: scenario, merchant, order, day: day)
    }

    public func account(_ id: String) -> JSONValue { h.get("acct/\(id)")! }
    public func available(_ id: String) -> Int64 {
        let a = account(id)
        return a["credited_mg"]!.intValue! - a["reversed_mg"]!.intValue! - a["donated_mg"]!.intValue! - a["locked_mg"]!.intValue! - a["issued_mg"]!.intValue!
    }
    public func points(_ id: String, _ platform: String) -> Int64 {
        guard let p = h.get("pts/\(id)/\(platform)") else { return 0 }
        return (p["earned"]?.intValue ?? 0) - (p["reversed"]?.intValue ?? 0) - (p["redeemed"]?.intValue ?? 0)
    }
}
