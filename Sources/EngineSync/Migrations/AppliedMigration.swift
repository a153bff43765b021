/// One migration `up()` applied.
public struct AppliedMigration: Hashable, Sendable, Codable {
    public var id: String
    public var durationMs: Int

    public init(id: String, durationMs: Int) {
        self.id = id
        self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case id
        case durationMs = "duration_ms"
    }
}
