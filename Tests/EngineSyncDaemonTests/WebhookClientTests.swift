import EngineSyncCore
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import Synchronization
import Testing

@testable import EngineSync

/// The webhook client over libcurl (loaded when the first event is sent), against a real local HTTP receiver.
@Suite struct WebhookClientTests {
    static let event = OutboxEvent(
        position: 1, id: "evt-1", event: "synced", commit: "abc", body: Data(#"{"id":"evt-1"}"#.utf8))

    @Test func postsTheBodyWithItsHeadersAndSignature() async throws {
        let receiver = LocalHTTPReceiver()
        try receiver.start()
        defer { receiver.stop() }
        let client = WebhookClient(timeout: .seconds(5), target: "staging")
        try await client.send(Self.event, to: Webhook(url: receiver.url, secret: "s3cret"))
        let request = try #require(receiver.requests.first)
        #expect(request.body == Self.event.body)
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("X-EngineSync-Event-Id") == "evt-1")
        #expect(request.header("X-EngineSync-Event") == "synced")
        #expect(request.header("X-EngineSync-Target") == "staging")
        #expect(
            request.header(WebhookSignature.header) == WebhookSignature.sign(Self.event.body, secret: "s3cret"))
    }

    /// A receiver that moved answers 3xx: a failure naming the status (libcurl is told not to follow redirects: a
    /// POST turned into a GET elsewhere helps no one).
    @Test func aRedirectIsAFailureNamingTheStatus() async throws {
        let answered = Answers()
        let receiver = LocalHTTPReceiver { _ in
            answered.count.withLock { $0 += 1 }
            return 301
        }
        try receiver.start()
        defer { receiver.stop() }
        do {
            try await WebhookClient(timeout: .seconds(5)).send(Self.event, to: Webhook(url: receiver.url))
            Issue.record("a 301 counted as delivered")
        } catch {
            #expect(error.description == "\(receiver.url) answered HTTP 301")
        }
        #expect(answered.count.withLock { $0 } == 1)
    }

    private final class Answers: Sendable {
        let count = Mutex(0)
    }

    /// Only http and https reach libcurl: a `file:` or `ftp:` URL in `notify:` is refused before any request.
    @Test(arguments: ["file:///etc/passwd", "ftp://example.com/hook", "not a url", "gopher://example.com/"])
    func onlyHTTPAndHTTPSAreSent(url: String) async throws {
        do {
            try await WebhookClient(timeout: .seconds(2)).send(Self.event, to: Webhook(url: url))
            Issue.record("\(url) was sent")
        } catch {
            #expect(error.description.hasPrefix("not an http(s) URL: "), "\(error.description)")
        }
    }

    /// https goes through libcurl's TLS: a receiver that does not speak TLS is a failed attempt, not a hang or a crash.
    @Test func httpsToAPlainReceiverFailsTheHandshake() async throws {
        let receiver = LocalHTTPReceiver()
        try receiver.start()
        defer { receiver.stop() }
        let url = "https://127.0.0.1:\(receiver.port)/hook"
        do {
            // The receiver waits for a request, libcurl for the server's hello: the attempt ends at its limit.
            try await WebhookClient(timeout: .seconds(1)).send(Self.event, to: Webhook(url: url))
            Issue.record("a plain HTTP receiver accepted TLS")
        } catch {
            #expect(error.description.hasPrefix("cannot reach \(url): "), "\(error)")
        }
        #expect(receiver.requests.isEmpty)
    }

    /// Connection refused and a silent receiver are failures naming the URL without its credentials.
    @Test func anUnreachableReceiverIsAFailureWithoutTheURLsPassword() async throws {
        let webhook = Webhook(url: "http://alice:hunter2@127.0.0.1:9/hook")
        do {
            try await WebhookClient(timeout: .seconds(2)).send(Self.event, to: webhook)
            Issue.record("port 9 answered")
        } catch {
            #expect(error.description.hasPrefix("cannot reach http://"), "\(error)")
            #expect(error.description.contains("127.0.0.1:9/hook: "), "\(error)")
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
    }
}
