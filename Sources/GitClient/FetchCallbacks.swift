internal import CLibGit2
import Crypto
import Foundation
import TextAlgorithms

/// The state libgit2's remote callbacks (credentials, certificate check) see through their `payload`
/// during one `git_remote_fetch`, and the first failure they decided, to throw instead of libgit2's text.
///
/// Lifetime: `GitRepository.fetchMirror` retains it once (`Unmanaged.passRetained`) for the payload and
/// releases it once, after `git_remote_free`, so no callback can run on a freed context. The callbacks run
/// synchronously on the fetching thread.
final class FetchCallbackContext {
    let options: GitFetchOptions
    let url: String
    let sshRemote: GitSSHRemote?
    private var keyAttempts = 0
    /// Set by a callback that refused; thrown by `fetchMirror` in place of libgit2's generic error.
    private(set) var failure: GitError?

    init(options: GitFetchOptions, url: String) {
        self.options = options
        self.url = url
        sshRemote = GitSSHRemote(url: url)
    }

    private func refuse(_ code: git_error_code, function: String, subject: String, _ message: String) -> Int32 {
        let error = GitError(
            code: GitErrorCode(rawValue: code.rawValue), errorClass: .ssh, message: message,
            function: function, subject: subject)
        if failure == nil { failure = error }
        _ = git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), "\(subject): \(message)")
        return code.rawValue
    }

    private var hostName: String { sshRemote?.knownHostsName ?? "the ssh host" }

    // MARK: - Credentials

    /// `git_credential_acquire_cb`: the configured key, for the URL's user (default `git`).
    func acquireCredential(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, usernameFromURL: String?,
        allowedTypes: UInt32
    ) -> Int32 {
        let user = usernameFromURL.flatMap { $0.isEmpty ? nil : $0 } ?? "git"
        if allowedTypes & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
            guard let privateKey = options.sshPrivateKeyFile else {
                return refuse(
                    GIT_EAUTH, function: "ssh credentials", subject: hostName,
                    "the server asks for an ssh key and none is configured (ssh_key_file)")
            }
            keyAttempts += 1
            // libgit2 asks again after the server refused a key: answering with the same key would loop.
            guard keyAttempts == 1 else {
                return refuse(
                    GIT_EAUTH, function: "ssh credentials", subject: hostName,
                    "the server refused the key \(privateKey) for user '\(user)'")
            }
            return git_credential_ssh_key_new(out, user, options.sshPublicKeyFile, privateKey, options.sshPassphrase)
        }
        if allowedTypes & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
            return git_credential_username_new(out, user)
        }
        // https user/password and others: not configured; libgit2 reports the authentication failure.
        return GIT_PASSTHROUGH.rawValue
    }

    // MARK: - Host key

    /// `git_transport_certificate_check_cb`: an ssh host key must be listed for `host[:port]` in the
    /// configured known_hosts file (libgit2's own `valid` verdict, from ~/.ssh/known_hosts, is ignored).
    /// TLS certificates are left to libgit2 (`GIT_PASSTHROUGH`).
    func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>, host: String?) -> Int32 {
        guard cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else { return GIT_PASSTHROUGH.rawValue }
        let name: String
        if let host, !host.isEmpty {
            name = GitSSHRemote.knownHostsName(host: host, port: sshRemote?.port ?? 22)
        } else {
            name = hostName
        }
        let function = "ssh host key check"
        guard let knownHostsFile = options.sshKnownHostsFile else {
            return refuse(
                GIT_ECERTIFICATE, function: function, subject: name,
                "no known_hosts file is configured (ssh_known_hosts_file): refusing the host key")
        }
        let key: [UInt8]? = UnsafeRawPointer(cert).withMemoryRebound(to: git_cert_hostkey.self, capacity: 1) {
            hostkey in
            guard hostkey.pointee.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let raw = hostkey.pointee.hostkey,
                hostkey.pointee.hostkey_len > 0
            else { return nil }
            return Array(UnsafeRawBufferPointer(start: raw, count: hostkey.pointee.hostkey_len))
        }
        guard let key else {
            return refuse(
                GIT_ECERTIFICATE, function: function, subject: name,
                "libgit2 did not provide the raw host key, so it cannot be checked against \(knownHostsFile)")
        }
        guard let data = FileManager.default.contents(atPath: knownHostsFile) else {
            return refuse(
                GIT_ECERTIFICATE, function: function, subject: name,
                "cannot read the known_hosts file \(knownHostsFile)")
        }
        let description = "\(Self.keyType(key)) key \(Self.fingerprint(key))"
        switch KnownHosts(text: String(decoding: data, as: UTF8.self)).verify(name: name, key: key) {
        case .match:
            return 0
        case .unknown:
            return refuse(
                GIT_ECERTIFICATE, function: function, subject: name,
                "host \(name) is not in the known_hosts file \(knownHostsFile) (server offered \(description))")
        case .mismatch:
            return refuse(
                GIT_ECERTIFICATE, function: function, subject: name,
                "host key of \(name) does not match the known_hosts file \(knownHostsFile) "
                    + "(server offered \(description)): refusing, it may be an impostor")
        case .revoked:
            return refuse(
                GIT_ECERTIFICATE, function: function, subject: name,
                "host key of \(name) is marked @revoked in \(knownHostsFile) (\(description))")
        }
    }

    /// The algorithm name at the start of an ssh key blob (`ssh-ed25519`).
    static func keyType(_ blob: [UInt8]) -> String {
        guard blob.count >= 4 else { return "unknown" }
        let length = blob.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= blob.count - 4 else { return "unknown" }
        return String(decoding: blob[4..<(4 + length)], as: UTF8.self)
    }

    /// `SHA256:…` as ssh-keygen -l prints it (public information, safe to log).
    static func fingerprint(_ blob: [UInt8]) -> String {
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + digest.replacingText("=", with: "")
    }
}

extension GitSSHRemote {
    static func knownHostsName(host: String, port: Int) -> String { port == 22 ? host : "[\(host)]:\(port)" }
}

extension git_remote_callbacks {
    /// Points the credential and certificate callbacks at `payload`, a retained `FetchCallbackContext`.
    mutating func install(payload: UnsafeMutableRawPointer) {
        self.payload = payload
        credentials = { out, _, usernameFromURL, allowedTypes, payload in
            guard let out, let payload else { return GIT_EUSER.rawValue }
            let context = Unmanaged<FetchCallbackContext>.fromOpaque(payload).takeUnretainedValue()
            return context.acquireCredential(
                out, usernameFromURL: usernameFromURL.map { String(cString: $0) },
                allowedTypes: allowedTypes)
        }
        certificate_check = { cert, _, host, payload in
            guard let cert, let payload else { return GIT_EUSER.rawValue }
            let context = Unmanaged<FetchCallbackContext>.fromOpaque(payload).takeUnretainedValue()
            return context.checkCertificate(cert, host: host.map { String(cString: $0) })
        }
    }
}
