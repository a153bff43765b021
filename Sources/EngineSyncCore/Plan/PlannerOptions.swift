/// Knobs of the planner; defaults follow SPEC 4.
public struct PlannerOptions: Hashable, Sendable {
    /// The schema planned and every name is qualified with.
    public var schema: String
    /// A widening that rewrites a table with more estimated rows than this is blocked (`rewrite_too_large`).
    public var maxRewriteRows: Int
    /// Indexes on existing tables with more estimated rows than this are built CONCURRENTLY after COMMIT.
    public var concurrentIndexRows: Int
    /// Tables enginesync owns outside the DSL: never drift, never dropped.
    public var ownedTables: Set<String>

    public init(
        schema: String = "public", maxRewriteRows: Int = 100_000, concurrentIndexRows: Int = 100_000,
        ownedTables: Set<String> = Set(["engine_reconciles", "engine_migrations"]).union(NotificationPolicy.tables)
    ) {
        self.schema = schema
        self.maxRewriteRows = maxRewriteRows
        self.concurrentIndexRows = concurrentIndexRows
        self.ownedTables = ownedTables
    }
}
