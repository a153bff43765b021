/// An applied migration whose file no longer hashes to the recorded checksum.
public struct ChecksumMismatch: Hashable, Sendable, Codable {
    public var id: String
    public var file: String?
    public var recorded: String
    public var actual: String

    public init(id: String, file: String?, recorded: String, actual: String) {
        self.id = id
        self.file = file
        self.recorded = recorded
        self.actual = actual
    }
}
