import ArgumentParser
import CarbonLedger
import CLISupport
import Foundation
import LedgerCore
import LedgerDemo

struct BenchProofs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-proofs",
        abstract: "Time inclusion-proof generation (from the store) and offline verification at the ledger's size.")

    @OptionGroup var ledgerDirectory: LedgerDirectoryOption

    @Option(help: "Proofs to time (random seqs, fixed seed).")
    var samples: Int = 2000

    func run() throws {
        let ledger = try ledgerDirectory.openReadOnly()
        let info = try ledger.info()
        var rng = SplitMix64(seed: 6962)
        let seqs = (0..<samples).map { _ in UInt64.random(in: 0..<info.size, using: &rng) }
        var produce: [Double] = [], verify: [Double] = []
        for seq in seqs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let p = try ledger.inclusionProof(seq: seq)
            let t1 = DispatchTime.now().uptimeNanoseconds
            try p.verify(key: info.registryKey)
            let t2 = DispatchTime.now().uptimeNanoseconds
            produce.append(Double(t1 - t0) / 1000)
            verify.append(Double(t2 - t1) / 1000)
        }
        func pct(_ a: [Double], _ q: Double) -> String { String(format: "%.1f", a.sorted()[min(a.count - 1, Int(q * Double(a.count)))]) }
        print("inclusion proofs at tree size \(info.size), \(samples) random seqs: produce p50 \(pct(produce, 0.5)) us, p99 \(pct(produce, 0.99)) us; verify offline (checkpoint signature + path) p50 \(pct(verify, 0.5)) us, p99 \(pct(verify, 0.99)) us")
    }
}
