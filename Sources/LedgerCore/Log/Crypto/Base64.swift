import Foundation

/// Standard base64 (RFC 4648 section 4) with padding, as C2SP signed notes use it.
public enum Base64 {
    public static func encode<C: Sequence>(_ bytes: C) -> String where C.Element == UInt8 {
        Data(bytes).base64EncodedString()
    }

    /// Decodes strict standard base64: no whitespace, padding required, and the text must be the
    /// one spelling `encode` produces (so a value has a single accepted form).
    public static func decode(_ s: String) -> [UInt8]? {
        guard let d = Data(base64Encoded: s) else { return nil }
        let bytes = [UInt8](d)
        guard encode(bytes) == s else { return nil }
        return bytes
    }
}
