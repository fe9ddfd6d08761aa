/// The packed byte of each member name an encoder wrote, found again by the address of the name's
/// literal: the rules checkpoint's writer packs every record of a step with one encoder, and
/// hashing each member's name to find its byte (`PackedRecord.id(of:)`) was a tenth of the
/// step's instructions (callgrind; Benchmarks/RESULTS.md). A literal's bytes never move or
/// change, so an address seen before has the same name. Fixed storage behind pointers: the
/// same table in a class's arrays cost more in exclusivity checks and retains than it saved.
final class PackedNameCache {
    private static let slots = 512
    private let addresses = UnsafeMutablePointer<UInt>.allocate(capacity: PackedNameCache.slots)
    /// The name's byte, or `inlineName` for a name written out.
    private let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: PackedNameCache.slots)

    init() {
        addresses.initialize(repeating: 0, count: Self.slots)
        bytes.initialize(repeating: 0, count: Self.slots)
    }

    deinit {
        addresses.deallocate()
        bytes.deallocate()
    }

    /// Writes `name` as `PackedRecord.writeName` does.
    func write(_ name: StaticString, into out: inout [UInt8]) {
        guard name.hasPointerRepresentation else { return PackedRecord.writeName(name, into: &out) }
        let address = UInt(bitPattern: name.utf8Start)
        // Fibonacci hashing of the address (literals lie close together) to 9 bits: 512 slots.
        let slot = Int(truncatingIfNeeded: (UInt64(address) &* 0x9E37_79B9_7F4A_7C15) >> 55)
        if addresses[slot] != address {
            addresses[slot] = address
            bytes[slot] = PackedRecord.id(of: name) ?? PackedRecord.inlineName
        }
        if bytes[slot] == PackedRecord.inlineName { return PackedRecord.writeName(name, into: &out) }
        out.append(bytes[slot])
    }
}
