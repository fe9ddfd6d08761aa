import CarbonLedger
import Foundation
import LedgerStore

/// Turns a fault inside LMDB while `verify` reads a damaged data file into a report. LMDB keeps
/// no page checksums: a damaged page can make it read wild memory and fault (SIGSEGV, SIGBUS)
/// or fail its own consistency assertion and abort, rather than return an error. The handlers
/// write where the verification had got to and why, then exit with status 3 (never 0), using
/// only async-signal-safe calls. An abort that is not LMDB's keeps the runtime's crash report.
enum CorruptionGuard {
    static let exitStatus: Int32 = 3

    static func install() {
        var fault = sigaction()
        fault.__sigaction_handler.sa_handler = { signal in reportDamage(signal) }
        sigemptyset(&fault.sa_mask)
        for s in [SIGSEGV, SIGBUS] { sigaction(s, &fault, nil) }

        var abort = sigaction()
        abort.__sigaction_handler.sa_handler = { signal in
            if LMDBFault.assertionFailed { reportDamage(signal) }
            var dfl = sigaction()
            dfl.__sigaction_handler.sa_handler = SIG_DFL
            sigaction(signal, &dfl, nil)
            raise(signal)
        }
        sigemptyset(&abort.sa_mask)
        sigaction(SIGABRT, &abort, nil)
    }
}

/// Writes the damage report for `signal` and exits with status 3. Stack memory only.
private func reportDamage(_ signal: Int32) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 512) { buffer in
        var n = 0
        func put(_ s: StaticString) {
            s.withUTF8Buffer { for b in $0 where n < buffer.count { buffer[n] = b; n += 1 } }
        }
        func put(_ v: UInt64) {
            var divisor: UInt64 = 1
            while v / divisor >= 10 { divisor *= 10 }
            while divisor > 0 && n < buffer.count { buffer[n] = UInt8(ascii: "0") + UInt8(v / divisor % 10); n += 1; divisor /= 10 }
        }
        if VerificationPosition.readingState {
            put("Error: FAIL: the state's data file (state/data.mdb) is damaged: ")
        } else if VerificationPosition.reading {
            put("Error: FAIL at seq ")
            put(VerificationPosition.seq)
            put(": the data file is damaged here: ")
        } else {
            put("Error: FAIL before the first entry: the data file is damaged: ")
        }
        if LMDBFault.assertionFailed {
            put("LMDB's consistency check failed reading it (see the line above)")
        } else {
            put("reading it made LMDB fault (signal ")
            put(UInt64(signal))
            put(")")
        }
        if VerificationPosition.readingState {
            put(". The log is not affected: remove the ledger directory's state/ subdirectory, and the next writer to open the ledger rebuilds it from the log.\n")
        } else {
            put(". The log cannot be read past this point; restore the ledger from a mirror or a backup.\n")
        }
        _ = write(2, buffer.baseAddress, n)
    }
    _exit(CorruptionGuard.exitStatus)
}
