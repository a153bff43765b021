package import EngineSyncCore
package import Foundation
package import PostgresClient

/// One row of the outbox: an event to deliver, in `id` order.
package struct OutboxEvent: Sendable, Equatable {
    /// The row's position: deliveries go in this order and the cursor stores it.
    package var position: Int
    /// The event's stable id (the body's `id`): what receivers deduplicate on.
    package var id: String
    package var event: String
    package var commit: String?
    package var body: Data
}

/// Where delivery to one webhook stands (`status`, metrics, logs).
public struct DeliveryState: Codable, Sendable, Equatable {
    /// The webhook's redacted URL.
    public var target: String
    /// The position of the last event delivered (0: none yet).
    public var deliveredPosition: Int
    /// Events after it, not yet delivered.
    public var pending: Int
    /// Failed attempts at the first pending event.
    public var attempts: Int
    public var lastError: String?
    public var lastAttemptAt: String?
    public var deliveredAt: String?

    enum CodingKeys: String, CodingKey {
        case target = "url"
        case deliveredPosition = "delivered_position"
        case pending, attempts
        case lastError = "last_error"
        case lastAttemptAt = "last_attempt_at"
        case deliveredAt = "delivered_at"
    }
}

/// The notification outbox (issue 16): `engine_notifications` (the events), `engine_notification_state` (the
/// last recorded commit and outcome, which `NotificationPolicy` compares against) and
/// `engine_notification_deliveries` (one cursor per webhook).
///
/// `record` runs inside a transaction the caller owns: Safe Sync's, so a `synced` or `blocked` reconcile and
/// its event commit together (a crash never loses or invents one), and, for outcomes that never reach that
/// transaction (`invalid`, `failed`), a small one of its own that the daemon opens after the reconcile.
/// The state row is locked (`FOR UPDATE`), so the two paths never record the same reconcile twice. A value
/// type over the schema name; every identifier goes through `DDL`/`SQL` quoting.
package struct NotificationOutbox: Sendable {
    // One list of names, `NotificationPolicy.tables`: also the planner's owned tables.
    package static let eventsTable = NotificationPolicy.eventsTable
    package static let stateTable = NotificationPolicy.stateTable
    package static let deliveriesTable = NotificationPolicy.deliveriesTable
    let ddl: DDL

    /// The fleet target whose database this is, named in each event; `nil` for a single database.
    package var target: String?

    package init(schema: String, target: String? = nil) {
        ddl = DDL(schema: schema)
        self.target = target
    }

    /// Idempotent: creates the three tables.
    package func ensureTables(_ connection: PostgresConnection) throws {
        try connection.ensureBookkeepingTable(
            Self.eventsTable, schema: ddl.schema,
            columns: """
                id bigserial PRIMARY KEY, event_id text NOT NULL UNIQUE, event character varying(16) NOT NULL, \
                outcome character varying(16) NOT NULL, commit character varying(64), \
                created_at timestamp with time zone NOT NULL DEFAULT now(), body text NOT NULL
                """, added: [])
        try connection.ensureBookkeepingTable(
            Self.stateTable, schema: ddl.schema,
            columns: """
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), commit character varying(64), \
                outcome character varying(16) NOT NULL, updated_at timestamp with time zone NOT NULL DEFAULT now()
                """, added: [])
        try connection.ensureBookkeepingTable(
            Self.deliveriesTable, schema: ddl.schema,
            columns: """
                target text PRIMARY KEY, delivered_id bigint NOT NULL DEFAULT 0, attempts integer NOT NULL DEFAULT 0, \
                last_error text, last_attempt_at timestamp with time zone, delivered_at timestamp with time zone
                """, added: [])
    }

    /// Records the event `report` calls for, if any, in the caller's transaction; returns it (`nil`: none).
    @discardableResult
    package func record(_ connection: PostgresConnection, report: ReconcileReport, now: Date = Date()) throws
        -> NotificationEvent?
    {
        guard NotificationPolicy.records(report.outcome) else { return nil }
        let state = ddl.table(Self.stateTable)
        let row = try connection.run("SELECT commit, outcome FROM \(state) WHERE singleton FOR UPDATE").first
        let previous = try row.flatMap { row in
            try ReconcileOutcome(rawValue: row.string("outcome")).map {
                NotificationPolicy.State(commit: try row.optionalString("commit"), outcome: $0)
            }
        }
        let current = NotificationPolicy.State(commit: report.commit?.sha, outcome: report.outcome)
        try connection.run(
            """
            INSERT INTO \(state) (singleton, commit, outcome, updated_at) VALUES (true, $1, $2, now()) \
            ON CONFLICT (singleton) DO UPDATE SET commit = EXCLUDED.commit, outcome = EXCLUDED.outcome, updated_at = now()
            """, [current.commit, current.outcome.rawValue])
        guard let name = NotificationPolicy.event(previous: previous, current: current) else { return nil }
        let event = NotificationEvent(
            id: UUID().uuidString.lowercased(), target: target, event: name, report: report,
            previousOutcome: previous?.outcome,
            createdAt: UTCTimestamp.iso8601(now, zoneDesignator: false))
        let body = String(decoding: try event.body(), as: UTF8.self)
        try connection.run(
            """
            INSERT INTO \(ddl.table(Self.eventsTable)) (event_id, event, outcome, commit, body) VALUES ($1, $2, $3, $4, $5)
            """, [event.id, event.event, event.outcome.rawValue, event.commit, body])
        return event
    }

    /// `record` in a transaction of its own, for outcomes whose reconcile has none (`invalid`, `failed`).
    @discardableResult
    package func recordInOwnTransaction(_ connection: PostgresConnection, report: ReconcileReport) throws
        -> NotificationEvent?
    {
        try connection.withTransaction {
            try ensureTables(connection)
            return try record(connection, report: report)
        }
    }

    /// The next undelivered events for `target`, oldest first.
    package func pending(_ connection: PostgresConnection, target: String, limit: Int = 20) throws -> [OutboxEvent] {
        let cursor = try deliveredPosition(connection, target: target)
        return try connection.run(
            """
            SELECT id::int8 AS position, event_id, event, commit, body FROM \(ddl.table(Self.eventsTable)) \
            WHERE id > $1 ORDER BY id LIMIT \(unsafeRaw: String(max(1, limit)))
            """, [cursor]
        ).rows.map { row in
            OutboxEvent(
                position: try row.int("position"), id: try row.string("event_id"), event: try row.string("event"),
                commit: try row.optionalString("commit"), body: Data(try row.string("body").utf8))
        }
    }

    /// How many events `target` has not received yet.
    package func pendingCount(_ connection: PostgresConnection, target: String) throws -> Int {
        let cursor = try deliveredPosition(connection, target: target)
        return try connection.run(
            "SELECT count(*)::int8 AS pending FROM \(ddl.table(Self.eventsTable)) WHERE id > $1",
            [cursor]
        ).first?.int("pending") ?? 0
    }

    /// A webhook's cursor; a new webhook starts after the events that exist when it is first seen, so adding a
    /// webhook does not replay history.
    func deliveredPosition(_ connection: PostgresConnection, target: String) throws -> Int {
        try connection.run(
            """
            INSERT INTO \(ddl.table(Self.deliveriesTable)) (target, delivered_id) \
            SELECT $1, coalesce(max(id), 0) FROM \(ddl.table(Self.eventsTable)) ON CONFLICT (target) DO NOTHING
            """, [target])
        return try connection.run(
            "SELECT delivered_id::int8 AS id FROM \(ddl.table(Self.deliveriesTable)) WHERE target = $1",
            [target]
        ).first?.int("id") ?? 0
    }

    /// Moves the cursor past `position` after the receiver accepted it (the only write that ends a redelivery).
    package func markDelivered(_ connection: PostgresConnection, target: String, position: Int) throws {
        try connection.run(
            """
            UPDATE \(ddl.table(Self.deliveriesTable)) SET delivered_id = greatest(delivered_id, $2), attempts = 0, \
            last_error = NULL, last_attempt_at = now(), delivered_at = now() WHERE target = $1
            """, [target, position])
    }

    /// Counts a failed attempt at the first pending event and keeps its one-line reason (never a secret).
    package func markFailed(_ connection: PostgresConnection, target: String, error: String) throws {
        try connection.run(
            """
            UPDATE \(ddl.table(Self.deliveriesTable)) SET attempts = attempts + 1, last_error = $2, last_attempt_at = now() \
            WHERE target = $1
            """, [target, error])
    }

    /// Every webhook's delivery state; empty when the tables do not exist (notifications never configured).
    package func deliveryStates(_ connection: PostgresConnection) throws -> [DeliveryState] {
        let present = try connection.query(
            "SELECT to_regclass($1) IS NOT NULL AS present",
            [try ddl.table(Self.deliveriesTable).render(with: connection)]
        ).first?.bool("present")
        guard present == true else { return [] }
        return try connection.run(
            """
            SELECT d.target, d.delivered_id::int8 AS delivered_id, d.attempts::int8 AS attempts, d.last_error, \
            d.last_attempt_at::text AS last_attempt_at, d.delivered_at::text AS delivered_at, \
            (SELECT count(*) FROM \(ddl.table(Self.eventsTable)) e WHERE e.id > d.delivered_id)::int8 AS pending \
            FROM \(ddl.table(Self.deliveriesTable)) d ORDER BY d.target
            """
        ).rows.map { row in
            DeliveryState(
                target: try row.string("target"), deliveredPosition: try row.int("delivered_id"),
                pending: try row.int("pending"), attempts: try row.int("attempts"),
                lastError: try row.optionalString("last_error"),
                lastAttemptAt: try row.optionalString("last_attempt_at"),
                deliveredAt: try row.optionalString("delivered_at"))
        }
    }
}
