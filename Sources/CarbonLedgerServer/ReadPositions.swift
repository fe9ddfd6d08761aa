import CarbonLedger
import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore

/// Read your writes (issue 23, item 4): every read of `/v1/` answers with `Ledger-State-Size`,
/// how many entries of the log (at least) the state it read reflects; a reader that was told
/// `tree_size` N for its submission sends `Ledger-Min-Size: N` and its read waits until the
/// state reflects N entries. The state is written after the log's commit, on the projector's
/// thread (`Projector`); this server answers a submission once the state has it too, so a read
/// after that answer never waits, and the contract is for reads racing another client's
/// submission and for clients of replicas (a mirror catching up).
///
/// While the state trails the log (N is at most the log's size) a read waits up to 10 s; for
/// entries the log does not hold yet it waits only when asked to (`Prefer: wait=SECONDS`, RFC
/// 7240, at most 60): otherwise it is answered at once with 412 `read.behind`.
final class ReadPositions: @unchecked Sendable {
    static let minSizeHeader = HTTPField.Name("Ledger-Min-Size")!
    static let stateSizeHeader = HTTPField.Name("Ledger-State-Size")!
    static let preferHeader = HTTPField.Name("Prefer")!
    /// How long a read waits for the state to reach entries the log holds, and at most.
    static let defaultWait = 10.0
    static let maxWait = 60.0
    /// How often a waiting read looks again without being told: entries appended by another
    /// process (a mirror's `cledger mirror`, a second writer) tell this server nothing.
    static let recheck: Duration = .milliseconds(200)

    private let sizes: @Sendable () throws -> (state: UInt64, log: UInt64)
    private let lock = NSLock()
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    init(sizes: @escaping @Sendable () throws -> (state: UInt64, log: UInt64)) { self.sizes = sizes }

    /// Reads waiting now (`carbonledger_reads_waiting` in /metrics).
    var waiting: Int { lock.withLock { waiters.count } }

    /// Wakes every waiting read to look again: called after this process appended.
    func advanced() {
        let woken = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for w in woken { w.resume() }
    }

    /// Where a read of `request` stands: the state's size now, and the size it asks for when the
    /// state is short of it. Throws the 400 of a malformed `Ledger-Min-Size`.
    func check(_ request: Request) throws(APIFailure) -> (state: UInt64, short: UInt64?) {
        let now = try current()
        guard let text = request.headers[Self.minSizeHeader] else { return (now.state, nil) }
        guard let wanted = UInt64(text.trimmingCharacters(in: .whitespaces)), wanted <= UInt64(JSONValue.maxSafeInteger) else {
            throw APIFailure(.badRequest, rule: "request.parameter", message: "header Ledger-Min-Size: must be a tree size, 0 to 2^53-1 (the tree_size of the submission the read must see)",
                             field: "Ledger-Min-Size")
        }
        return (now.state, now.state < wanted ? wanted : nil)
    }

    /// Waits as `request` asks for the state to reflect `wanted` entries; returns its size then,
    /// or throws the 412 of a state still short of it.
    func wait(for wanted: UInt64, _ request: Request) async throws(APIFailure) -> UInt64 {
        var now = try current()
        guard now.state < wanted else { return now.state }
        let asked = Self.preferredWait(request.headers[Self.preferHeader])
        let seconds = wanted <= now.log ? (asked ?? Self.defaultWait) : (asked ?? 0)
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while now.state < wanted && ContinuousClock.now < deadline {
            await sleep(until: min(deadline, ContinuousClock.now + Self.recheck))
            now = try current()
        }
        guard now.state >= wanted else {
            throw APIFailure(.preconditionFailed, rule: "read.behind",
                             message: "the ledger's state reflects \(now.state) entries (its log holds \(now.log)), fewer than the \(wanted) this read asked for (Ledger-Min-Size)\(wanted > now.log ? "; the log does not hold them yet: retry later, or ask the server to wait with Prefer: wait=SECONDS" : "; retry")",
                             field: "Ledger-Min-Size")
        }
        return now.state
    }

    private func current() throws(APIFailure) -> (state: UInt64, log: UInt64) {
        do { return try sizes() } catch {
            throw APIFailure(.internalServerError, rule: "server.storage", message: "could not read the ledger's size: \(error)")
        }
    }

    /// Sleeps until `instant` or until `advanced()`, whichever comes first.
    private func sleep(until instant: ContinuousClock.Instant) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let id = lock.withLock { () -> Int in
                nextWaiter += 1
                waiters[nextWaiter] = c
                return nextWaiter
            }
            Task {
                try? await Task.sleep(until: instant, clock: .continuous)
                let mine = self.lock.withLock { self.waiters.removeValue(forKey: id) }
                mine?.resume()
            }
        }
    }

    /// The seconds of `Prefer: wait=N` (RFC 7240), at most `maxWait`; nil when not asked (or
    /// malformed, which RFC 7240 says to ignore).
    static func preferredWait(_ header: String?) -> Double? {
        guard let header else { return nil }
        for preference in header.split(separator: ",") {
            let parts = preference.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0].lowercased() == "wait", let n = UInt64(parts[1]) else { continue }
            return min(Double(n), maxWait)
        }
        return nil
    }
}
