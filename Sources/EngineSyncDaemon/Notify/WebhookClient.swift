package import EngineSync
import EngineSyncCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// POSTs one event to one webhook (issue 16) through Foundation's URLSession — on Linux, FoundationNetworking
/// over the system's libcurl and its OpenSSL (docs/ARCHITECTURE.md says why this client).
///
/// Every attempt is bounded (`timeout` for the whole request), so an unreachable or silent receiver costs a
/// failed attempt and a back-off, never a stuck daemon. Thread-safe: one ephemeral session, no cookies or cache.
package final class WebhookClient: Sendable {
    private let session: URLSession
    package let timeout: Duration
    /// A fleet's target whose events this client sends (`X-EngineSync-Target`, issue 17); `nil`: the single database.
    package let target: String?

    package init(timeout: Duration = .seconds(10), target: String? = nil) {
        self.timeout = timeout
        self.target = target
        let configuration = URLSessionConfiguration.ephemeral
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    /// Why an attempt failed, in one line for the log and `status` (never the secret or the URL's credentials).
    package struct Failure: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// Sends `event` to `webhook`; returns when the receiver answered 2xx, throws `Failure` otherwise.
    package func send(_ event: OutboxEvent, to webhook: Webhook) async throws(Failure) {
        guard let url = URL(string: webhook.url) else {
            throw Failure(description: "not a URL: \(webhook.redactedURL)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = event.body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("enginesync", forHTTPHeaderField: "User-Agent")
        request.setValue(event.id, forHTTPHeaderField: "X-EngineSync-Event-Id")
        request.setValue(event.event, forHTTPHeaderField: "X-EngineSync-Event")
        if let target { request.setValue(target, forHTTPHeaderField: "X-EngineSync-Target") }
        if let secret = webhook.secret {
            request.setValue(
                WebhookSignature.sign(event.body, secret: secret), forHTTPHeaderField: WebhookSignature.header)
        }
        let result: Result<Int, any Error> = await withCheckedContinuation { continuation in
            let task = session.dataTask(with: request) { _, response, error in
                if let error {
                    continuation.resume(returning: .failure(error))
                } else {
                    continuation.resume(returning: .success((response as? HTTPURLResponse)?.statusCode ?? 0))
                }
            }
            task.resume()
        }
        switch result {
        case .success(let status) where (200..<300).contains(status):
            return
        case .success(let status):
            let hint = status == 401 || status == 403 ? " (refused: is secret_file the receiver's secret?)" : ""
            throw Failure(description: "\(webhook.redactedURL) answered HTTP \(status)\(hint)")
        case .failure(let error):
            let reason =
                (error as? URLError).map { "\($0.localizedDescription) (URLError \($0.code.rawValue))" }
                ?? "\(error.localizedDescription)"
            throw Failure(description: "cannot reach \(webhook.redactedURL): \(reason)")
        }
    }
}
