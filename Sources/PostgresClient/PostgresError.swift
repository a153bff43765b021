/// A five-character SQLSTATE, kept raw: the set of codes is open, so unknown codes survive intact.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The two-character class ("08" for connection exceptions).
    public var errorClass: String { String(rawValue.prefix(2)) }

    // The codes enginesync branches on (postgres-facts.md section 8).
    public static let lockNotAvailable = SQLState("55P03")
    public static let queryCanceled = SQLState("57014")
    public static let uniqueViolation = SQLState("23505")
    public static let foreignKeyViolation = SQLState("23503")
    public static let readOnlySQLTransaction = SQLState("25006")
    public static let activeSQLTransaction = SQLState("25001")
    public static let duplicateTable = SQLState("42P07")
    public static let featureNotSupported = SQLState("0A000")
    public static let syntaxError = SQLState("42601")
    public static let adminShutdown = SQLState("57P01")
    public static let crashShutdown = SQLState("57P02")
    public static let cannotConnectNow = SQLState("57P03")
    public static let connectionFailure = SQLState("08006")
    public static let deadlockDetected = SQLState("40P01")
    public static let inFailedSQLTransaction = SQLState("25P02")
    public static let insufficientPrivilege = SQLState("42501")

    /// Class 08 and the shutdown codes mean the session is gone (postgres-facts.md section 8).
    public var isConnectionError: Bool {
        errorClass == "08" || self == .adminShutdown || self == .crashShutdown || self == .cannotConnectNow
    }
}

/// An error reported by libpq or the server.
///
/// `description` is one line for an operator; `debugDescription` adds detail, hint, the statement
/// text and the libpq function for logs. Bound parameter values are never stored here.
public struct PostgresError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Could not establish a session (bad parameters, server down, authentication).
        case connect
        /// The server answered with an error; the connection is still usable.
        case server
        /// The connection is gone (no SQLSTATE, CONNECTION_BAD, class 08 or 57P0x).
        case connectionLost
        /// Something the client refused before sending (e.g. a NUL byte in an identifier).
        case client
    }

    public var kind: Kind
    public var sqlState: SQLState?
    public var severity: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character position inside `statement`, when the server reported one.
    public var position: Int?
    public var context: String?
    /// The SQL text that failed (never parameter values).
    public var statement: String?
    /// The libpq function whose failure this is.
    public var function: String
    /// Which part of a `withTransaction`/`withSavepoint` failed, when the error came from one.
    public var transactionPhase: TransactionPhase?

    /// Where in a transaction an error happened: a COMMIT that fails with a lost connection has an unknown
    /// outcome (the database must be asked), a failing BEGIN never started one, a body error rolled back.
    public enum TransactionPhase: String, Sendable, Equatable {
        case begin = "BEGIN"
        case body = "the transaction's statements"
        /// The body failed and so did the ROLLBACK (the connection is usually gone; the server rolls back).
        case rollback = "ROLLBACK after a failed statement"
        case commit = "COMMIT"
    }

    public init(
        kind: Kind, sqlState: SQLState? = nil, severity: String? = nil, message: String, detail: String? = nil,
        hint: String? = nil, position: Int? = nil, context: String? = nil, statement: String? = nil,
        function: String
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
        self.context = context
        self.statement = statement
        self.function = function
    }

    /// True when the session is gone and a new connection is needed; an in-flight COMMIT has an unknown outcome.
    public var isConnectionLoss: Bool { kind == .connectionLost || kind == .connect }

    /// One line: the message, SQLSTATE and PostgreSQL's HINT (e.g. "You might need to increase
    /// max_locks_per_transaction."), which is often the only pointer to the fix.
    public var description: String {
        var text = message
        if let sqlState { text = "\(text) (SQLSTATE \(sqlState))" }
        if let transactionPhase, transactionPhase != .body { text += " during \(transactionPhase.rawValue)" }
        if let hint = Self.oneLine(hint) { text += "; hint: \(hint)" }
        return text
    }

    /// The message with PostgreSQL's DETAIL and HINT, one line, for reports: "out of shared memory; hint: You
    /// might need to increase max_locks_per_transaction.". DETAIL can quote row values (a duplicate key);
    /// it is cut at 500 characters.
    public var messageWithDetailAndHint: String {
        var text = message
        if let detail = Self.oneLine(detail) {
            text += "; detail: " + (detail.count > 500 ? String(detail.prefix(500)) + "…" : detail)
        }
        if let hint = Self.oneLine(hint) { text += "; hint: \(hint)" }
        return text
    }

    private static func oneLine(_ text: String?) -> String? {
        guard let text else { return nil }
        let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return line.isEmpty ? nil : line
    }

    public var debugDescription: String {
        var parts = [description]
        if let detail { parts.append("detail: \(detail)") }
        if let hint { parts.append("hint: \(hint)") }
        if let position { parts.append("position: \(position)") }
        if let context { parts.append("context: \(context)") }
        if let statement { parts.append("statement: \(statement)") }
        parts.append("in \(function)")
        return parts.joined(separator: "; ")
    }
}

/// A value could not be read as the requested Swift type.
public struct PostgresDecodingError: Error, CustomStringConvertible, Sendable {
    public var column: String
    public var expected: String
    public var actual: String?
    public var description: String {
        "column '\(column)': expected \(expected), got \(actual.map { "'\($0)'" } ?? "NULL")"
    }
}
