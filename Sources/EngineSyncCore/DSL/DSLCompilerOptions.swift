/// The settings that change how a DSL compiles (SPEC 1 `dsl_path`, 4.5 snapshot model, 6 `max_file_bytes`).
public struct DSLCompilerOptions: Hashable, Sendable {
    /// Repository-relative directory holding `meta/`, `models/` and `dsl.json`.
    public var dslPath: String
    /// The key of the snapshot model (EngineJS: `dsl`).
    public var snapshotModelKey: String
    /// Larger files are errors, never read.
    public var maxFileBytes: Int
    /// JSON nesting limit.
    public var maxDepth: Int
    /// `strict`: the warnings about what EngineJS does silently (unknown type → varchar, scalar `unique` →
    /// no index, …) become errors, and the identifier and duplicate-key rules EngineJS does not enforce apply.
    public var strict: Bool

    public init(
        dslPath: String = "dsl", snapshotModelKey: String = "dsl", maxFileBytes: Int = 1 << 20,
        maxDepth: Int = 512, strict: Bool = false
    ) {
        self.dslPath = dslPath
        self.snapshotModelKey = snapshotModelKey
        self.maxFileBytes = maxFileBytes
        self.maxDepth = maxDepth
        self.strict = strict
    }
}
