/// "1 event", "2 events": a count and its noun, as a person would write them.
public func counted(_ n: some BinaryInteger, _ singular: String, _ plural: String? = nil) -> String {
    "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
}
