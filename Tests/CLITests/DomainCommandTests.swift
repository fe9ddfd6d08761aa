import Foundation
import Testing
import LedgerCore
import CarbonLedger
import TestSupport

/// `cledger demo`, `account`, `stats` and `replay` as a person runs them.
@Suite struct DomainCommandTests {
    @Test func demoBuildsAVerifiedCityAndTheQueriesReadIt() throws {
        let d = TempDir()
        let demo = try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "120", "--days", "3"])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("refused submissions by rule: behaviour.double_counted"))
        #expect(demo.stdout.contains("verify: OK"))
        let dupLine = demo.stdout.split(separator: "\n").first { $0.hasPrefix("duplicates ignored") } ?? ""
        #expect((Int(dupLine.split(separator: " ").last ?? "") ?? 0) > 0, "resent reports must show as duplicates: \(dupLine)")
        #expect(try CLI.run(["demo", "--dir", d.sub("city")]).stderr.contains("already holds a ledger"))

        let account = try CLI.run(["account", "--dir", d.sub("city"), "r-00001", "--json"])
        #expect(account.status == 0)
        let view = try JSONParser.parse(Array(account.stdout.utf8))
        let credited = view["credited_mg"]!.intValue!, reversed = view["reversed_mg"]!.intValue!, donated = view["donated_mg"]!.intValue!
        let locked = view["locked_mg"]!.intValue!, issued = view["issued_mg"]!.intValue!
        #expect(credited > 0 && issued > 0 && view["available_mg"]?.intValue == credited - reversed - donated - locked - issued)
        #expect(view["history"]?.arrayValue?.first?["event"] == "account.open")
        let text = try CLI.run(["account", "--dir", d.sub("city"), "e-pingan"])
        #expect(text.stdout.contains("employees:") && text.stdout.contains("net"))
        // Issue 21: an admin alone cannot hand Tencent's units to a key of its making; two admins
        // recover Tencent's lost key, and the account shows who moves its units now.
        #expect(demo.stdout.contains("key.holder_exists 1") && demo.stdout.contains("compliance.eligibility 1"), "\(demo.stdout)")
        let tencent = try CLI.run(["account", "--dir", d.sub("city"), "e-tencent"]).stdout
        #expect(tencent.contains("holder key: e-tencent-key+") && tencent.contains(", revoked at seq ")
                && tencent.contains("holder key: e-tencent-recovered+") && tencent.contains("by recovery rec-e-tencent-1, active)")
                && tencent.contains("recovery rec-e-tencent-1: approved, proposed by shenzhen-registry, decided by sz-eeb-admin"), "\(tencent)")
        #expect(tencent.contains("key.recover.approve"))
        let missing = try CLI.run(["account", "--dir", d.sub("city"), "r-99999"])
        #expect(missing.status != 0 && missing.stderr.contains("account r-99999 is not open"))

        let csv = try CLI.run(["stats", "--dir", d.sub("city"), "--by", "scenario,day", "--format", "csv"])
        #expect(csv.status == 0)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "scenario,day,behaviours,credited_mg,qualitative_mg,capped_mg,reversed_mg,reversals,points,duplicates")
        let bikeRejected = lines.filter { $0.hasPrefix("bike,") }.map { Int($0.split(separator: ",").last!)! }.reduce(0, +)
        #expect(bikeRejected > 0)
        let json = try CLI.run(["stats", "--dir", d.sub("city"), "--by", "region", "--format", "json"])
        let rows = try JSONParser.parse(Array(json.stdout.utf8)).arrayValue!
        #expect(rows.count == 7)  // the seven districts
        let totals = try JSONParser.parse(Array(try CLI.run(["replay", "--dir", d.sub("city"), "--as-of", "2999-01-01T00:00:00.000Z", "--json"]).stdout.utf8))
        #expect(rows.map { $0["credited_mg"]!.intValue! }.reduce(0, +) == totals["totals"]?["credited_mg"]?.intValue)
        #expect(totals["equals_live_projections"] == .bool(true))
        let bad = try CLI.run(["stats", "--dir", d.sub("city"), "--by", "colour"])
        #expect(bad.status != 0 && bad.stderr.contains("cannot group by \"colour\""))

        let asOf = try CLI.run(["replay", "--dir", d.sub("city"), "--as-of", "100", "--json"])
        let partial = try JSONParser.parse(Array(asOf.stdout.utf8))
        #expect(partial["entries"]!.intValue! <= 101 && partial["equals_live_projections"] == .null)
        #expect(try CLI.run(["replay", "--dir", d.sub("city"), "--as-of", "yesterday"]).stderr.contains("--as-of must be a seq or an RFC 3339"))
        #expect(try CLI.run(["replay", "--dir", d.sub("city"), "--as-of", "1999-01-01T00:00:00.000Z"]).stderr.contains("before the genesis"))
        #expect(try CLI.run(["verify", "--dir", d.sub("city")]).status == 0)

        // The market: retirements registry, certificate export, offline verification, rendering.
        #expect(demo.stdout.contains("refused submissions by rule:") && demo.stdout.contains("units.double_spend 1"))
        let registry = try JSONParser.parse(Array(try CLI.run(["retirements", "--dir", d.sub("city")]).stdout.utf8)).arrayValue!
        #expect(registry.count == 3 && registry.allSatisfy { $0["id"] != nil && $0["serials"] != nil })
        let id = registry[0]["id"]!.stringValue!
        let vkey = try JSONParser.parse(Array(try CLI.run(["info", "--dir", d.sub("city"), "--json"]).stdout.utf8))["registry_key"]!.stringValue!
        #expect(try CLI.run(["certificate", "--dir", d.sub("city"), id, "--out", d.sub("cert.json")]).status == 0)
        let ok = try CLI.run(["certificate", "verify", d.sub("cert.json"), "--key", vkey])
        #expect(ok.status == 0 && ok.stdout.contains("certificate valid: retirement \(id)"))
        let render = try CLI.run(["certificate", "render", d.sub("cert.json"), "--key", vkey, "--out", d.sub("cert.html")])
        #expect(render.status == 0)
        let html = String(decoding: FileManager.default.contents(atPath: d.sub("cert.html")) ?? Data(), as: UTF8.self)
        #expect(html.contains(registry[0]["beneficiary"]!.stringValue!.replacingOccurrences(of: "'", with: "'")) && html.contains("Verified offline"))
        let forged = d.write("forged.json", String(decoding: FileManager.default.contents(atPath: d.sub("cert.json"))!, as: UTF8.self)
            .replacingOccurrences(of: "\"units\":", with: "\"units\":1"))
        let forgedResult = try CLI.run(["certificate", "verify", forged, "--key", vkey])
        #expect(forgedResult.status != 0 && forgedResult.stderr.contains("INVALID"))
        #expect(try CLI.run(["certificate", "--dir", d.sub("city"), "ret-nope"]).stderr.contains("no retirement ret-nope"))
        let lineage = try CLI.run(["lineage", "--dir", d.sub("city"), registry[0]["batch"]!.stringValue!, "--json"])
        let l = try JSONParser.parse(Array(lineage.stdout.utf8))
        #expect(lineage.status == 0 && l["matches"] == true && (l["seqs"]?.arrayValue?.count ?? 0) > 0)
        #expect(try CLI.run(["lineage", "--dir", d.sub("city"), "nope"]).stderr.contains("no issuance request or batch nope"))
        // The lineage bundle: checked offline with the registry key alone; any edit refused.
        let batchID = registry[0]["batch"]!.stringValue!
        let bundle = try CLI.run(["lineage", "--dir", d.sub("city"), batchID, "--bundle"])
        #expect(bundle.status == 0, "\(bundle.stderr)")
        let bundleFile = d.write("lineage.json", bundle.stdout)
        let valid = try CLI.run(["lineage", "verify", bundleFile, "--key", vkey])
        let lockedCount = l["seqs"]?.arrayValue?.count ?? -1
        #expect(valid.status == 0 && valid.stdout.contains("lineage valid: batch \(batchID)") && valid.stdout.contains("\(lockedCount) behaviour entries"), "\(valid.stderr)")
        var doc = try JSONParser.parse(Array(bundle.stdout.utf8)).objectValue!
        var behaviours = doc["behaviours"]!.arrayValue!
        let first = behaviours.removeFirst()
        doc["behaviours"] = .array(behaviours)
        let dropped = d.write("lineage-dropped.json", CanonicalJSON.string(.object(doc)))
        var edited = first.objectValue!
        var event = first["event"]!.objectValue!
        event["amount"] = .int((event["amount"]?.intValue ?? 0) + 1)
        edited["event"] = .object(event)
        doc["behaviours"] = .array([.object(edited)] + behaviours)
        let changed = d.write("lineage-changed.json", CanonicalJSON.string(.object(doc)))
        for (file, key) in [(dropped, vkey), (changed, vkey), (bundleFile, try NoteSigningKey.generate(name: "x").verifierKey.description)] {
            let r = try CLI.run(["lineage", "verify", file, "--key", key])
            #expect(r.status == 1 && r.stderr.contains("INVALID"), "\(r.stderr)")
        }
        let registryCSV = try CLI.run(["retirements", "--dir", d.sub("city"), "--format", "csv"])
        #expect(registryCSV.stdout.hasPrefix("id,date,beneficiary,purpose,reason,units,amount_t,serials,project,vintage,batch,jurisdiction,retired_by,seq,"
                                             + "beneficiary_account,compliance_scheme,compliance_year,allowance_t,gap_t,offset_kg,footprint\n"))
        // The compliance retirement's row carries the scheme and the authority's allowance.
        let byd = registryCSV.stdout.split(separator: "\n").first { $0.hasPrefix("ret-byd-") }
        #expect(byd?.hasSuffix(",e-byd,guangdong-ets,2026,120000,800,\(registry.first { $0["id"]?.stringValue?.hasPrefix("ret-byd-") == true }?["units"]?.intValue ?? -1),") == true,
                "\(byd ?? "no BYD row")")
        // The registry filtered: by any part of the beneficiary's name, case aside, and exactly by the rest.
        let marathon = try JSONParser.parse(Array(try CLI.run(["retirements", "--dir", d.sub("city"), "--where", "beneficiary=MARATHON"]).stdout.utf8)).arrayValue ?? []
        #expect(!marathon.isEmpty && marathon.count == registry.filter { $0["beneficiary"]?.stringValue?.lowercased().contains("marathon") == true }.count)
        #expect(marathon.allSatisfy { $0["footprint"]?.stringValue?.hasPrefix("sz-marathon-") == true })
        let compliance = try JSONParser.parse(Array(try CLI.run(["retirements", "--dir", d.sub("city"), "--where", "purpose=compliance", "--where", "retired_by=e-byd"]).stdout.utf8))
        #expect(compliance.arrayValue?.map { $0["id"] } == registry.filter { $0["purpose"] == "compliance" && $0["retired_by"] == "e-byd" }.map { $0["id"] })
        let refused = try CLI.run(["retirements", "--dir", d.sub("city"), "--where", "colour=red"])
        #expect(refused.status == 64 && refused.stderr.contains("retirements can be filtered by beneficiary,"), "\(refused.stderr)")
    }
}
