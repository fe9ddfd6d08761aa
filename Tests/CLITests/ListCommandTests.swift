import Foundation
import Testing
@testable import CarbonLedger
import LedgerCore
import TestSupport

/// `cledger list` and the collection routes' query (`Ledger.list`): every record once, in id
/// order, page by page, with the filters each kind documents.
@Suite struct ListCommandTests {
    @Test func everyListingPagesThroughEveryRecordOnceWithItsFilters() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "1"]).status == 0)
        let ledger = try Ledger(directory: d.sub("city"))
        for what in Listing.allCases {
            let all = try ledger.list(what, limit: 100_000)
            #expect(all.next == nil && !all.items.isEmpty, "\(what)")
            let ids = all.items.compactMap { $0["id"]?.stringValue }
            #expect(ids.count == all.items.count && Set(ids).count == ids.count, "\(what): \(ids)")
            // In id order (a methodology's versions by number, which its stored key pads).
            if what != .methodologies { #expect(ids == ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, "\(what): \(ids)") }
            // Pages of 3, each asked after the last page's next_after, give the same records.
            var paged: [String] = [], after: String? = nil
            for _ in 0..<1000 {
                let page = try ledger.list(what, after: after, limit: 3)
                paged += page.items.compactMap { $0["id"]?.stringValue }
                guard let next = page.next else { break }
                #expect(page.items.count == 3 && next == paged.last, "\(what)")
                after = next
            }
            #expect(paged == ids, "\(what): paged \(paged), whole \(ids)")
        }
        let people = try ledger.list(.accounts, filters: ["kind": "person"], limit: 1000).items
        #expect(people == (try ledger.list(.accounts, limit: 1000).items.filter { $0["kind"] == "person" }) && people.count >= 10)
        // A region filter keeps the region's accounts and those of regions under it.
        let shenzhen = try ledger.list(.accounts, filters: ["region": "440300"], limit: 1000).items
        #expect(shenzhen.contains { $0["region"] == "440304" } && shenzhen.allSatisfy { Region.covers("440300", $0["region"]!.stringValue!) })
        #expect(try ledger.list(.keys, filters: ["role": "verifier"], limit: 100).items.allSatisfy { $0["roles"]?.arrayValue?.contains("verifier") == true })
        #expect(throws: ListingError.unknownFilter(.batches, "kind")) { try ledger.list(.batches, filters: ["kind": "x"]) }
        // A cursor longer than any id is refused, not handed to LMDB (whose keys are at most 511 bytes).
        let long = String(repeating: "字", count: 200)
        #expect(throws: ListingError.badCursor(long)) { try ledger.list(.accounts, after: long) }
        #expect(try ledger.list(.accounts, after: String(repeating: "z", count: 255)).items.isEmpty)
        // A methodology is shown and asked after as ID/VERSION.
        let first = try #require(try ledger.list(.methodologies, limit: 1).items.first?["id"]?.stringValue)
        #expect(first.hasSuffix("/1"))
        #expect(try ledger.list(.methodologies, after: first, limit: 1).items.first?["id"]?.stringValue != first)
    }

    @Test func theCommandPrintsPagesAndRefusesWhatItCannotFilter() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "1"]).status == 0)
        let page = try CLI.run(["list", "accounts", "--dir", d.sub("city"), "--where", "kind=person", "--limit", "2"])
        let lines = page.stdout.split(separator: "\n")
        #expect(page.status == 0 && lines.count == 3 && lines[0].hasPrefix("r-00001  person  region ") && lines[2] == "more: --after r-00002", "\(page.stdout)")
        let next = try CLI.run(["list", "accounts", "--dir", d.sub("city"), "--where", "kind=person", "--limit", "2", "--after", "r-00002"])
        #expect(next.stdout.hasPrefix("r-00003  person"), "\(next.stdout)")
        let json = try JSONParser.parse(Array(try CLI.run(["list", "requests", "--dir", d.sub("city"), "--json"]).stdout.utf8))
        #expect(json["items"]?.arrayValue?.isEmpty == false && json["next_after"] == nil)
        #expect(try CLI.run(["list", "batches", "--dir", d.sub("city"), "--where", "project=nothing"]).stdout == "no batches with project=nothing\n")
        for (args, message) in [(["--where", "colour=red"], "accounts can be filtered by kind, region, employer, not colour"),
                                (["--where", "kind"], "give NAME=VALUE"), (["--where", "kind=a", "--where", "kind=b"], "given twice"),
                                (["--limit", "0"], "--limit must be 1 to 10000")] {
            let r = try CLI.run(["list", "accounts", "--dir", d.sub("city")] + args)
            #expect(r.status == 64 && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(try CLI.run(["list", "planets", "--dir", d.sub("city")]).status == 64)
    }

    @Test func theLeaderboardCommandRanksAndSaysWhyItCannot() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "2"]).status == 0)
        let ledger = try Ledger(directory: d.sub("city"))
        // The demo's days end yesterday (CST): a period of the last two days holds them.
        let yesterday = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 86_400_000).cstDay
        let before = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 2 * 86_400_000).cstDay
        let expected = try ledger.leaderboard(Leaderboard.Query(from: before, to: yesterday))
        #expect(expected.ranked > 3)
        let r = try CLI.run(["leaderboard", "--dir", d.sub("city"), "--from", before, "--to", yesterday, "--top", "3", "--account", expected.rows[3].account])
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(r.status == 0 && lines.count == 5, "\(r.stdout)\(r.stderr)")
        #expect(lines[0] == "leaderboard \(before)-\(yesterday): \(expected.ranked) accounts with credit", "\(lines[0])")
        #expect(lines[1].hasPrefix("   1  \(expected.rows[0].account)  \(Ledger.kilograms(expected.rows[0].creditedMg)) kg"), "\(lines[1])")
        #expect(lines[4] == "\(expected.rows[3].account): rank \(expected.rows[3].rank!) of \(expected.ranked), \(Ledger.kilograms(expected.rows[3].creditedMg)) kg")
        let json = try JSONParser.parse(Array(try CLI.run(["leaderboard", "--dir", d.sub("city"), "--from", before, "--to", yesterday, "--json"]).stdout.utf8))
        #expect(json == expected.json)
        for (args, message) in [([String](), "give the period as --month YYYYMM"), (["--month", "202613"], "--month 202613: give a month as YYYYMM"),
                                (["--from", "20261131", "--to", "20261201"], "--from 20261131: give a CST day"),
                                (["--month", "202611", "--from", "20261101"], "give the period as"), (["--month", "202611", "--top", "0"], "--top must be 1 to 1000")] {
            let bad = try CLI.run(["leaderboard", "--dir", d.sub("city")] + args)
            #expect(bad.status == 64 && bad.stderr.contains(message), "\(args): \(bad.stderr)")
        }
    }

    /// The demo's exchange sells at 40 yuan a tonne and gives the marathon its units: the
    /// market shows the month's volume and the priced sales' average.
    @Test func theMarketShowsVolumeAndPriceByMonth() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "2"]).status == 0)
        let rows = try JSONParser.parse(Array(try CLI.run(["market", "--dir", d.sub("city"), "--json"]).stdout.utf8)).arrayValue ?? []
        let all = try #require(rows.first { $0["currency"] == nil }), cny = try #require(rows.first { $0["currency"] == "CNY" })
        #expect(all["transfers"] == 3 && cny["transfers"] == 2 && all["priced_units"] == cny["units"] && all["units"]!.intValue! > cny["units"]!.intValue!)
        #expect(cny["minor_per_t"] == 4000 && cny["amount"]!.intValue! == cny["units"]!.intValue! * 4, "\(cny)")
        let text = try CLI.run(["market", "--dir", d.sub("city")]).stdout
        #expect(text.contains("  CNY  2 transfers  ") && text.contains("average 40.00 CNY/t"), "\(text)")
        #expect(try CLI.run(["verify", "--dir", d.sub("city")]).status == 0)
    }

    /// The demo's marathon states its footprint and retires toward it.
    @Test func anEventFootprintShowsItsProgressAndRetirements() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "2"]).status == 0)
        let listed = try CLI.run(["list", "footprints", "--dir", d.sub("city")]).stdout
        let id = try #require(listed.split(separator: " ").first.map(String.init), "\(listed)")
        let fp = try JSONParser.parse(Array(try CLI.run(["footprint", "--dir", d.sub("city"), id, "--json"]).stdout.utf8))
        let toward = try #require(fp["retirements_toward"]?.arrayValue)
        #expect(toward.count == 1 && fp["retirements"] == 1 && fp["retired_kg"] == toward[0]["units"] && fp["amount_kg"] == 10, "\(fp)")
        let retirement = try #require(toward[0]["retirement"]?.stringValue)
        #expect(try CLI.run(["certificate", "--dir", d.sub("city"), retirement]).stdout.contains(#""footprint":"\#(id)""#))
        let text = try CLI.run(["footprint", "--dir", d.sub("city"), id]).stdout
        #expect(text.contains("neutralised: \(fp["progress"]!.stringValue!) by 1 retirement") && text.contains("  \(retirement)  "), "\(text)")
        let missing = try CLI.run(["footprint", "--dir", d.sub("city"), "no-such-event"])
        #expect(missing.status == 1 && missing.stderr.contains("there is no event footprint no-such-event"), "\(missing.stderr)")
    }

    /// The demo's residents donate 50 g each with a sponsor pledging 1 yuan a gram.
    @Test func eachSponsorsPledgesAddUp() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "2"]).status == 0)
        let rows = try JSONParser.parse(Array(try CLI.run(["pledges", "--dir", d.sub("city"), "--json"]).stdout.utf8)).arrayValue ?? []
        let ledger = try Ledger(directory: d.sub("city"))
        let donations = try ledger.store.read { try $0.stateRecords(prefix: "don/") }.map(\.value).filter { $0["sponsor"] != nil }
        #expect(!donations.isEmpty && rows.count == 1, "\(rows)")
        #expect(rows.first?["donations"] == .int(Int64(donations.count)))
        #expect(rows.first?["pledge_fen"] == .int(donations.reduce(0) { $0 + ($1["pledge_fen"]?.intValue ?? 0) }))
        #expect(rows.first?["donated_mg"] == .int(donations.reduce(0) { $0 + ($1["amount_mg"]?.intValue ?? 0) }))
        let text = try CLI.run(["pledges", "--dir", d.sub("city")]).stdout
        #expect(text.hasPrefix("a Wuhan river-protection sponsor: \(donations.count == 1 ? "1 donation" : "\(donations.count) donations"), "), "\(text)")
    }

    /// The serials an account holds, as the API's holdings give them, with their full numbers.
    @Test func holdingsShowEverySerialBlock() throws {
        let d = TempDir()
        #expect(try CLI.run(["demo", "--dir", d.sub("city"), "--residents", "20", "--days", "2"]).status == 0)
        let ledger = try Ledger(directory: d.sub("city"))
        let view = try ledger.holdingsView("prj-szmetro")
        let (batch, blocks) = try #require(view["holdings"]?.objectValue?.members.first.map { ($0.key, $0.value.arrayValue ?? []) })
        let prefix = try #require(try ledger.state("batch/\(batch)")?["serial_prefix"]?.stringValue)
        let text = try CLI.run(["holdings", "--dir", d.sub("city"), "prj-szmetro"]).stdout
        for b in blocks {
            let first = b.arrayValue![0].intValue!, last = b.arrayValue![1].intValue!
            #expect(text.contains("  \(prefix)-\(first)-\(last)  [\(first), \(last)]\n"), "\(text)")
        }
        #expect(try JSONParser.parse(Array(try CLI.run(["holdings", "--dir", d.sub("city"), "prj-szmetro", "--json"]).stdout.utf8)) == view)
        #expect(try CLI.run(["holdings", "--dir", d.sub("city"), "r-00001"]).stdout == "r-00001 holds no units\n")
        let missing = try CLI.run(["holdings", "--dir", d.sub("city"), "nobody"])
        #expect(missing.status == 1 && missing.stderr.contains("account nobody is not open"), "\(missing.stderr)")
    }
}
