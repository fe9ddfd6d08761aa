/// The identities SPEC.md sections 8.6 and 8.7 have platforms compute under the programme's
/// secret salt, so that every platform names the same act or person alike and the log holds no
/// personal data.
public enum ActIdentity {
    /// `act` of a discrete act: HMAC-SHA256(salt, "SCENARIO|K1|K2|DAY"), K1 and K2 trimmed and
    /// lowercased as the table of section 8.7 names them, DAY the act's CST day `YYYYMMDD`.
    public static func act(salt: [UInt8], scenario: String, _ k1: String, _ k2: String, day: String) -> String {
        func norm(_ s: String) -> String {
            String(s.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()).lowercased()
        }
        return hmacSHA256(key: salt, message: Array("\(scenario)|\(norm(k1))|\(norm(k2))|\(day)".utf8)).hex
    }

    /// `person` of `account.link`: HMAC-SHA256(salt, the person's real-name identity).
    public static func person(salt: [UInt8], identity: String) -> String {
        hmacSHA256(key: salt, message: Array(identity.utf8)).hex
    }
}
