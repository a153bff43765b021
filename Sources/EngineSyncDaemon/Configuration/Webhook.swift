/// One `notify:` entry: a URL to POST notification events to, and optionally the file holding the secret
/// that signs them (HMAC-SHA256 of the body in `X-Hub-Signature-256`, as GitHub's webhooks do).
///
/// The secret is read once at start-up (and on reload) and kept out of every printable form.
package struct Webhook: Sendable, Equatable {
    package var url: String
    package var secretFile: String?
    /// Read from `secretFile`; never logged, never in `status` or a report.
    package var secret: String?

    package init(url: String, secretFile: String? = nil, secret: String? = nil) {
        self.url = url
        self.secretFile = secretFile
        self.secret = secret
    }

    /// The URL without credentials or query values (`URLRedaction`): what logs, metrics and `status` show.
    package var redactedURL: String { DaemonConfiguration.redactedURL(url) }

    /// The delivery cursor's key in `engine_notification_deliveries`: the redacted URL, so a token in the URL
    /// never reaches the database either.
    package var target: String { redactedURL }

    var redactedDescription: String { redactedURL + (secretFile.map { " (secret_file=\($0))" } ?? "") }
}
