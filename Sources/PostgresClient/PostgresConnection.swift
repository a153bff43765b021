internal import CLibPQ
import Foundation
import TextAlgorithms

/// A notice or warning the server sent (captured instead of libpq's default print to stderr).
public struct PostgresNotice: Sendable, Equatable {
    public var severity: String
    public var sqlState: String?
    public var message: String
}

/// Collects notices from libpq's receiver callback.
///
/// libpq calls the receiver synchronously on the thread running the query (c-libraries.md 2.6), and a
/// connection is used by one thread at a time, so no locking is needed.
private final class NoticeBox {
    var notices: [PostgresNotice] = []
}

/// One libpq session; the only owner of a `PGconn`.
///
/// Not `Sendable`: libpq forbids using one `PGconn` from two threads at once, so a connection lives
/// inside one task. Every libpq call blocks the calling thread.
public final class PostgresConnection {
    private let handle: OpaquePointer
    private let noticeBox: NoticeBox
    private let noticeContext: Unmanaged<NoticeBox>

    /// The largest single message this connection has sent or received, in bytes (a statement's text with its
    /// parameters; one row's values). libpq grows its input and output buffers to the largest message that
    /// went through and frees them only with the connection (c-libraries.md: `PQfinish`), so a long-lived
    /// connection that once carried a multi-megabyte document keeps that much memory: the daemon does not keep
    /// such a connection idle (`DatabaseSession.prepareToKeep()`).
    public private(set) var largestMessageBytes = 0

    /// Opens a session. A failed connect still frees the libpq handle (libpq requires `PQfinish`).
    public static func connect(_ configuration: PostgresConfiguration) throws -> PostgresConnection {
        let pairs = configuration.keywordValues
        let keywords = pairs.map { strdup($0.0) } + [nil]
        let values = pairs.map { strdup($0.1) } + [nil]
        defer {
            for keyword in keywords { free(keyword) }
            for value in values { free(value) }
        }
        let connection: OpaquePointer? = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywordBuffer in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { valueBuffer in
                PQconnectdbParams(keywordBuffer.baseAddress, valueBuffer.baseAddress, 1)
            }
        }
        guard let connection else {
            throw PostgresError(
                kind: .connect, message: "out of memory allocating a connection", function: "PQconnectdbParams")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.lastErrorMessage(connection)
            PQfinish(connection)
            throw PostgresError(kind: .connect, message: message, function: "PQconnectdbParams")
        }
        return PostgresConnection(handle: connection)
    }

    private init(handle: OpaquePointer) {
        self.handle = handle
        noticeBox = NoticeBox()
        // Retained until deinit, after PQfinish, so the callback never sees a dead box.
        noticeContext = Unmanaged.passRetained(noticeBox)
        PQsetNoticeReceiver(
            handle,
            { context, result in
                guard let context, let result else { return }
                let box = Unmanaged<NoticeBox>.fromOpaque(context).takeUnretainedValue()
                func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
                box.notices.append(
                    PostgresNotice(
                        severity: field(CLibPQ_DIAG_SEVERITY_NONLOCALIZED) ?? "NOTICE",
                        sqlState: field(CLibPQ_DIAG_SQLSTATE),
                        message: field(CLibPQ_DIAG_MESSAGE_PRIMARY) ?? ""))
            }, noticeContext.toOpaque())
    }

    deinit {
        PQfinish(handle)
        noticeContext.release()
    }

    /// A token another thread can use to cancel this connection's running statement (graceful shutdown);
    /// `nil` if libpq cannot make one (a broken connection).
    public func cancelToken() -> PostgresCancelToken? {
        PostgresCancelToken(connection: handle)
    }

    private static func lastErrorMessage(_ connection: OpaquePointer) -> String {
        guard let raw = PQerrorMessage(connection) else { return "unknown libpq error" }
        let text = String(cString: raw).trimmingWhitespaceAndNewlines()
        return text.isEmpty ? "unknown libpq error" : text.replacingText("\n", with: " ")
    }

    // MARK: - State

    /// Whether libpq still believes the session is alive (it only learns of a loss on the next call).
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Whether the session is idle outside any transaction block (`PQtransactionStatus` is `PQTRANS_IDLE`): not
    /// running a command, not inside `BEGIN`, not in a failed transaction. What libpq knows from the last result;
    /// a connection lost since then is only noticed by the next call.
    public var isIdleOutsideTransaction: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// `major * 10000 + minor`, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// A parameter the server reports at startup or on change (`server_version`, `client_encoding`, …).
    public func parameterStatus(_ name: String) -> String? {
        PQparameterStatus(handle, name).map { String(cString: $0) }
    }

    /// A connection option as libpq applied it (`PQconninfo`), e.g. `keepalives_idle`; `nil` when unset or
    /// unknown. Secret options (the password) are never returned.
    public func connectionOption(_ keyword: String) -> String? {
        guard let options = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(options) }
        var cursor = options
        while let name = cursor.pointee.keyword {
            if String(cString: name) == keyword {
                let isSecret = cursor.pointee.dispchar.map { String(cString: $0) == "*" } ?? false
                guard !isSecret else { return nil }
                return cursor.pointee.val.map { String(cString: $0) }
            }
            cursor += 1
        }
        return nil
    }

    /// Notices and warnings received since the last call.
    public func drainNotices() -> [PostgresNotice] {
        defer { noticeBox.notices.removeAll() }
        return noticeBox.notices
    }

    // MARK: - Executing

    /// Runs one statement with `$1…` parameters (text format; `nil` is SQL NULL).
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresBindable)?] = []) throws -> PostgresResult {
        let texts = parameters.map { $0?.postgresText }
        if let bad = texts.firstIndex(where: { $0?.utf8.contains(0) == true }) {
            throw PostgresError(
                kind: .client, message: "parameter $\(bad + 1) contains a NUL byte", statement: sql,
                function: "PQexecParams")
        }
        noteStatement(sql, texts)
        let cValues = texts.map { $0.flatMap { strdup($0) } }
        defer { for value in cValues { free(value) } }
        let result = cValues.map { UnsafePointer($0) }.withUnsafeBufferPointer { buffer in
            PQexecParams(handle, sql, Int32(buffer.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        return try consume(result, statement: sql, function: "PQexecParams")
    }

    /// Runs a script of several statements with the simple-query protocol.
    ///
    /// Outside a transaction block the server runs the whole script as one implicit transaction. The
    /// first failing statement's error is thrown; results of the others are discarded.
    public func execute(script: String) throws {
        if script.utf8.contains(0) {
            throw PostgresError(kind: .client, message: "SQL text contains a NUL byte", function: "PQsendQuery")
        }
        noteMessage(bytes: script.utf8.count)
        guard PQsendQuery(handle, script) == 1 else {
            throw connectionOrClientError(statement: script, function: "PQsendQuery")
        }
        var firstError: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR,
                firstError == nil
            {
                firstError = error(from: result, statement: script, function: "PQgetResult")
            }
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
                firstError =
                    firstError
                    ?? PostgresError(
                        kind: .client, message: "COPY is not supported in scripts",
                        statement: script, function: "PQgetResult")
                break
            }
        }
        if let firstError { throw firstError }
    }

    /// Runs statements in one round trip (libpq's pipeline mode) and hands each result to `body` in order as
    /// soon as it has arrived, while the server already runs the next statement: decoding a result overlaps the
    /// server's work on the following ones. The catalog reader sends its queries so; Safe Sync the DDL on the
    /// tables a plan creates.
    ///
    /// Outside a transaction block the statements run in one implicit transaction (one sync at the end), like
    /// `execute(script:)`; inside one, in it (a failure aborts it). The first
    /// failing statement's error is thrown (the following ones are skipped by the server), and so is the first
    /// error `body` throws; either way every result is read and the connection leaves pipeline mode, ready for
    /// the next call.
    public func pipeline(_ statements: [PostgresStatement], _ body: (Int, PostgresResult) throws -> Void) throws {
        for statement in statements {
            if let bad = statement.parameters.firstIndex(where: { $0?.postgresText.utf8.contains(0) == true }) {
                throw PostgresError(
                    kind: .client, message: "parameter $\(bad + 1) contains a NUL byte", statement: statement.sql,
                    function: "PQsendQueryParams")
            }
        }
        guard PQenterPipelineMode(handle) == 1 else {
            throw connectionOrClientError(statement: nil, function: "PQenterPipelineMode")
        }
        var failure: (any Error)?
        var sent = 0
        for statement in statements {
            guard send(statement) else {
                failure = connectionOrClientError(statement: statement.sql, function: "PQsendQueryParams")
                break
            }
            sent += 1
        }
        if PQpipelineSync(handle) != 1 {
            failure = failure ?? connectionOrClientError(statement: nil, function: "PQpipelineSync")
        }
        for index in 0..<sent {
            // One statement's results end with NULL; after a failed statement the others are PIPELINE_ABORTED.
            var copied: PostgresResult?
            var statementError: PostgresError?
            while let result = PQgetResult(handle) {
                defer { PQclear(result) }
                switch PQresultStatus(result) {
                case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    if failure == nil { copied = copy(result) }
                case PGRES_PIPELINE_ABORTED:
                    continue
                default:
                    statementError =
                        statementError
                        ?? error(from: result, statement: statements[index].sql, function: "PQgetResult")
                }
            }
            guard failure == nil else { continue }
            if let statementError {
                failure = statementError
            } else if let copied {
                do { try body(index, copied) } catch { failure = error }
            } else {
                failure = connectionOrClientError(statement: statements[index].sql, function: "PQgetResult")
            }
        }
        // The sync's own result closes the pipeline; two NULLs in a row mean nothing more will come (a lost
        // connection).
        var nulls = 0
        while nulls < 2 {
            guard let result = PQgetResult(handle) else {
                nulls += 1
                continue
            }
            nulls = 0
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if PQexitPipelineMode(handle) != 1 {
            failure = failure ?? connectionOrClientError(statement: nil, function: "PQexitPipelineMode")
        }
        if let failure { throw failure }
    }

    /// Queues one statement of a pipeline (`PQsendQueryParams`, text parameters).
    private func send(_ statement: PostgresStatement) -> Bool {
        let texts = statement.parameters.map { $0?.postgresText }
        noteStatement(statement.sql, texts)
        let cValues = texts.map { $0.flatMap { strdup($0) } }
        defer { for value in cValues { free(value) } }
        return cValues.map { UnsafePointer($0) }.withUnsafeBufferPointer { buffer in
            PQsendQueryParams(handle, statement.sql, Int32(buffer.count), nil, buffer.baseAddress, nil, nil, 0)
        } == 1
    }

    private func consume(_ result: OpaquePointer?, statement: String, function: String) throws -> PostgresResult {
        guard let result else { throw connectionOrClientError(statement: statement, function: function) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            throw error(from: result, statement: statement, function: function)
        }
        return copy(result)
    }

    private func noteMessage(bytes: Int) {
        largestMessageBytes = max(largestMessageBytes, bytes)
    }

    /// A statement goes out as one message: its text and its parameters' texts.
    private func noteStatement(_ sql: String, _ parameters: [String?]) {
        noteMessage(bytes: parameters.reduce(sql.utf8.count) { $0 + ($1?.utf8.count ?? 0) })
    }

    /// Copies a result's names and values into Swift values (`PQclear` stays with the caller), noting its largest
    /// row (each row is one message) in `largestMessageBytes`.
    private func copy(_ result: OpaquePointer) -> PostgresResult {
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [String] = []
        columns.reserveCapacity(fieldCount)
        for field in 0..<fieldCount {
            columns.append(PQfname(result, Int32(field)).map { String(cString: $0) } ?? "?column?")
        }
        var values: [String?] = []
        values.reserveCapacity(rowCount * fieldCount)
        for row in 0..<Int32(rowCount) {
            var rowBytes = 0
            defer { noteMessage(bytes: rowBytes) }
            for field in 0..<Int32(fieldCount) {
                // PQgetvalue returns "" for NULL: PQgetisnull decides. PQgetlength saves a strlen per value.
                if PQgetisnull(result, row, field) == 1 {
                    values.append(nil)
                } else if let value = PQgetvalue(result, row, field) {
                    let length = Int(PQgetlength(result, row, field))
                    rowBytes += length
                    values.append(
                        value.withMemoryRebound(to: UInt8.self, capacity: length) {
                            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                        })
                } else {
                    values.append(nil)
                }
            }
        }
        let commandStatus = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresResult(
            commandStatus: commandStatus, affectedRows: affected,
            storage: PostgresResultStorage(columns: columns, values: values, rowCount: rowCount))
    }

    /// Builds the error for a failed result. Connection loss carries no SQLSTATE, so `PQstatus` is checked first.
    private func error(from result: OpaquePointer, statement: String, function: String) -> PostgresError {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        let sqlState = field(CLibPQ_DIAG_SQLSTATE).map(SQLState.init(rawValue:))
        let lost = PQstatus(handle) != CONNECTION_OK || sqlState == nil || sqlState?.isConnectionError == true
        var message = field(CLibPQ_DIAG_MESSAGE_PRIMARY) ?? Self.lastErrorMessage(handle)
        if message.isEmpty { message = Self.lastErrorMessage(handle) }
        return PostgresError(
            kind: lost ? .connectionLost : .server, sqlState: sqlState,
            severity: field(CLibPQ_DIAG_SEVERITY_NONLOCALIZED), message: message,
            detail: field(CLibPQ_DIAG_MESSAGE_DETAIL), hint: field(CLibPQ_DIAG_MESSAGE_HINT),
            position: field(CLibPQ_DIAG_STATEMENT_POSITION).flatMap { Int($0) },
            context: field(CLibPQ_DIAG_CONTEXT), statement: statement, function: function)
    }

    private func connectionOrClientError(statement: String?, function: String) -> PostgresError {
        PostgresError(
            kind: PQstatus(handle) == CONNECTION_OK ? .client : .connectionLost,
            message: Self.lastErrorMessage(handle), statement: statement, function: function)
    }

    // MARK: - Quoting

    /// Quotes an identifier with `PQescapeIdentifier` (always double-quoted, case kept).
    ///
    /// The one place identifiers are escaped. NUL bytes are refused because libpq would silently truncate.
    public func escapeIdentifier(_ identifier: String) throws -> String {
        try escape(identifier, function: "PQescapeIdentifier") { PQescapeIdentifier(handle, $0, $1) }
    }

    /// Quotes a literal with `PQescapeLiteral`; the result may be ` E'…'` (leading space) when it has a backslash.
    public func escapeLiteral(_ literal: String) throws -> String {
        try escape(literal, function: "PQescapeLiteral") { PQescapeLiteral(handle, $0, $1) }
    }

    private func escape(
        _ text: String, function: String,
        _ call: (UnsafePointer<CChar>, Int) -> UnsafeMutablePointer<CChar>?
    ) throws -> String {
        if text.utf8.contains(0) {
            throw PostgresError(kind: .client, message: "cannot quote text containing a NUL byte", function: function)
        }
        let escaped: UnsafeMutablePointer<CChar>? = text.withCString { call($0, strlen($0)) }
        guard let escaped else {
            throw PostgresError(kind: .client, message: Self.lastErrorMessage(handle), function: function)
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }
}
