internal import CLibCurl
import Dispatch
package import EngineSync
import EngineSyncCore
import Foundation

/// POSTs one event to one webhook (issue 16) through libcurl, loaded when the first event is sent: a daemon
/// without `notify:` never maps libcurl and the libraries only it needs (docs/ARCHITECTURE.md says why this client).
///
/// Every attempt is bounded (`timeout` for the whole request), so an unreachable or silent receiver costs a
/// failed attempt and a back-off, never a stuck daemon. Only `http` and `https`; a redirect is not followed (a
/// webhook that moved answers 3xx, which is reported); TLS verifies the receiver as libcurl does by default.
/// Thread-safe: each request has its own handle, run on a thread of Dispatch's, not on the caller's.
package final class WebhookClient: Sendable {
    package let timeout: Duration
    /// A fleet's target whose events this client sends (`X-EngineSync-Target`, issue 17); `nil`: the single database.
    package let target: String?

    package init(timeout: Duration = .seconds(10), target: String? = nil) {
        self.timeout = timeout
        self.target = target
    }

    /// Why an attempt failed, in one line for the log and `status` (never the secret or the URL's credentials).
    package struct Failure: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// Sends `event` to `webhook`; returns when the receiver answered 2xx, throws `Failure` otherwise.
    package func send(_ event: OutboxEvent, to webhook: Webhook) async throws(Failure) {
        guard let url = URL(string: webhook.url), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host != nil
        else {
            throw Failure(description: "not an http(s) URL: \(webhook.redactedURL)")
        }
        var headers = [
            "Content-Type: application/json", "User-Agent: enginesync", "X-EngineSync-Event-Id: \(event.id)",
            "X-EngineSync-Event: \(event.event)",
        ]
        if let target { headers.append("X-EngineSync-Target: \(target)") }
        if let secret = webhook.secret {
            headers.append("\(WebhookSignature.header): \(WebhookSignature.sign(event.body, secret: secret))")
        }
        let (seconds, attoseconds) = timeout.components
        let milliseconds = max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
        let outcome = await Self.post(
            url: webhook.url, body: event.body, headers: headers, timeoutMilliseconds: milliseconds)
        switch outcome {
        case .answered(let status) where (200..<300).contains(status):
            return
        case .answered(let status):
            let hint = status == 401 || status == 403 ? " (refused: is secret_file the receiver's secret?)" : ""
            throw Failure(description: "\(webhook.redactedURL) answered HTTP \(status)\(hint)")
        case .unreachable(let reason):
            throw Failure(description: "cannot reach \(webhook.redactedURL): \(SourceReader.redactingURLs(reason))")
        case .noLibcurl(let reason):
            throw Failure(
                description: "cannot send to \(webhook.redactedURL): webhooks need libcurl (\(reason); "
                    + "on Debian: apt-get install libcurl4)")
        }
    }

    private enum Outcome: Sendable {
        case answered(Int)
        case unreachable(String)
        case noLibcurl(String)
    }

    /// The blocking libcurl call, on a Dispatch thread so that no Swift concurrency thread waits for the network.
    private static func post(url: String, body: Data, headers: [String], timeoutMilliseconds: Int) async -> Outcome {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: perform(url: url, body: body, headers: headers, timeoutMilliseconds: timeoutMilliseconds)
                )
            }
        }
    }

    private static func perform(url: String, body: Data, headers: [String], timeoutMilliseconds: Int) -> Outcome {
        var status = 0
        var error = [CChar](repeating: 0, count: 512)
        let code: Int32 = withCStrings(headers) { headerPointers in
            body.withUnsafeBytes { bytes in
                let base = bytes.bindMemory(to: CChar.self).baseAddress
                return withUnsafePointer(to: CChar(0)) { empty in
                    enginesync_curl_post(
                        url, base ?? empty, bytes.count, headerPointers, headerPointers.count,
                        timeoutMilliseconds, &status, &error, error.count)
                }
            }
        }
        let message = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch code {
        case 0: return .answered(status)
        case -1: return .noLibcurl(message)
        default: return .unreachable(message)
        }
    }

    /// `strings` as C strings for the length of `body`.
    private static func withCStrings<Result>(
        _ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> Result
    ) -> Result {
        let copies = strings.map { strdup($0) }
        defer {
            for copy in copies { free(copy) }
        }
        return body(copies.map { UnsafePointer($0) })
    }
}
