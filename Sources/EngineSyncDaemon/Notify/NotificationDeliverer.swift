import EngineSync
import EngineSyncCore
import Foundation
package import Logging
import PostgresClient
import ServiceLifecycle
import Synchronization
import TextAlgorithms

/// Delivers the outbox to every `notify:` webhook (issue 16), as a service beside the reconcile loop.
///
/// Per webhook, events go strictly in outbox order: the first undelivered one is retried (with back-off from
/// 1 s to `max_backoff`) until the receiver answers 2xx, and only then does the cursor in
/// `engine_notification_deliveries` move. A kill between the receiver's answer and that update redelivers the
/// same event with the same `id` (receivers deduplicate on it): at least once, in order, never skipped.
/// A failing webhook never blocks the reconciles, nor the other webhooks; its error is logged once per
/// distinct reason. libpq blocks, so the database work runs on its own serial queue; HTTP is asynchronous.
package final class NotificationDeliverer: Service, Sendable {
    private let webhooks: [Webhook]
    private let database: PostgresConfiguration
    private let outbox: NotificationOutbox
    private let logger: Logger
    private let maxBackoff: Duration
    private let pollInterval: Duration
    private let metricsFile: String?
    private let client: WebhookClient
    /// The fleet target whose outbox this is (`DaemonConfiguration.targetName`); `nil` for a single database.
    package let target: String?
    private let wake = WakeUpSignal()
    private let queue = DispatchQueue(label: "enginesync.notifications")
    /// Owned by `queue`: the connection is only touched in `onQueue`.
    private let connection = Mutex<PostgresConnectionBox?>(nil)

    final class PostgresConnectionBox: @unchecked Sendable {
        let connection: PostgresConnection
        init(_ connection: PostgresConnection) { self.connection = connection }
    }

    /// A fleet's target (issue 17, `configuration.targetName`) has its own outbox in its database: its name goes
    /// into the `X-EngineSync-Target` header and the metrics file's name (`enginesync-notifications-<name>.prom`).
    package init(configuration: DaemonConfiguration, logger: Logger, pollInterval: Duration = .seconds(2)) {
        let target = configuration.targetName
        self.target = target
        webhooks = configuration.notify
        database = configuration.postgres
        outbox = NotificationOutbox(schema: configuration.schema)
        self.logger = logger
        maxBackoff = configuration.maxBackoff
        self.pollInterval = pollInterval
        metricsFile = configuration.metricsFile.map { Self.metricsPath(beside: $0, target: target) }
        client = WebhookClient(target: target)
    }

    /// `enginesync-notifications.prom` beside the daemon's metrics file, for the same textfile collector.
    package static func metricsPath(beside path: String, target: String? = nil) -> String {
        (path as NSString).deletingLastPathComponent.appending(
            "/enginesync-notifications\(target.map { "-" + $0 } ?? "").prom")
    }

    /// A reconcile finished: look at the outbox now rather than at the next poll.
    package func wakeUp() { wake.signal() }

    /// Creates the tables and every webhook's cursor before the first reconcile, so a webhook that is new
    /// starts with the first event after the daemon's start (not with the outbox's history, not after a
    /// first event recorded before it was seen). Failure (database down) is retried by the delivery loop.
    package func registerWebhooks() {
        try? onQueueSync { connection in
            try outbox.ensureTables(connection)
            for webhook in webhooks { _ = try outbox.pending(connection, target: webhook.target, limit: 1) }
        }
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    /// `run --once` (a cron job or a systemd timer has no delivery service running beside it): one pass over
    /// the outbox, each webhook's pending events in order until one fails. What is not delivered stays in the
    /// outbox, in order, for the next run. Returns how many events are delivered and still pending in all.
    package func deliverPendingOnce() async -> (delivered: Int, pending: Int) {
        var states = webhooks.map { _ in
            TargetState(
                backoff: Backoff(initial: .seconds(1), maximum: max(.seconds(1), maxBackoff)), retriesLater: false)
        }
        var random = SystemRandomNumberGenerator()
        for (index, webhook) in webhooks.enumerated() {
            await deliver(to: webhook, state: &states[index], random: &random)
        }
        writeMetrics(states)
        return (states.reduce(0) { $0 + $1.delivered }, states.reduce(0) { $0 + $1.pending })
    }

    private struct TargetState {
        var backoff: Backoff
        /// `false` for `run --once`: a failure is not retried in this process; the next run sends the event.
        var retriesLater = true
        var notBefore = ContinuousClock.now
        var deduplicator = ErrorDeduplicator()
        var delivered = 0
        var failures = 0
        var pending = 0
        var attempts = 0
    }

    private func loop() async {
        var states = webhooks.map { _ in
            TargetState(backoff: Backoff(initial: .seconds(1), maximum: max(.seconds(1), maxBackoff)))
        }
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            var wait = pollInterval
            for (index, webhook) in webhooks.enumerated() {
                let now = ContinuousClock.now
                if states[index].notBefore > now {
                    wait = min(wait, states[index].notBefore - now)
                    continue
                }
                await deliver(to: webhook, state: &states[index], random: &random)
                if states[index].notBefore > ContinuousClock.now { wait = min(wait, states[index].notBefore - .now) }
            }
            writeMetrics(states)
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
            _ = await wake.wait(timeout: max(wait, .milliseconds(50)))
        }
    }

    /// Sends the webhook's pending events in order until one fails or none is left.
    private func deliver(to webhook: Webhook, state: inout TargetState, random: inout SystemRandomNumberGenerator) async
    {
        while !Task.isCancelled {
            let events: [OutboxEvent]
            do {
                events = try await onQueue { [outbox] connection in
                    try outbox.ensureTables(connection)
                    return try outbox.pending(connection, target: webhook.target)
                }
            } catch {
                fail(webhook, state: &state, reason: "cannot read the outbox: \(error)", eventID: nil, random: &random)
                return
            }
            guard !events.isEmpty else {
                state.pending = 0
                return
            }
            for event in events {
                do {
                    try await client.send(event, to: webhook)
                } catch {
                    let reason = "\(error)"
                    _ = try? await onQueue { [outbox] in
                        try outbox.markFailed($0, target: webhook.target, error: reason)
                    }
                    fail(webhook, state: &state, reason: reason, eventID: event.id, random: &random)
                    let count = try? await onQueue { [outbox] in try outbox.pendingCount($0, target: webhook.target) }
                    if let count { state.pending = count }
                    return
                }
                do {
                    try await onQueue { [outbox] in
                        try outbox.markDelivered($0, target: webhook.target, position: event.position)
                    }
                } catch {
                    // Delivered but not recorded: the same event (same id) goes again after the back-off.
                    fail(
                        webhook, state: &state, reason: "cannot record the delivery: \(error)", eventID: event.id,
                        random: &random)
                    return
                }
                state.delivered += 1
                state.pending = max(0, state.pending - 1)
                state.attempts = 0
                state.backoff.reset()
                if case .recovered(let lastError, let failures) = state.deduplicator.succeeded() {
                    logger.notice(
                        "webhook delivery recovered",
                        metadata: [
                            "notify.url": "\(webhook.redactedURL)", "notify.error": "\(lastError)",
                            "retry.failures": "\(failures)",
                        ])
                }
                logger.info(
                    "notification delivered",
                    metadata: [
                        "notify.url": "\(webhook.redactedURL)", "notify.event": "\(event.event)",
                        "notify.id": "\(event.id)",
                        "git.commit": "\(event.commit ?? "")",
                    ])
            }
        }
    }

    private func fail(
        _ webhook: Webhook, state: inout TargetState, reason: String, eventID: String?,
        random: inout SystemRandomNumberGenerator
    ) {
        state.failures += 1
        state.attempts += 1
        let delay = state.backoff.nextDelay(using: &random)
        state.notBefore = .now + delay
        var metadata: Logger.Metadata = [
            "notify.url": "\(webhook.redactedURL)", "notify.error": "\(reason)",
            "retry.delay": "\(DurationText.format(delay))",
            "retry.failures": "\(state.attempts)",
        ]
        if let eventID { metadata["notify.id"] = "\(eventID)" }
        guard state.retriesLater else {
            metadata["retry.delay"] = nil
            logger.error("webhook delivery failed; the event stays in the outbox for the next run", metadata: metadata)
            return
        }
        switch state.deduplicator.failed(reason) {
        case .report: logger.error("webhook delivery failed, retrying with back-off", metadata: metadata)
        default: logger.debug("webhook delivery still failing", metadata: metadata)
        }
    }

    private func writeMetrics(_ states: [TargetState]) {
        guard let metricsFile else { return }
        var lines: [String] = []
        func series(_ name: String, _ type: String, _ help: String, _ value: (TargetState) -> Int) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (webhook, state) in zip(webhooks, states) {
                lines.append("\(name){url=\"\(Self.escapeLabel(webhook.redactedURL))\"} \(value(state))")
            }
        }
        series("enginesync_notifications_pending", "gauge", "Events in the outbox not yet delivered to the webhook.") {
            $0.pending
        }
        series("enginesync_notification_attempts", "gauge", "Failed attempts at the webhook's first pending event.") {
            $0.attempts
        }
        series("enginesync_notifications_delivered_total", "counter", "Events delivered since the daemon started.") {
            $0.delivered
        }
        series(
            "enginesync_notification_failures_total", "counter", "Failed delivery attempts since the daemon started."
        ) { $0.failures }
        do {
            try AtomicFileWriter.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: metricsFile, mode: 0o644)
        } catch {
            logger.debug("cannot write the notification metrics file", metadata: ["metrics.error": "\(error)"])
        }
    }

    static func escapeLabel(_ value: String) -> String {
        value.replacingText("\\", with: "\\\\").replacingText("\"", with: "\\\"")
            .replacingText("\n", with: "\\n")
    }

    /// Runs `body` on the queue with the (re)opened connection; a failure drops the connection.
    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.withConnection(body) })
            }
        }
    }

    private func onQueueSync<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try queue.sync { try withConnection(body) }
    }

    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let box: PostgresConnectionBox
        if let open = connection.withLock({ $0 }) {
            box = open
        } else {
            box = PostgresConnectionBox(try PostgresConnection.connect(database))
            connection.withLock { $0 = box }
        }
        do {
            return try body(box.connection)
        } catch {
            connection.withLock { $0 = nil }
            throw error
        }
    }
}
