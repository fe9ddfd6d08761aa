#if Jemalloc
import CJemalloc
#endif

/// The memory allocator `cledger` runs on: jemalloc, linked in place of glibc's malloc when the
/// package trait `Jemalloc` is on (the default; sanitizer builds turn it off). Every jemalloc call
/// is in this file.
///
/// Why: the pipelined sequencer allocates a batch's state on the rules thread and frees it on
/// the commit thread. Under glibc's malloc the two threads contended for one arena lock and
/// consolidated fast bins on every batch, and the same binary ingested behaviour reports
/// markedly faster on jemalloc (Benchmarks/RESULTS.md, "Measurements behind choices in the code").
public enum Allocator {
    /// jemalloc's version, or nil when jemalloc is not the allocator serving this thread (a
    /// build that lost the link, or a preloaded allocator taking precedence).
    public static var jemallocVersion: String? {
        #if Jemalloc
        guard let before = threadAllocatedBytes() else { return nil }
        // An allocation jemalloc must see: its per-thread counter moves only if it served it.
        let probe = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
        probe.storeBytes(of: 1, as: UInt8.self)
        let after = threadAllocatedBytes()
        probe.deallocate()
        guard let after, after >= before + (1 << 16) else { return nil }
        var version: UnsafePointer<CChar>?
        var size = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &version, &size, nil, 0) == 0, let version else { return nil }
        // "5.3.0-0-g54eaed1d8b...": the release, without the build's commit.
        return String(String(cString: version).split(separator: "-").first ?? "")
        #else
        return nil
        #endif
    }

    /// What `--report` prints: which allocator served the run.
    public static var description: String {
        jemallocVersion.map { "jemalloc \($0)" } ?? "not jemalloc (the C library's malloc)"
    }

    /// Bytes this thread has allocated through jemalloc, or nil when jemalloc's counters are
    /// not available.
    private static func threadAllocatedBytes() -> UInt64? {
        #if Jemalloc
        var value: UInt64 = 0
        var size = MemoryLayout<UInt64>.size
        return mallctl("thread.allocated", &value, &size, nil, 0) == 0 ? value : nil
        #else
        return nil
        #endif
    }
}
