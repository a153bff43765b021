/// A condition worth telling the operator that does not stop the run.
///
/// Codes: `ignored_file` (a non-`.sql` file in `migrations/`), `out_of_order` (a pending id lower than the
/// highest applied one; it is applied anyway), `missing_file` (a migration enginesync recorded whose file is
/// gone; repeated every run), `recorded_by_other_runner` (an applied id recorded by another runner, such as
/// EngineJS's MigrationRunner, with no file here; reported by the one `up` that first sees it, never again).
public struct MigrationWarning: Hashable, Sendable, Codable {
    public var code: String
    public var message: String
    public var id: String?
    public var file: String?

    public init(code: String, message: String, id: String? = nil, file: String? = nil) {
        self.code = code
        self.message = message
        self.id = id
        self.file = file
    }
}
