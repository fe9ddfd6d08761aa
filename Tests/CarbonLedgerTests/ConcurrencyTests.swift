import Foundation
import Testing
import LedgerCore
import LedgerDemo
import LedgerStore
@testable import CarbonLedger
import TestSupport

/// Many concurrent submitters, as the HTTP server has them, racing through one group committer
/// for the same real-world act: exactly one report counts, whatever the interleaving.
@Suite struct ConcurrencyTests {
    static let origin = "carbonledger.example/race"

    /// A demo city with its setup appended, and a resident who consented to both `a` and `b`.
    func city(_ dir: TempDir, platforms a: String, _ b: String) throws -> (Ledger, Sequencer, DemoCity, String) {
        let (ledger, city, _) = try newDemoCity(dir, origin: Self.origin, residents: 200, days: 1)
        let sequencer = try ledger.sequencer()
        for r in try sequencer.append(try city.setup(), now: .now()) { _ = try r.get() }
        let resident = try #require(try (0..<200).map(DemoCity.resident).first { id in
            try ledger.state("consent/\(id)/\(a)") != nil && ledger.state("consent/\(id)/\(b)") != nil && ledger.state("acct/\(id)")?["kind"] == "person"
        })
        return (ledger, sequencer, city, resident)
    }

    func trip(_ account: String, _ scenario: String, amount: Int64, start: Timestamp, minutes: Int64, ref: String) -> JSONValue {
        ["type": "behaviour.report", "account": .string(account), "scenario": .string(scenario), "region": "440304", "amount": .int(amount),
         "start": .string(start.rfc3339), "end": .string(Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + minutes * 60_000).rfc3339),
         "source_ref": .string(ref)]
    }

    @Test func racingDoubleReportsOfOneJourneyCreditItOnce() async throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try city(dir, platforms: "szmetro", "greenlife")
        let before = try #require(try ledger.state("acct/\(resident)"))
        let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 3 * 3_600_000)
        // 32 reports of the same journey: metro by the metro operator and bus by the city
        // programme, each with its own source reference and a slightly different interval, all
        // overlapping: one real-world act.
        let subs = try (0..<32).map { i in
            let from = Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + Int64(i % 5) * 60_000)
            return i % 2 == 0
                ? try city.sign(trip(resident, "metro", amount: 8_000 + Int64(i), start: from, minutes: 20, ref: "metro-race-\(i)"), by: "szmetro")
                : try city.sign(trip(resident, "bus", amount: 1, start: from, minutes: 20, ref: "bus-race-\(i)"), by: "greenlife")
        }
        let committer = GroupCommitter(sequencer: sequencer)
        let results = await committer.race(subs)
        committer.shutdown()
        let won = results.filter { if case .success = $0 { return true }; return false }.count
        let doubleCounted = results.compactMap { r -> RuleViolation? in if case .failure(let e) = r { return e as? RuleViolation }; return nil }
            .filter { $0.id == "behaviour.double_counted" }
        #expect(won == 1 && doubleCounted.count == 31, "won \(won), double counted \(doubleCounted.count): \(results)")
        // Each refusal names the entry that holds the journey: the single winner.
        let winner = try #require(results.compactMap { try? $0.get() }.first)
        #expect(doubleCounted.allSatisfy { $0.conflictingSeq == winner.firstSeq })
        let after = try #require(try ledger.state("acct/\(resident)"))
        #expect(after["behaviours"]!.intValue! == before["behaviours"]!.intValue! + 1)
        _ = try Verifier(store: ledger.store).verify()
    }

    @Test func racingResendsOfOneReportAreIdempotent() async throws {
        let dir = TempDir()
        let (ledger, sequencer, city, resident) = try city(dir, platforms: "szmetro", "greenlife")
        let before = try #require(try ledger.state("acct/\(resident)"))
        let start = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 2 * 3_600_000)
        // The same report (same platform, same source reference) sent 24 times at once, each in
        // its own submission (a resend carries a new note so the submissions differ).
        let report = trip(resident, "metro", amount: 9_000, start: start, minutes: 25, ref: "resent-ride")
        let subs = try (0..<24).map { i in
            try city.sign([report, ["type": "note", "text": .string("resend \(i)")]], by: city.platforms["szmetro"]!)
        }
        let committer = GroupCommitter(sequencer: sequencer)
        let results = await committer.race(subs)
        committer.shutdown()
        #expect(results.allSatisfy { if case .success = $0 { return true }; return false }, "\(results)")
        let after = try #require(try ledger.state("acct/\(resident)"))
        #expect(after["behaviours"]!.intValue! == before["behaviours"]!.intValue! + 1)
        #expect(after["credited_mg"]!.intValue! - before["credited_mg"]!.intValue! == 9_000 * 48)
        _ = try Verifier(store: ledger.store).verify()
    }
}
