import Foundation

/// Counters and a commit-latency histogram, rendered as Prometheus text at /metrics.
final class Metrics: @unchecked Sendable {
    private let lock = NSLock()
    private var entries = 0, submissions = 0, requests = 0
    private var connections = 0, connectionsHighWater = 0
    private var rejections: [String: Int] = [:]
    private var latencySum = 0.0, latencyCount = 0
    private static let buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    private var latencyBuckets = [Int](repeating: 0, count: buckets.count)

    func accepted(events: Int, seconds: Double) {
        lock.lock(); defer { lock.unlock() }
        entries += events
        submissions += 1
        latencySum += seconds
        latencyCount += 1
        for (i, b) in Self.buckets.enumerated() where seconds <= b { latencyBuckets[i] += 1 }
    }

    func rejected(_ rule: String) {
        lock.lock(); defer { lock.unlock() }
        rejections[rule, default: 0] += 1
    }

    /// Counts a connection in unless `cap` are open already.
    func connectionOpened(cap: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard connections < cap else { return false }
        connections += 1
        connectionsHighWater = max(connectionsHighWater, connections)
        return true
    }

    func connectionClosed() {
        lock.lock(); defer { lock.unlock() }
        connections -= 1
    }

    func request() {
        lock.lock(); defer { lock.unlock() }
        requests += 1
    }

    /// The metrics, with the sequencer's count of failed state commits (0 for a replica).
    func text(stateFaults: Int, readsWaiting: Int) -> String {
        lock.lock(); defer { lock.unlock() }
        var out = """
        # HELP carbonledger_state_commit_failures_total State commits that failed after their log commit (the state is caught up from the log before the next batch).
        # TYPE carbonledger_state_commit_failures_total counter
        carbonledger_state_commit_failures_total \(stateFaults)
        # HELP carbonledger_reads_waiting Reads waiting now for the state to reach the Ledger-Min-Size they asked for.
        # TYPE carbonledger_reads_waiting gauge
        carbonledger_reads_waiting \(readsWaiting)
        # HELP carbonledger_entries_appended_total Entries appended by this process.
        # TYPE carbonledger_entries_appended_total counter
        carbonledger_entries_appended_total \(entries)
        # HELP carbonledger_submissions_accepted_total Submissions appended by this process.
        # TYPE carbonledger_submissions_accepted_total counter
        carbonledger_submissions_accepted_total \(submissions)
        # HELP carbonledger_http_requests_total HTTP requests served.
        # TYPE carbonledger_http_requests_total counter
        carbonledger_http_requests_total \(requests)
        # HELP carbonledger_http_connections Connections open now.
        # TYPE carbonledger_http_connections gauge
        carbonledger_http_connections \(connections)
        # HELP carbonledger_http_connections_max Most connections open at once since the server started (at most --max-connections).
        # TYPE carbonledger_http_connections_max gauge
        carbonledger_http_connections_max \(connectionsHighWater)
        # HELP carbonledger_submissions_rejected_total Submissions refused, by rule.
        # TYPE carbonledger_submissions_rejected_total counter

        """
        for (rule, n) in rejections.sorted(by: { $0.key < $1.key }) { out += "carbonledger_submissions_rejected_total{rule=\"\(rule)\"} \(n)\n" }
        out += """
        # HELP carbonledger_commit_latency_seconds Time from receiving a submission to its durable commit.
        # TYPE carbonledger_commit_latency_seconds histogram

        """
        for (i, b) in Self.buckets.enumerated() { out += "carbonledger_commit_latency_seconds_bucket{le=\"\(b)\"} \(latencyBuckets[i])\n" }
        out += "carbonledger_commit_latency_seconds_bucket{le=\"+Inf\"} \(latencyCount)\n"
        out += "carbonledger_commit_latency_seconds_sum \(latencySum)\ncarbonledger_commit_latency_seconds_count \(latencyCount)\n"
        return out
    }
}
