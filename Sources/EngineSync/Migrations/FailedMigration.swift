/// A tracking row in state `failed` or `running`.
public struct FailedMigration: Hashable, Sendable, Codable {
    public var id: String
    /// `failed`, or `running` when the process died mid-way.
    public var state: MigrationState
    public var file: String?

    public init(id: String, state: MigrationState, file: String?) {
        self.id = id
        self.state = state
        self.file = file
    }
}
