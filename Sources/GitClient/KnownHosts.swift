import Crypto
import Foundation
import TextAlgorithms

/// An OpenSSH known_hosts file, read for one host-key check (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT").
///
/// Supported: plain and hashed (`|1|salt|hash`, `ssh-keygen -H`) host names, `[host]:port` for ports other
/// than 22, comma-separated patterns with `*`/`?` wildcards and `!` negation, and `@revoked` lines.
/// `@cert-authority` lines are ignored (host certificates are not supported). The key is compared as the
/// exact key blob (type and bytes) the server presented, not as a fingerprint.
struct KnownHosts {
    enum Verdict: Equatable {
        case match
        /// The host is listed, but with other keys.
        case mismatch
        /// The host is not listed at all.
        case unknown
        case revoked
    }

    struct Entry {
        var marker: String?
        var patterns: [String]
        var keyType: String
        var key: [UInt8]
    }

    var entries: [Entry]

    init(text: String) {
        entries = []
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var marker: String?
            if let first = fields.first, first.hasPrefix("@") {
                marker = first
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { continue }
            entries.append(
                Entry(
                    marker: marker, patterns: fields[0].split(separator: ",").map(String.init),
                    keyType: fields[1], key: Array(key)))
        }
    }

    /// Checks the key blob `key` presented by `name` (`host` or `[host]:port`, see `GitSSHRemote.knownHostsName`).
    func verify(name: String, key: [UInt8]) -> Verdict {
        let relevant = entries.filter { Self.matches($0.patterns, name: name) }
        if relevant.contains(where: { $0.marker == "@revoked" && $0.key == key }) { return .revoked }
        let plain = relevant.filter { $0.marker == nil }
        if plain.contains(where: { $0.key == key }) { return .match }
        return plain.isEmpty ? .unknown : .mismatch
    }

    /// True when one pattern matches `name` and no negated pattern does.
    static func matches(_ patterns: [String], name: String) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("|1|") {
                if hashedMatches(pattern, name: name) { matched = true }
            } else if pattern.hasPrefix("!") {
                if glob(pattern.dropFirst().lowercased(), name.lowercased()) { return false }
            } else if glob(pattern.lowercased(), name.lowercased()) {
                matched = true
            }
        }
        return matched
    }

    /// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
    static func hashedMatches(_ pattern: String, name: String) -> Bool {
        let parts = pattern.split(separator: "|", omittingEmptySubsequences: true)
        guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])),
            let hash = Data(base64Encoded: String(parts[2]))
        else { return false }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(name.utf8), using: SymmetricKey(data: salt))
        return Data(mac) == hash
    }

    /// `*` (any run) and `?` (one character) over Unicode scalars.
    static func glob<P: StringProtocol, N: StringProtocol>(_ pattern: P, _ name: N) -> Bool {
        let p = Array(pattern.unicodeScalars)
        let n = Array(name.unicodeScalars)
        var pi = 0
        var ni = 0
        var star = -1
        var mark = 0
        while ni < n.count {
            if pi < p.count, p[pi] == "?" || p[pi] == n[ni] {
                pi += 1
                ni += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ni
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ni = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
