import Foundation
import Testing
import LedgerCore
@testable import CarbonLedger
import TestSupport

/// Leaderboards (issue 24, item 4): accounts ranked by what was credited for a period's
/// behaviours, net of reversals, with ties sharing a rank and the filters narrowing what counts.
@Suite struct LeaderboardTests {
    func at(_ t: String) -> Timestamp { Timestamp(rfc3339: t)! }

    @Test func accountsAreRankedByTheirNetCreditForThePeriod() throws {
        let c = try City()
        // 2026-11-21: p-1 two metro trips (48 mg/m), w-1 one of the same length as p-2's, p-2 one
        // more that is reversed; a bike ride for p-1 by the bike platform.
        try c.h.submit([City.trip("p-1", "metro", amount: 2_000, from: 0, to: 30, ref: "a"),
                        City.trip("p-1", "metro", amount: 1_000, from: 40, to: 60, ref: "b"),
                        City.trip("w-1", "metro", amount: 1_500, from: 0, to: 30, ref: "c"),
                        City.trip("p-2", "metro", amount: 1_500, from: 0, to: 30, ref: "d")], by: c.metro)
        let reversed = try c.h.submit([City.trip("p-2", "metro", amount: 9_000, from: 40, to: 60, ref: "e")], by: c.metro)
        try c.h.submit([["type": "behaviour.reverse", "seq": .int(Int64(reversed)), "reason": "duplicate card"]], by: c.metro)
        try c.h.submit([City.trip("p-1", "bike", amount: 1_000, from: 100, to: 110, ref: "bike-1")], by: c.bike)
        // The next day, which a leaderboard of the 21st leaves out.
        c.h.time = at("2026-11-22T12:00:00.000Z")
        try c.h.submit([City.trip("p-2", "metro", amount: 50_000, from: 24 * 60, to: 24 * 60 + 30, ref: "next-day")], by: c.metro)
        let d = TempDir()
        let (ledger, results) = try c.h.replayed(in: d)
        #expect(results.allSatisfy { if case .success = $0 { return true }; return false })

        var q = Leaderboard.Query(from: "20261121", to: "20261121")
        q.account = "p-2"
        let day = try ledger.leaderboard(q)
        #expect(day.rows.map(\.account) == ["p-1", "p-2", "w-1"] && day.ranked == 3, "\(day.rows)")
        let p1: Int64 = 3_000 * 48 + 1_000 * 140, one: Int64 = 1_500 * 48
        #expect(day.rows.map(\.creditedMg) == [p1, one, one])
        // Equal credit, equal rank (the tie in id order); the reversed trip counts for nothing.
        #expect(day.rows.map(\.rank) == [1, 2, 2] && day.rows.map(\.behaviours) == [3, 1, 1])
        #expect(day.account == Leaderboard.Row(rank: 2, account: "p-2", creditedMg: 72_000, behaviours: 1))
        q.platform = "szmetro"
        let metroOnly: Int64 = 3_000 * 48
        #expect(try ledger.leaderboard(q).rows.first?.creditedMg == metroOnly)
        q.platform = nil; q.scenario = "bike"; q.account = "w-1"
        let bikes = try ledger.leaderboard(q)
        #expect(bikes.rows.map(\.account) == ["p-1"] && bikes.account?.rank == nil && bikes.account?.creditedMg == 0)
        q.scenario = nil; q.region = "440300"
        #expect(try ledger.leaderboard(q).ranked == 3)
        q.region = "110000"
        #expect(try ledger.leaderboard(q).ranked == 0)
        // Two days: p-2's next-day trip puts it first; --top keeps the first ranks.
        var both = Leaderboard.Query(from: "20261121", to: "20261122")
        both.top = 1
        let two = try ledger.leaderboard(both)
        #expect(two.rows.map(\.account) == ["p-2"] && two.ranked == 3)
        #expect(Ledger.days(ofMonth: "202602")! == ("20260201", "20260228") && Ledger.days(ofMonth: "202402")! == ("20240201", "20240229"))
        #expect(Ledger.days(ofMonth: "202613") == nil && Ledger.days(ofMonth: "2026-1") == nil)
        #expect(throws: LeaderboardError.emptyPeriod("20261122", "20261121")) { try ledger.leaderboard(Leaderboard.Query(from: "20261122", to: "20261121")) }
        #expect(throws: LeaderboardError.badDay("from", "20261131")) { try ledger.leaderboard(Leaderboard.Query(from: "20261131", to: "20261201")) }
    }

    /// The exact decimals the CLI prints money and mass with, and the integer ratio behind
    /// prices per tonne and footprint progress.
    @Test func decimalsAndRatiosAreExact() {
        #expect(Ledger.yuan(4000) == "40.00" && Ledger.yuan(5) == "0.05" && Ledger.yuan(-150) == "-1.50" && Ledger.yuan(0) == "0.00")
        #expect(Ledger.kilograms(1_584_136) == "1.584136" && Ledger.kilograms(-1) == "-0.000001")
        #expect(Ledger.scaled(48, by: 1000, per: 12) == 4000 && Ledger.scaled(2, by: 1000, per: 10) == 200)
        #expect(Ledger.scaled(Int64.max / 10, by: 1000, per: Int64.max / 100) == 10_000, "the quotient first when the product would overflow")
        #expect(Ledger.footprintProgress(retiredKg: 2, amountKg: 10) == "20.0% (2 of 10 kg)")
        #expect(Ledger.footprintProgress(retiredKg: 1, amountKg: 3) == "33.3% (1 of 3 kg)")
    }
}
