import EngineSync
import Foundation
package import Logging
import TextAlgorithms

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler for systemd's journal: one line per message on stderr, prefixed with the syslog
/// priority in angle brackets (`<6>`), which journald strips and keeps as the entry's level
/// (sd-daemon(3)), followed by the message and `key=value` metadata.
///
/// One line means one journal entry: newlines inside a message or value are escaped. Values that could
/// be secrets (keys naming a password, secret or token) are replaced by `***` as a last line of defence;
/// callers must still never log a DSN or a password. Thread-safe: each message is written with one
/// write(2) call to the stderr descriptor, which keeps concurrent lines whole.
///
/// The level comes from a shared `LogLevelSetting` (a reload changes every logger at once) unless a
/// logger sets its own.
package struct JournaldLogHandler: LogHandler {
    package var logLevel: Logger.Level {
        get { ownLevel ?? sharedLevel.level }
        set { ownLevel = newValue }
    }
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: @Sendable (String) -> Void
    private let sharedLevel: LogLevelSetting
    /// Set through `logLevel` on one logger: overrides the shared level for that logger only.
    private var ownLevel: Logger.Level?

    /// - Parameters:
    ///   - level: the shared level this handler follows.
    ///   - output: receives each finished line (with its newline); stderr by default.
    package init(
        label: String, level: LogLevelSetting, metadataProvider: Logger.MetadataProvider? = nil,
        output: (@Sendable (String) -> Void)? = nil
    ) {
        self.label = label
        self.sharedLevel = level
        self.metadataProvider = metadataProvider
        self.output = output ?? Self.writeToStandardError
    }

    /// A handler with a level of its own.
    package init(
        label: String, level: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil,
        output: (@Sendable (String) -> Void)? = nil
    ) {
        self.init(label: label, level: LogLevelSetting(level), metadataProvider: metadataProvider, output: output)
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// syslog(3) priorities: journald maps them to its levels.
    package static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        output(Self.format(level: event.level, message: "\(event.message)", metadata: merged))
    }

    /// `<N>message key=value …` plus a newline; keys sorted for stable output.
    package static func format(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        // Every URL's credentials are masked in the message and in every value (a remote's password or token).
        var line = "<\(priority(of: level))>" + escape(SourceReader.redactingURLs(message))
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            let text = isSecret(key) ? "***" : SourceReader.redactingURLs("\(value)")
            line += " \(key)=\(quoteIfNeeded(escape(text)))"
        }
        return line + "\n"
    }

    static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "passwd", "secret", "token"].contains { lowered.containsText($0) }
    }

    static func escape(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline || $0 == "\t" }) else { return text }
        var result = ""
        for character in text {
            switch character {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result.append(character.isNewline ? " " : character)
            }
        }
        return result
    }

    static func quoteIfNeeded(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return value }
        return "\"" + value.replacingText("\\", with: "\\\\").replacingText("\"", with: "\\\"")
            + "\""
    }

    @Sendable static func writeToStandardError(_ line: String) {
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return Glibc.write(STDERR_FILENO, base + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return  // stderr is gone: nothing sensible left to do with a log line
            }
            offset += written
        }
    }
}
