public import EngineSyncCore
import PgQuery

/// Runs migration lint on loaded migrations: each SQL statement goes through PostgreSQL's own parser (PgQuery),
/// and the parse trees through the pure `MigrationLinter`.
///
/// Swift migrations have no SQL to read and are skipped. A statement the parser refuses is a `syntaxErrors`
/// entry naming the file and line, never a crash, and the rest of that file is not linted.
public enum MigrationLint {
    /// A statement PostgreSQL's parser refuses.
    public struct SyntaxError: Error, Hashable, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    /// What lint found in a set of migrations: hazards in statement order, and the files it could not parse.
    public struct Result: Hashable, Sendable {
        public var hazards: [LintHazard] = []
        public var syntaxErrors: [SyntaxError] = []
        /// Statements too deeply nested to lint (`maxNesting`): warnings, not errors; the server still parses them
        /// when the migration runs.
        public var skipped: [SyntaxError] = []
    }

    /// The deepest statement (`SQLScriptSplitter.nestingEstimate`) handed to PostgreSQL's parser: its tree, as
    /// JSON, stays within the depth the JSON reader accepts, and libpg_query's recursive printing stays far from
    /// the end of a thread's stack (a 160 KB `SELECT 1+1+…+1` crashed every command that linted it).
    public static let maxNesting = 200

    /// The report code of a statement not linted because it nests too deeply.
    public static let skippedCode = "migration_not_linted"

    /// The report code of a statement the parser refuses.
    public static let syntaxErrorCode = "migration_syntax"

    public static func lint(_ migrations: [Migration], linter: MigrationLinter) -> Result {
        var result = Result()
        for migration in migrations {
            guard case .sql(let statements) = migration.body else { continue }
            let deep = statements.filter { SQLScriptSplitter.nestingEstimate($0.text) > maxNesting }
            for statement in deep {
                result.skipped.append(
                    SyntaxError(
                        file: migration.displayName, line: statement.line,
                        message:
                            "this statement nests more than \(maxNesting) operators or parentheses deep; migration "
                            + "lint does not parse it, so it is not checked for hazards"))
            }
            let shallow = deep.isEmpty ? statements : statements.filter { !deep.contains($0) }
            switch parse(shallow, file: migration.displayName) {
            case .success(let parsed):
                result.hazards += linter.lint(
                    file: migration.displayName, transactional: migration.transactional,
                    statements: parsed)
            case .failure(let error):
                result.syntaxErrors.append(error)
            }
        }
        return result
    }

    /// The parse trees of a file's statements, or its first syntax error.
    static func parse(_ statements: [SQLStatement], file: String) -> Swift.Result<[ParsedStatement], SyntaxError> {
        var parsed: [ParsedStatement] = []
        for statement in statements {
            let json: String
            do {
                json = try PgQueryParser.parseJSON(statement.text)
            } catch {
                return .failure(SyntaxError(file: file, line: statement.line + error.line - 1, message: error.message))
            }
            let tree: JSONValue
            do {
                tree = try JSONReader().read(Array(json.utf8)).document.value
            } catch {
                return .failure(
                    SyntaxError(
                        file: file, line: statement.line,
                        message: "PostgreSQL's parser returned a tree enginesync cannot read: \(error)"))
            }
            for item in tree.objectValue?["stmts"]?.arrayValue ?? [] {
                guard let node = item.objectValue?["stmt"] else { continue }
                // stmt_location is a byte offset into the statement's text (absent when 0).
                let offset = item.objectValue?["stmt_location"]?.intValue ?? 0
                let newlines = statement.text.utf8.prefix(offset).reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                parsed.append(ParsedStatement(line: statement.line + newlines, node: node))
            }
        }
        return .success(parsed)
    }
}

extension LintHazard {
    /// The hazard as a report message (a warning, or with `migration_lint: block` the reason of a blocked change).
    public var reportMessage: ReconcileReport.Message {
        ReconcileReport.Message(code: code.rawValue, message: message, file: file, line: line)
    }
}
