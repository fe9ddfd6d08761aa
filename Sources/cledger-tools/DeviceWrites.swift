import Foundation

/// Bytes written to the block device that holds a directory, from the kernel's per-device
/// counters (`/sys/dev/block/MAJOR:MINOR/stat`, sectors written). `stress-append --report`
/// prints them for its timed span: how many bytes of pages each event costs the disk, which is
/// what limits ingest as the state grows. Device-wide, so the machine should otherwise be
/// quiet; nil where the counters are not available.
struct DeviceWrites {
    let statPath: String

    init?(directory: String) {
        var st = stat()
        guard stat(directory, &st) == 0 else { return nil }
        // glibc's dev_t encoding (the major()/minor() macros, which do not import into Swift).
        let dev = UInt64(st.st_dev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        let path = "/sys/dev/block/\(major):\(minor)/stat"
        guard FileManager.default.isReadableFile(atPath: path) else { return nil }
        statPath = path
    }

    /// Bytes written so far, after flushing the page cache so earlier writes are counted.
    func bytes() -> UInt64? {
        sync()
        guard let text = try? String(contentsOfFile: statPath, encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        // Field 7 (from 1): sectors written, 512 bytes each whatever the device's block size.
        guard fields.count >= 7, let sectors = UInt64(fields[6]) else { return nil }
        return sectors * 512
    }

    /// "; N bytes written to the device, M per event" since `start`, or "" when unknown.
    func report(since start: UInt64?, events: Int) -> String {
        guard let start, let end = bytes(), end >= start, events > 0 else { return "" }
        return "; \(end - start) bytes written to the device, \((end - start) / UInt64(events)) per event"
    }
}
