import EngineSyncDaemon
import Foundation
import TextAlgorithms
import Yams

/// Reads the `notify:` list of the configuration file (issue 16): a sequence of mappings with `url` and an
/// optional `secret_file`, refusing anything else with the file and the entry named (like every key).
enum WebhookSettings {
    static let entryKeys: Set<String> = ["url", "secret_file"]

    /// The webhooks of the file's `notify:` key (none when absent or null), secrets not yet read.
    static func parse(_ text: String, origin: String) throws(DaemonConfigurationError) -> [Webhook] {
        guard let root = try? DaemonConfigurationLoader.composeYAML(text), let mapping = root.mapping,
            let node = mapping.first(where: { $0.key.string == "notify" })?.value
        else { return [] }
        if node.null != nil, node.scalar?.style == .plain { return [] }
        guard let sequence = node.sequence else {
            throw DaemonConfigurationError(
                origin: origin, key: "notify", message: "expected a list of `- url: …` entries")
        }
        var webhooks: [Webhook] = []
        for (index, entry) in sequence.enumerated() {
            let key = "notify[\(index)]"
            guard let fields = entry.mapping else {
                throw DaemonConfigurationError(
                    origin: origin, key: key, message: "expected a mapping with url and secret_file")
            }
            var values: [String: String] = [:]
            for (keyNode, valueNode) in fields {
                guard let name = keyNode.string, entryKeys.contains(name) else {
                    throw DaemonConfigurationError(
                        origin: origin, key: key,
                        message:
                            "unknown key \(keyNode.string.map { "\"\($0)\"" } ?? "") (expected url, secret_file)")
                }
                guard let value = valueNode.scalar?.string.trimmingWhitespace(), !value.isEmpty else {
                    throw DaemonConfigurationError(
                        origin: origin, key: "\(key).\(name)", message: "expected a single value")
                }
                values[name] = value
            }
            guard let url = values["url"] else {
                throw DaemonConfigurationError(origin: origin, key: "\(key).url", message: "missing")
            }
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
                parsed.host != nil
            else {
                throw DaemonConfigurationError(
                    origin: origin, key: "\(key).url",
                    message:
                        "expected an http:// or https:// URL, got \"\(DaemonConfiguration.redactedURL(url))\"")
            }
            let webhook = Webhook(url: url, secretFile: values["secret_file"])
            // Each webhook's delivery cursor is keyed by its redacted URL (no secret in the database): two
            // URLs equal once redacted would share one cursor, and one of them would never get an event.
            if let earlier = webhooks.firstIndex(where: { $0.target == webhook.target }) {
                throw DaemonConfigurationError(
                    origin: origin, key: "\(key).url",
                    message:
                        "\"\(webhook.redactedURL)\" is notify[\(earlier)]'s URL, or differs from it only in a "
                        + "password, token or query value; each webhook needs a URL of its own (e.g. another path)")
            }
            webhooks.append(webhook)
        }
        return webhooks
    }

    /// Reads every `secret_file` (`$CREDENTIALS_DIRECTORY` expanded; trailing newlines dropped): a missing or
    /// empty file fails start-up rather than sending unsigned events a receiver would reject.
    static func readSecrets(
        _ webhooks: [Webhook], origin: String,
        environment: [String: String]
    ) throws(DaemonConfigurationError) -> [Webhook] {
        var result: [Webhook] = []
        for (index, var webhook) in webhooks.enumerated() {
            if let file = webhook.secretFile {
                let path = ConfigurationKey.expandCredentialsDirectory(file, environment: environment)
                guard let data = FileManager.default.contents(atPath: path),
                    let secret = String(data: data, encoding: .utf8)?.trimmingNewlines(), !secret.isEmpty
                else {
                    throw DaemonConfigurationError(
                        origin: origin, key: "notify[\(index)].secret_file",
                        message: "cannot read \(path), or it is empty")
                }
                webhook.secretFile = path
                webhook.secret = secret
            }
            result.append(webhook)
        }
        return result
    }
}
