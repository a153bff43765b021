import Foundation
import TextAlgorithms

/// An OpenSSH `allowed_signers` file (ssh-keygen(1), "ALLOWED SIGNERS"; git's `gpg.ssh.allowedSignersFile`),
/// parsed only to refuse a malformed file at start-up with its line: `ssh-keygen -Y` does the verifying, from
/// `text`, so what enginesync checks and what ssh-keygen reads are the same bytes.
///
/// A line is `principals [options] keytype base64-key [comment]`; `#` comments and blank lines are skipped.
public struct AllowedSigners: Sendable, Equatable {
    /// One signer line.
    public struct Entry: Sendable, Equatable {
        /// Comma-separated principal patterns (`alice@example.com`, `*@example.com`).
        public var principals: [String]
        /// `cert-authority`, `namespaces="git"`, `valid-after=…`, `valid-before=…`.
        public var options: [String]
        public var keyType: String
        /// The base64 public key blob.
        public var key: String
        /// 1-based line in the file.
        public var line: Int
    }

    /// The file the signers came from, for messages.
    public var file: String
    public var entries: [Entry]
    /// The file's text as read: what `ssh-keygen -Y` is given (from a private temporary copy, so a reload
    /// decides when a change takes effect, not the moment the file is edited).
    public var text: String

    /// Key types OpenSSH accepts in allowed_signers (plain keys and certificates' authorities).
    public static let keyTypes: Set<String> = [
        "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    static let optionNames: Set<String> = ["cert-authority", "namespaces", "valid-after", "valid-before"]

    /// Parses the text of `file`; an empty file (or only comments) is valid and trusts no one.
    public static func parse(_ text: String, file: String) throws(AllowedSignersError) -> AllowedSigners {
        var entries: [Entry] = []
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            func fail(_ message: String) -> AllowedSignersError {
                AllowedSignersError(file: file, line: number, message: message)
            }
            guard let tokens = tokenize(trimmed) else { throw fail("unterminated quote") }
            guard tokens.count >= 3 else {
                throw fail("expected \"principals [options] key-type base64-key\", got \(tokens.count) field(s)")
            }
            let principals = tokens[0].split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimming { $0 == "\"" }
            }
            guard !principals.contains(where: \.isEmpty) else { throw fail("an empty principal") }
            var index = 1
            var options: [String] = []
            if !isKeyType(tokens[1]) {
                options = splitOptions(tokens[1])
                for option in options {
                    let name = option.split(separator: "=", maxSplits: 1).first.map(String.init)?.lowercased() ?? ""
                    guard optionNames.contains(name) else {
                        throw fail(
                            "unknown option \"\(name)\" (expected cert-authority, namespaces, valid-after or "
                                + "valid-before) or unknown key type")
                    }
                }
                index = 2
            }
            guard index + 1 < tokens.count else { throw fail("missing the key after the key type") }
            let keyType = tokens[index]
            guard isKeyType(keyType) else {
                throw fail(
                    "unknown key type \"\(keyType)\" (expected one of \(keyTypes.sorted().joined(separator: ", ")))")
            }
            let key = tokens[index + 1]
            guard let blob = Data(base64Encoded: key), let embedded = embeddedKeyType(blob) else {
                throw fail("the key is not valid base64 of an OpenSSH public key")
            }
            guard embedded == keyType else {
                throw fail("the key is a \(embedded) key but the line says \(keyType)")
            }
            entries.append(Entry(principals: principals, options: options, keyType: keyType, key: key, line: number))
        }
        return AllowedSigners(file: file, entries: entries, text: text)
    }

    static func isKeyType(_ token: String) -> Bool {
        keyTypes.contains(token)
    }

    /// The first field of the key blob: a big-endian length and the key type name.
    static func embeddedKeyType(_ blob: Data) -> String? {
        let bytes = [UInt8](blob)
        guard bytes.count >= 4 else { return nil }
        let length = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= 64, bytes.count >= 4 + length else { return nil }
        return String(bytes: bytes[4..<(4 + length)], encoding: .utf8)
    }

    /// Whitespace-separated fields; double quotes group (options such as `namespaces="git,file"`).
    static func tokenize(_ line: String) -> [String]? {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        for character in line {
            if character == "\"" {
                quoted.toggle()
                current.append(character)
            } else if !quoted, character == " " || character == "\t" {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if quoted { return nil }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// Options are comma-separated, commas inside quotes excluded.
    static func splitOptions(_ field: String) -> [String] {
        var options: [String] = []
        var current = ""
        var quoted = false
        for character in field {
            if character == "\"" { quoted.toggle() }
            if character == ",", !quoted {
                options.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        options.append(current)
        return options
    }
}

/// A malformed allowed_signers line, named by file and line for the start-up error.
public struct AllowedSignersError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    /// 1-based; 0 when the file itself could not be read.
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
