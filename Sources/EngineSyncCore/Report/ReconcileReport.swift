public import Foundation

/// How a reconcile ended (SPEC 4.4). Raw values are the report's `outcome` strings.
public enum ReconcileOutcome: String, Codable, Hashable, Sendable, CaseIterable {
    case synced, blocked, invalid, failed, skipped, standby
    /// `require_signed_commits` is set and the commit's signature is missing, invalid or by an unknown key
    /// (issue 15): nothing was read from or written to the database.
    case untrusted

    /// CLI exit codes (SPEC 9): 0 synced, 2 blocked, 3 invalid, 1 otherwise.
    public var exitCode: Int32 {
        switch self {
        case .synced: 0
        case .blocked: 2
        case .invalid: 3
        case .failed, .skipped, .standby, .untrusted: 1
        }
    }
}

/// The reconcile report: the JSON contract of SPEC 7 (`format` 1). Field names never change meaning.
public struct ReconcileReport: Codable, Hashable, Sendable {
    public struct CommitInfo: Codable, Hashable, Sendable {
        public var sha: String
        public var short: String
        public var author: String?
        public var time: String?
        public var subject: String?
        public init(sha: String, short: String, author: String? = nil, time: String? = nil, subject: String? = nil) {
            self.sha = sha
            self.short = short
            self.author = author
            self.time = time
            self.subject = subject
        }
    }

    public struct SnapshotInfo: Codable, Hashable, Sendable {
        public var id: Int?
        /// The snapshot row's `hash` (EngineJS's hash of the stored DSL).
        public var hash: String?
        public var changed: Bool
        /// enginesync's SHA-256 of the canonical DSL (SPEC 2.8).
        public var sha256: String?
        public init(id: Int? = nil, hash: String? = nil, changed: Bool = false, sha256: String? = nil) {
            self.id = id
            self.hash = hash
            self.changed = changed
            self.sha256 = sha256
        }
    }

    public struct AppliedMigration: Codable, Hashable, Sendable {
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

    public struct Migrations: Codable, Hashable, Sendable {
        public var applied: [AppliedMigration]
        public var pending: [String]
        public var failed: [String]
        public init(applied: [AppliedMigration] = [], pending: [String] = [], failed: [String] = []) {
            self.applied = applied
            self.pending = pending
            self.failed = failed
        }
    }

    public struct Change: Codable, Hashable, Sendable {
        public var kind: String
        public var table: String
        public var column: String?
        public var index: String?
        public var from: String?
        public var to: String?
        /// Applied changes: the SQL run.
        public var sql: String?
        /// Blocked changes: why, and the migration that would perform the change.
        public var reason: String?
        public var suggestedSQL: String?
        /// Blocked changes: a file name for that migration (`migrations/<name>.sql`).
        public var suggestedMigration: String?
        public var rewrite: Bool?
        public var lock: String?
        public var concurrently: Bool?

        public init(
            kind: String, table: String, column: String? = nil, index: String? = nil, from: String? = nil,
            to: String? = nil, sql: String? = nil, reason: String? = nil, suggestedSQL: String? = nil,
            suggestedMigration: String? = nil, rewrite: Bool? = nil, lock: String? = nil,
            concurrently: Bool? = nil
        ) {
            self.kind = kind
            self.table = table
            self.column = column
            self.index = index
            self.from = from
            self.to = to
            self.sql = sql
            self.reason = reason
            self.suggestedSQL = suggestedSQL
            self.suggestedMigration = suggestedMigration
            self.rewrite = rewrite
            self.lock = lock
            self.concurrently = concurrently
        }

        enum CodingKeys: String, CodingKey {
            case kind, table, column, index, from, to, sql, reason, rewrite, lock, concurrently
            case suggestedSQL = "suggested_sql"
            case suggestedMigration = "suggested_migration"
        }
    }

    /// A drift or manual item.
    public struct Note: Codable, Hashable, Sendable {
        public var kind: String
        public var table: String
        public var column: String?
        public var index: String?
        public var message: String
        public var sql: String?
        public init(
            kind: String, table: String, column: String? = nil, index: String? = nil, message: String,
            sql: String? = nil
        ) {
            self.kind = kind
            self.table = table
            self.column = column
            self.index = index
            self.message = message
            self.sql = sql
        }
    }

    public struct Message: Codable, Hashable, Sendable {
        public var code: String
        public var message: String
        public var file: String?
        public var line: Int?
        public var column: Int?
        public var pointer: String?
        public var sqlstate: String?
        public var statement: String?
        public init(
            code: String, message: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
            pointer: String? = nil, sqlstate: String? = nil, statement: String? = nil
        ) {
            self.code = code
            self.message = message
            self.file = file
            self.line = line
            self.column = column
            self.pointer = pointer
            self.sqlstate = sqlstate
            self.statement = statement
        }

        /// One line for a log or a terminal (`file:line:col: message [code]`), control characters escaped:
        /// the journal's reader learns why without opening the report.
        public var oneLine: String {
            var location = file ?? ""
            if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
            let text = "\(message) [\(code)]" + (pointer.map { $0.isEmpty ? "" : " at \($0)" } ?? "")
            return ReportEscaping.terminal(location.isEmpty ? text : "\(location): \(text)")
        }

        public init(_ diagnostic: Diagnostic) {
            self.init(
                code: diagnostic.code,
                message: diagnostic.hint.map { "\(diagnostic.message) (\($0))" } ?? diagnostic.message,
                file: diagnostic.file, line: diagnostic.line, column: diagnostic.column, pointer: diagnostic.pointer)
        }
    }

    public var format: Int = 1
    public var outcome: ReconcileOutcome
    public var commit: CommitInfo?
    public var previousCommit: String?
    /// Commits covered by this reconcile (tip first) when several were pushed at once.
    public var commits: [String]?
    public var branch: String?
    /// Where the DSL came from: `git:<path>` or `dir:<path>`.
    public var source: String?
    public var startedAt: String
    public var finishedAt: String
    public var durationMs: Int
    public var snapshot: SnapshotInfo
    public var migrations: Migrations
    public var applied: [Change]
    public var blocked: [Change]
    public var drift: [Note]
    public var manual: [Note]
    public var warnings: [Message]
    public var errors: [Message]
    /// Who signed the commit and who approved its migrations (issue 15); `nil` when no signers are configured.
    public var trust: Trust?

    public init(
        outcome: ReconcileOutcome, commit: CommitInfo? = nil, previousCommit: String? = nil,
        commits: [String]? = nil, branch: String? = nil, source: String? = nil, startedAt: String,
        finishedAt: String, durationMs: Int, snapshot: SnapshotInfo = SnapshotInfo(),
        migrations: Migrations = Migrations(), applied: [Change] = [], blocked: [Change] = [],
        drift: [Note] = [], manual: [Note] = [], warnings: [Message] = [], errors: [Message] = []
    ) {
        self.outcome = outcome
        self.commit = commit
        self.previousCommit = previousCommit
        self.commits = commits
        self.branch = branch
        self.source = source
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.snapshot = snapshot
        self.migrations = migrations
        self.applied = applied
        self.blocked = blocked
        self.drift = drift
        self.manual = manual
        self.warnings = warnings
        self.errors = errors
    }

    enum CodingKeys: String, CodingKey {
        case format, outcome, commit, commits, branch, source, snapshot, migrations, applied, blocked, drift, manual,
            warnings, errors, trust
        case previousCommit = "previous_commit"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMs = "duration_ms"
    }

    /// Contract fields are always present (as `null` when unknown); optional extras are omitted.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(commit, forKey: .commit)
        try container.encode(previousCommit, forKey: .previousCommit)
        try container.encodeIfPresent(commits, forKey: .commits)
        try container.encode(branch, forKey: .branch)
        try container.encodeIfPresent(source, forKey: .source)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(snapshot, forKey: .snapshot)
        try container.encode(migrations, forKey: .migrations)
        try container.encode(applied, forKey: .applied)
        try container.encode(blocked, forKey: .blocked)
        try container.encode(drift, forKey: .drift)
        try container.encode(manual, forKey: .manual)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(errors, forKey: .errors)
        try container.encodeIfPresent(trust, forKey: .trust)
    }

    /// Pretty, key-sorted JSON: stable diffs between reports.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> ReconcileReport {
        try JSONDecoder().decode(ReconcileReport.self, from: data)
    }
}

extension ReconcileReport {
    /// Blocked kinds whose cause is the data, not the DSL (duplicates, orphans, table size): fixing the data
    /// resolves them with no new commit, so they are retried on the next commit, the drift check and restarts
    /// (issue 12 item 12) instead of being carried over.
    /// `migration_lint` (issue 18): a migration held back by its table's size. `unapproved_migration` (issue 15):
    /// an approval arrives as a commit that changes no tree (an empty commit with a trailer), so the plan must run
    /// again rather than be carried over.
    public static let dataDependentKinds: Set<String> = [
        "unique_conflict", "add_foreign_key", "rewrite_too_large",
        "migration_lint", MigrationApproval.blockedKind,
    ]

    /// Whether a change is blocked by the data rather than by the DSL.
    public var isBlockedByData: Bool { blocked.contains { Self.dataDependentKinds.contains($0.kind) } }
}
