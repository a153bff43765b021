import Crypto
import Foundation
import TextAlgorithms

/// A migration file's contents, checked and split: the pure half of loading `migrations/<id>.sql`.
///
/// The checksum is SHA-256 (lowercase hex) of the file with CRLF and CR normalised to LF, so a checkout
/// with `core.autocrlf` does not look like an edit. The statements are what runs, one by one.
public struct MigrationScript: Hashable, Sendable {
    /// The first-line directive that makes a migration run outside a transaction.
    public static let noTransactionDirective = "-- enginesync: no-transaction"

    public var checksum: String
    /// `false` when the first line is `-- enginesync: no-transaction`.
    public var transactional: Bool
    public var statements: [SQLStatement]

    /// Why a file cannot be a migration; the caller adds the file name.
    public enum Problem: Error, Hashable, Sendable, CustomStringConvertible {
        case empty
        case notUTF8
        case noStatements
        case unknownDirective(String)
        case lex(SQLLexError)
        case transactionControl(keyword: String, line: Int)
        /// A statement PostgreSQL refuses inside a transaction block (25001), in a transactional migration.
        case outsideTransactionOnly(statement: String, line: Int)

        /// What is wrong, without the line (see `line`).
        public var reason: String {
            switch self {
            case .empty: "is empty"
            case .notUTF8: "is not valid UTF-8"
            case .noStatements: "contains no SQL statement (only comments or whitespace)"
            case .unknownDirective(let text):
                "unknown enginesync directive '\(text)' (the only one is '\(MigrationScript.noTransactionDirective)')"
            case .lex(let error): error.kind.rawValue
            case .transactionControl(let keyword, _):
                "\(keyword) inside a migration would break its transaction; remove it, or put "
                    + "'\(MigrationScript.noTransactionDirective)' on the first line"
            case .outsideTransactionOnly(let statement, _):
                "\(statement) cannot run inside a transaction block (PostgreSQL refuses it, SQLSTATE 25001); put "
                    + "'\(MigrationScript.noTransactionDirective)' on the first line"
            }
        }

        public var description: String { line.map { "line \($0): \(reason)" } ?? reason }

        /// The line the problem is on, when there is one.
        public var line: Int? {
            switch self {
            case .empty, .notUTF8, .noStatements: nil
            case .unknownDirective: 1
            case .lex(let error): error.line
            case .transactionControl(_, let line), .outsideTransactionOnly(_, let line): line
            }
        }
    }

    /// Checks and splits the raw bytes of a migration file.
    public init(bytes: [UInt8]) throws(Problem) {
        guard !bytes.isEmpty else { throw .empty }
        guard var text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8 }
        text = Self.normaliseLineEndings(text)
        checksum = Self.checksum(normalisedText: text)
        // A UTF-8 byte order mark would reach the server as part of the first statement.
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        transactional = try Self.isTransactional(firstLine: text.prefix { $0 != "\n" })
        do {
            statements = try SQLScriptSplitter.split(text)
        } catch {
            throw .lex(error)
        }
        guard !statements.isEmpty else { throw .noStatements }
        if transactional, let statement = statements.first(where: Self.endsTransaction),
            let keyword = statement.firstKeyword
        {
            throw .transactionControl(keyword: keyword, line: statement.line)
        }
        if transactional {
            for statement in statements {
                if let words = Self.outsideTransactionOnly(statement) {
                    throw .outsideTransactionOnly(statement: words, line: statement.line)
                }
            }
        }
    }

    /// The leading words of a statement PostgreSQL runs only outside a transaction block (`VACUUM`, `CREATE
    /// DATABASE`, `ALTER SYSTEM`, …), or `nil`. `… CONCURRENTLY` is left to the migration lint
    /// (`concurrently_in_transaction`), which says what to write instead.
    static func outsideTransactionOnly(_ statement: SQLStatement) -> String? {
        let words = leadingWords(statement)
        guard let first = words.first else { return nil }
        let second = words.count > 1 ? words[1] : ""
        switch (first, second) {
        case ("VACUUM", _): return "VACUUM"
        case ("CREATE", "DATABASE"), ("DROP", "DATABASE"), ("ALTER", "SYSTEM"), ("CREATE", "TABLESPACE"),
            ("DROP", "TABLESPACE"), ("REINDEX", "SYSTEM"), ("REINDEX", "DATABASE"), ("DISCARD", "ALL"):
            return first + " " + second
        default: return nil
        }
    }

    /// Statements that would end or replace the migration's transaction (savepoints are fine).
    static func endsTransaction(_ statement: SQLStatement) -> Bool {
        let words = leadingWords(statement)
        switch words.first {
        case "BEGIN", "COMMIT", "END", "ABORT": return true
        case "ROLLBACK": return words.count < 2 || (words[1] != "TO")
        case "START", "PREPARE": return words.count == 2 && words[1] == "TRANSACTION"
        default: return false
        }
    }

    /// A statement's first two words, upper-cased (`vacuum (analyze) t` → `VACUUM`, `T`).
    static func leadingWords(_ statement: SQLStatement) -> [String] {
        statement.text.split(whereSeparator: { $0.isWhitespace || $0 == ";" || $0 == "(" }).prefix(2)
            .map { $0.uppercased() }
    }

    /// SHA-256 hex of the file after CRLF/CR → LF, as stored in `engine_migrations.checksum`.
    public static func checksum(bytes: [UInt8]) -> String {
        checksum(normalisedText: normaliseLineEndings(String(decoding: bytes, as: UTF8.self)))
    }

    static func checksum(normalisedText text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    static func normaliseLineEndings(_ text: String) -> String {
        // Swift treats "\r\n" as one Character, so replace on scalars.
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                scalars.append("\n")
                previousWasCR = true
                continue
            }
            if scalar == "\n", previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = false
            scalars.append(scalar)
        }
        return String(scalars)
    }

    /// `-- enginesync: …` on the first line is a directive; anything but `no-transaction` is refused so a
    /// typo cannot silently run a migration in the wrong mode.
    static func isTransactional(firstLine: Substring) throws(Problem) -> Bool {
        let trimmed = firstLine.trimmingWhitespace()
        guard trimmed.hasPrefix("--") else { return true }
        let comment = trimmed.dropFirst(2).trimmingWhitespace()
        guard comment.lowercased().hasPrefix("enginesync:") else { return true }
        let directive = comment.dropFirst("enginesync:".count).trimmingWhitespace().lowercased()
        guard directive == "no-transaction" else { throw .unknownDirective(trimmed) }
        return false
    }
}
