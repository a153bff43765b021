/// The `state` of an `engine_migrations` row: `applied` (EngineJS's rows have no state column: applied), or,
/// for a `-- enginesync: no-transaction` migration, `running` while it runs (and after a crash) and `failed`
/// when it failed. Any other value someone wrote by hand is kept as it is and counts as not applied.
public struct MigrationState: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let applied = MigrationState(rawValue: "applied")
    public static let running = MigrationState(rawValue: "running")
    public static let failed = MigrationState(rawValue: "failed")

    public var isApplied: Bool { self == .applied }
    public var description: String { rawValue }
}
