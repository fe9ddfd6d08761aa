import ArgumentParser
import CarbonLedger
import Foundation

/// Fault injection for the crash tests: `CARBONLEDGER_FAULT=STAGE:N` makes `verify --audit-state`
/// stop at the Nth chunk commit's `AuditCommitPoint` (STAGE `audit-before-commit` or
/// `audit-after-commit`), say so on standard error (`fault point STAGE:N reached at position P`)
/// and wait there until it is killed. A test kills it once it has read that line, so the kill
/// comes at a known instant whatever the machine's speed. Unset, nothing is installed.
enum FaultInjection {
    static let variable = "CARBONLEDGER_FAULT"

    static func auditCommitHook(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (@Sendable (AuditCommitPoint) -> Void)? {
        guard let spec = environment[variable] else { return nil }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        let stages = AuditCommitPoint.Stage.allCases.map(\.rawValue).joined(separator: " or ")
        guard parts.count == 2, let stage = AuditCommitPoint.Stage(rawValue: String(parts[0])),
              let n = Int(parts[1]), n >= 1 else {
            throw ValidationError("\(variable)=\(spec): expected STAGE:N with STAGE \(stages) and N a chunk commit from 1")
        }
        return { point in
            guard point.stage == stage, point.commit == n else { return }
            FileHandle.standardError.write(Data("fault point \(spec) reached at position \(point.position)\n".utf8))
            while true { pause() }
        }
    }
}
