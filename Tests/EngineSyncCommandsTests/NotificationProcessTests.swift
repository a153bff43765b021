import EngineSyncCore
import EngineSyncTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Webhook notifications end to end (issue 16): the daemon process, a real database, real pushes and a local
/// HTTP receiver that checks every signature.
@Suite("notifications", .serialized)
struct NotificationProcessTests {
    static let secret = "not-the-real-secret-\(UUID().uuidString)"

    static func config(
        _ remote: DaemonProcessTests.Remote, database: ScratchDatabase, state: String,
        webhooks: [(url: String, secretFile: String?)]
    ) throws -> String {
        var text =
            "repo: \(remote.bare.path)\ndatabase: \"\(database.dsn)\"\nstate_dir: \(state)\npoll_interval: 1s\n"
            + "max_backoff: 2s\nmetrics_file: \(state)/enginesync.prom\nnotify:\n"
        for webhook in webhooks {
            text += "  - url: \(webhook.url)\n" + (webhook.secretFile.map { "    secret_file: \($0)\n" } ?? "")
        }
        let path = state + "/enginesync.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The (id, event) of each request the receiver accepted, in arrival order.
    static func events(_ receiver: LocalHTTPReceiver) -> [(id: String, event: String)] {
        receiver.requests.compactMap { request in
            guard let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
                let id = object["id"] as? String, let event = object["event"] as? String
            else { return nil }
            return (id, event)
        }
    }

    static func log(_ state: String) -> String {
        (try? String(contentsOfFile: state + "/daemon.log", encoding: .utf8)) ?? ""
    }

    @Test func eventsArriveInOrderOnceByIdAcrossAKillAndAReceiverThatIsDown() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try DaemonProcessTests.Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            try Self.secret.write(toFile: state + "/secret", atomically: true, encoding: .utf8)
            let secret = Self.secret
            let receiver = LocalHTTPReceiver { request in
                request.header(WebhookSignature.header) == WebhookSignature.sign(request.body, secret: secret)
                    ? 200 : 401
            }
            try receiver.start()
            let config = try Self.config(
                remote, database: database, state: state,
                webhooks: [(receiver.url, state + "/secret")])
            let listener = try NotifyListener(path: state + "/notify.sock")
            var daemon = try DaemonProcess(
                arguments: ["run", "--config", config], environment: ["NOTIFY_SOCKET": listener.path],
                log: state + "/daemon.log")
            defer { daemon.kill() }
            #expect(listener.waitFor("READY=1", timeout: 20))

            try remote.push(["dsl/models/post.json": DaemonProcessTests.post], message: "create")
            #expect(waitUntil(timeout: 30) { Self.events(receiver).count == 1 }, "\(Self.log(state))")

            // The receiver goes down: the blocked and invalid commits' events wait in the outbox.
            receiver.stop()
            let narrowed = try remote.push(
                ["dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 10}}}"#],
                message: "narrow")
            #expect(
                waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: "\(state)/reports/\(narrowed).json") })
            // The outbox's tables are enginesync's own: never reported as drift.
            let narrowedReport =
                (try? String(contentsOfFile: "\(state)/reports/\(narrowed).json", encoding: .utf8)) ?? ""
            #expect(!narrowedReport.contains("engine_notification"), "\(narrowedReport)")
            #expect(
                waitUntil(timeout: 30) {
                    Self.log(state).contains("cannot reach http://127.0.0.1:\(receiver.port)/hook")
                },
                "\(Self.log(state))")
            let broken = try remote.push(["dsl/models/post.json": #"{"fields": {"#], message: "typo")
            #expect(
                waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: "\(state)/reports/\(broken).json") })
            #expect(waitUntil(timeout: 10) { Self.log(state).contains("notification recorded") })

            // kill -9, the receiver comes back, a fix is pushed while the daemon is down.
            daemon.kill()
            daemon.process.waitUntilExit()
            try receiver.start(port: receiver.port)
            try remote.push(["dsl/models/post.json": DaemonProcessTests.post], message: "fix")
            daemon = try DaemonProcess(
                arguments: ["run", "--config", config], environment: [:], log: state + "/daemon2.log")
            #expect(
                waitUntil(timeout: 40) { Set(Self.events(receiver).map(\.id)).count == 4 },
                "\(Self.events(receiver)) \(Self.log(state))")

            var seen: [String] = []
            var order: [String] = []
            for event in Self.events(receiver) where !seen.contains(event.id) {
                seen.append(event.id)
                order.append(event.event)
            }
            #expect(order == ["synced", "blocked", "invalid", "recovered"], "\(Self.events(receiver))")
            for request in receiver.requests {
                #expect(
                    request.header("X-EngineSync-Event-Id").map { id in request.body.count > 0 && seen.contains(id) }
                        == true)
            }
            let status = try EngineSyncBinary.run(["status", "--config", config])
            #expect(
                status.stdout.contains("notify http://127.0.0.1:\(receiver.port)/hook: 0 pending"),
                "\(status.stdout) \(status.stderr)")
            #expect(!status.stdout.contains(secret) && !Self.log(state).contains(secret))
            #expect(
                waitUntil(timeout: 10) {
                    ((try? String(contentsOfFile: state + "/enginesync-notifications.prom", encoding: .utf8)) ?? "")
                        .contains("enginesync_notifications_pending{url=\"http://127.0.0.1:\(receiver.port)/hook\"} 0")
                })
        }
    }

    @Test func aWrongSecretOrAnUnreachableURLIsALogLineAndReconcilesGoOn() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try DaemonProcessTests.Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            try "the-wrong-secret".write(toFile: state + "/secret", atomically: true, encoding: .utf8)
            let secret = Self.secret
            let receiver = LocalHTTPReceiver { request in
                request.header(WebhookSignature.header) == WebhookSignature.sign(request.body, secret: secret)
                    ? 200 : 401
            }
            try receiver.start()
            // Port 9 (discard) on loopback: nothing listens, the connection is refused.
            let config = try Self.config(
                remote, database: database, state: state,
                webhooks: [(receiver.url, state + "/secret"), ("http://127.0.0.1:9/hook", nil)])
            let daemon = try DaemonProcess(
                arguments: ["run", "--config", config], environment: [:], log: state + "/daemon.log")
            defer { daemon.kill() }

            let created = try remote.push(["dsl/models/post.json": DaemonProcessTests.post], message: "create")
            #expect(
                waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: "\(state)/reports/\(created).json") })
            #expect(
                waitUntil(timeout: 30) {
                    Self.log(state).contains("answered HTTP 401 (refused: is secret_file the receiver's secret?)")
                        && Self.log(state).contains("cannot reach http://127.0.0.1:9/hook")
                }, "\(Self.log(state))")
            // The daemon is not stuck: the next push is reconciled while both webhooks keep failing.
            let narrowed = try remote.push(
                ["dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 10}}}"#],
                message: "narrow")
            #expect(
                waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: "\(state)/reports/\(narrowed).json") })
            #expect(receiver.requests.isEmpty)
            let log = Self.log(state)
            #expect(
                log.components(separatedBy: "answered HTTP 401").count == 2, "logged once per distinct error:\n\(log)")
            #expect(!log.contains("the-wrong-secret"))
            let status = try EngineSyncBinary.run(["status", "--config", config])
            #expect(status.stdout.contains("failing"), "\(status.stdout) \(status.stderr)")
            #expect(status.stdout.contains("2 pending"), "\(status.stdout)")
        }
    }

    /// `run --once` (a cron job, a systemd timer) has no delivery service beside it: it delivers what its
    /// reconcile recorded before exiting, and an event it cannot deliver waits in the outbox for the next run.
    @Test func runOnceDeliversItsEventsAndKeepsWhatItCannot() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try DaemonProcessTests.Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let receiver = LocalHTTPReceiver { _ in 200 }
            try receiver.start()
            defer { receiver.stop() }
            let config = try Self.config(remote, database: database, state: state, webhooks: [(receiver.url, nil)])
            let once = ["run", "--once", "--config", config]

            let created = try remote.push(["dsl/models/post.json": DaemonProcessTests.post], message: "create")
            let first = try EngineSyncBinary.run(once)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("notifications: 1 delivered"), "\(first.stdout)")
            #expect(Self.events(receiver).map(\.event) == ["synced"])
            let body = String(decoding: receiver.requests.first?.body ?? Data(), as: UTF8.self)
            #expect(body.contains(created), "\(body)")

            // The receiver is down: the blocked commit's event is kept, and the exit code is the reconcile's.
            receiver.stop()
            try remote.push(
                ["dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 10}}}"#],
                message: "narrow")
            let blocked = try EngineSyncBinary.run(once)
            #expect(blocked.status == 2, "\(blocked.stderr)")
            #expect(
                blocked.stdout.contains("notifications: 0 delivered, 1 pending (kept in the outbox for the next run)"),
                "\(blocked.stdout)")
            #expect(blocked.stderr.contains("the event stays in the outbox for the next run"), "\(blocked.stderr)")

            // The next run, with nothing new to reconcile, delivers it.
            try receiver.start(port: receiver.port)
            let next = try EngineSyncBinary.run(once)
            #expect(next.stdout.contains("already reconciled"), "\(next.stdout)")
            #expect(next.stdout.contains("notifications: 1 delivered"), "\(next.stdout)")
            #expect(Self.events(receiver).map(\.event) == ["synced", "blocked"], "\(Self.events(receiver))")
        }
    }
}
