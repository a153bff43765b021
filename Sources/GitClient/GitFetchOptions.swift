import Foundation
import TextAlgorithms

/// How `GitRepository.fetchMirror` authenticates to an ssh remote and verifies its host key.
///
/// Plain values (paths, no key material): the private key is read by libssh2 at connect time, the
/// known_hosts file by enginesync at the host-key check. Neither is ever logged.
public struct GitFetchOptions: Sendable, Equatable {
    /// Private key file for ssh remotes (OpenSSH or PEM format; ed25519 or ECDSA recommended: libssh2 1.10
    /// signs RSA keys with SHA-1 only, which OpenSSH 8.8+ servers refuse). `nil`: ssh fetches fail.
    public var sshPrivateKeyFile: String?
    /// Public key file; `nil`: libssh2 derives it from the private key.
    public var sshPublicKeyFile: String?
    /// Passphrase of an encrypted private key; `nil`: the key is not encrypted.
    public var sshPassphrase: String?
    /// OpenSSH known_hosts file holding the remote's host key. `nil`: every ssh host key is refused.
    public var sshKnownHostsFile: String?

    public init(
        sshPrivateKeyFile: String? = nil, sshPublicKeyFile: String? = nil, sshPassphrase: String? = nil,
        sshKnownHostsFile: String? = nil
    ) {
        self.sshPrivateKeyFile = sshPrivateKeyFile
        self.sshPublicKeyFile = sshPublicKeyFile
        self.sshPassphrase = sshPassphrase
        self.sshKnownHostsFile = sshKnownHostsFile
    }
}

/// The parts of a remote URL the ssh transport uses, parsed the way libgit2 does: `ssh://[user@]host[:port]/path`
/// (also `ssh+git://`, `git+ssh://`) and scp-like `[user@]host:path`.
public struct GitSSHRemote: Sendable, Equatable {
    public var user: String?
    public var host: String
    public var port: Int

    public init(user: String?, host: String, port: Int) {
        self.user = user
        self.host = host
        self.port = port
    }

    /// `nil` when `url` is not an ssh URL (file://, https://, a local path …).
    public init?(url: String) {
        let lower = url.lowercased()
        var authority: Substring
        if let prefix = ["ssh://", "ssh+git://", "git+ssh://"].first(where: { lower.hasPrefix($0) }) {
            let rest = url.dropFirst(prefix.count)
            authority = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
        } else if !url.containsText("://"), !url.hasPrefix("/"), !url.hasPrefix("."),
            let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/" as Character)
        {
            // scp-like: a colon before any slash (git's rule for telling it from a local path).
            authority = url[..<colon]
            port = 22
            if let at = authority.lastIndex(of: "@") {
                user = String(authority[..<at])
                authority = authority[authority.index(after: at)...]
            }
            host = authority.trimming { $0 == "[" || $0 == "]" }
            guard !host.isEmpty else { return nil }
            return
        } else {
            return nil
        }
        if let at = authority.lastIndex(of: "@") {
            user = String(authority[..<at]).removingPercentEncoding ?? String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        port = 22
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":"), let value = Int(after.dropFirst()) { port = value }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let value = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = value
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { return nil }
    }

    /// How known_hosts names this host: `host` on port 22, `[host]:port` otherwise.
    public var knownHostsName: String { Self.knownHostsName(host: host, port: port) }
}
