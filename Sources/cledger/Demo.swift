import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore
import LedgerDemo
import LedgerStore

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a realistic demo city in a new ledger, print what happened, then verify it.",
        discussion: """
            Shenzhen with a metro operator, a bike-share app, an EV-charging app and the city programme; \
            methodologies with the white paper's factors; residents with consents (one in 20 an employee); \
            days of behaviour including cross-platform double reports (refused), resent reports (idempotent), \
            over-cap days, then reversals, point redemptions and donations to a public-welfare project. \
            The directory gets the ledger and its registry key; explore it with `cledger account`, `stats`, \
            `replay`, `proof` and `verify`.
            """)

    @Option(help: "Ledger directory to create (new or empty).")
    var dir: String

    @Option(help: "Number of residents.")
    var residents: Int = 2000

    @Option(help: "Days of behaviour, ending yesterday.")
    var days: Int = 30

    @Option(help: "Seed of the generator (the same seed gives the same events).")
    var seed: UInt64 = 2023

    func validate() throws {
        guard (1...1_000_000).contains(residents) else { throw ValidationError("--residents must be 1 to 1000000") }
        guard (1...366).contains(days) else { throw ValidationError("--days must be 1 to 366") }
    }

    func run() throws {
        let start = Date()
        let registry = try NoteSigningKey.generate(name: "shenzhen-registry")
        let ledger = try Ledger.create(directory: dir, origin: "carbonledger.example/shenzhen", key: registry)
        var options = DemoCity.Options()
        options.residents = residents
        options.days = days
        options.seed = seed
        let city = try DemoCity(origin: "carbonledger.example/shenzhen", admin: registry, options: options, endingBefore: .now())
        let report = try DemoRunner(ledger: ledger, sequencer: try ledger.sequencer(), city: city).run()
        let built = Date().timeIntervalSince(start)

        let info = try ledger.info()
        let totals = try ledger.totals()
        print("demo city built in \(dir) in \(String(format: "%.1f", built)) s")
        print("registry key: \(info.registryKey)")
        print("log: \(info.size) entries in \(report.submissions) accepted submissions (\(report.events) events)")
        print("residents: \(residents) (\(residents / 20) employees of \(DemoCity.enterprises.joined(separator: ", "))); platforms: szmetro, bikeshare, evcharge, greenlife")
        func kg(_ k: String) -> String { Ledger.kilograms(totals[k]?.intValue ?? 0) + " kg" }
        print("behaviours: \(totals["behaviours"]?.intValue ?? 0); credited \(kg("credited_mg")), reversed \(kg("reversed_mg")), donated \(kg("donated_mg")), qualitative (points only) \(kg("qualitative_mg"))")
        print("duplicates ignored (same platform and source ref): \(totals["duplicates"]?.intValue ?? 0)")
        print("points: earned \(totals["points_earned"]?.intValue ?? 0), reversed \(totals["points_reversed"]?.intValue ?? 0), redeemed \(totals["points_redeemed"]?.intValue ?? 0)")
        print("refused submissions by rule: " + (report.refused.isEmpty ? "none" : report.refused.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        for m in report.refusedMessages { print("  e.g. \(m)") }
        print("issued: " + (report.batches.isEmpty ? "nothing" : report.batches.map { "batch \($0.batch) \($0.units) units (kg)" }.joined(separator: ", "))
              + "; units retired \(totals["units_retired"]?.intValue ?? 0), cancelled \(totals["units_cancelled"]?.intValue ?? 0)")
        print("retirements: " + (report.retirements.isEmpty ? "none" : report.retirements.joined(separator: ", ")))
        if let id = report.certificateRetirement {
            let path = (dir as NSString).appendingPathComponent("certificate-\(id).json")
            let cert = try ledger.certificate(id)
            guard FileManager.default.createFile(atPath: path, contents: Data(CanonicalJSON.encode(cert))) else {
                throw CLIError("\(path): cannot write the retirement certificate")
            }
            // Verified the way an exchange does it: the file and the registry's verifier key only.
            let summary = try RetirementCertificate.verify(Array(FileManager.default.contents(atPath: path)!), key: info.registryKey)
            print("certificate: \(path) verified offline: \(summary["amount_t"]?.stringValue ?? "?") t for \(summary["beneficiary"]?.stringValue ?? "?"), serials \(summary["serials"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? "")")
        }
        let verifyStart = Date()
        let v = try Verifier(store: ledger.store).verify()
        print("verify: OK, \(v.entries) entries, \(v.submissions) submissions, \(v.checkpointsChecked) checkpoints, \(v.stateKeysCompared) projections equal to a replay (\(String(format: "%.1f", Date().timeIntervalSince(verifyStart))) s)")
        print("try: cledger account --dir \(dir) \(DemoCity.resident(1)); cledger stats --dir \(dir) --by scenario,month; cledger retirements --dir \(dir) --format csv")
    }
}
