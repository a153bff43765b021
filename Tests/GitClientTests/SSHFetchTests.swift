import EngineSyncTestSupport
import Foundation
import GitClient
import Testing

/// Fetches over ssh from a real sshd (ScratchSSHServer) through libgit2/libssh2: no mocks.
@Suite("Fetching a remote over ssh", .serialized)
struct SSHFetchTests {
    /// A bare repository with one commit on main, and an empty mirror to fetch it into.
    struct Fixture {
        let upstream: ScratchRepository
        let bare: ScratchRepository
        let commit: String
        let mirrorPath: String

        init() throws {
            upstream = try ScratchRepository()
            commit = try upstream.commit(["dsl/models/post.json": #"{"fields":{}}"#], message: "over ssh")
            bare = try ScratchRepository(bare: true)
            try upstream.run(["push", "--quiet", bare.path, "main"])
            mirrorPath = NSTemporaryDirectory() + "enginesync-ssh-mirror-" + UUID().uuidString
        }

        func mirror() throws -> GitRepository { try GitRepository.initBare(path: mirrorPath) }
        func cleanUp() { try? FileManager.default.removeItem(atPath: mirrorPath) }
    }

    @Test func theCommitArrivesWithTheRightKeyAndKnownHosts() throws {
        let server = try ScratchSSHServer()
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let mirror = try fixture.mirror()
        let options = GitFetchOptions(sshPrivateKeyFile: server.clientKeyFile, sshKnownHostsFile: server.knownHostsFile)
        do {
            try mirror.fetchMirror(from: server.url(path: fixture.bare.path), options: options)
        } catch {
            Issue.record("fetch failed: \(error)\nsshd log:\n\(server.log)")
            throw error
        }
        #expect(try mirror.branchTip("main")?.hex == fixture.commit)
        // Again, with a new commit: a second connection through the same callbacks.
        let second = try fixture.upstream.commit(["a.txt": "2"])
        try fixture.upstream.run(["push", "--quiet", fixture.bare.path, "main"])
        try mirror.fetchMirror(from: server.url(path: fixture.bare.path), options: options)
        #expect(try mirror.branchTip("main")?.hex == second)
    }

    @Test func hashedAndPatternKnownHostsEntriesMatchToo() throws {
        let server = try ScratchSSHServer()
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        // ssh-keygen -H hashes the host names of a known_hosts file in place; a wildcard line for another
        // host and a negated pattern must not get in the way.
        let hashed = server.directory + "/known_hosts_hashed"
        try """
        # comment
        *.example.com,!10.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGbogusbogusbogusbogusbogusbogusbogusbogusbog
        [127.0.0.1]:\(server.port) \(server.hostPublicKey)

        """.write(toFile: hashed, atomically: true, encoding: .utf8)
        let keygen = Process()
        keygen.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
        keygen.arguments = ["-q", "-H", "-f", hashed]
        keygen.standardOutput = FileHandle.nullDevice
        keygen.standardError = FileHandle.nullDevice
        try keygen.run()
        keygen.waitUntilExit()
        let text = try String(contentsOfFile: hashed, encoding: .utf8)
        #expect(text.contains("|1|"), "ssh-keygen -H did not hash: \(text)")
        #expect(!text.contains("127.0.0.1"))
        let mirror = try fixture.mirror()
        try mirror.fetchMirror(
            from: server.url(path: fixture.bare.path),
            options: GitFetchOptions(sshPrivateKeyFile: server.clientKeyFile, sshKnownHostsFile: hashed))
        #expect(try mirror.branchTip("main")?.hex == fixture.commit)
    }

    @Test func anUnknownOrWrongHostKeyIsRefusedNamingTheHostAndFile() throws {
        let server = try ScratchSSHServer()
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let mirror = try fixture.mirror()
        let host = "[127.0.0.1]:\(server.port)"

        let empty = server.directory + "/known_hosts_empty"
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        let unknown = try #require(throws: GitError.self) {
            try mirror.fetchMirror(
                from: server.url(path: fixture.bare.path),
                options: GitFetchOptions(sshPrivateKeyFile: server.clientKeyFile, sshKnownHostsFile: empty))
        }
        #expect(unknown.description.contains(host), "\(unknown)")
        #expect(unknown.description.contains("is not in the known_hosts file \(empty)"), "\(unknown)")
        #expect(unknown.description.contains("ssh-ed25519 key SHA256:"), "\(unknown)")

        // The right host name with another key: a possible impostor.
        let other = try ScratchSSHServer.generateKey(in: server.directory, name: "impostor")
        let wrong = server.directory + "/known_hosts_wrong"
        try "\(host) \(other.publicKey)\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let mismatch = try #require(throws: GitError.self) {
            try mirror.fetchMirror(
                from: server.url(path: fixture.bare.path),
                options: GitFetchOptions(sshPrivateKeyFile: server.clientKeyFile, sshKnownHostsFile: wrong))
        }
        #expect(
            mismatch.description.contains("host key of \(host) does not match the known_hosts file \(wrong)"),
            "\(mismatch)")

        // The right key listed for port 22 only (plain `127.0.0.1`): not this port's entry.
        let portless = server.directory + "/known_hosts_port22"
        try "127.0.0.1 \(server.hostPublicKey)\n".write(toFile: portless, atomically: true, encoding: .utf8)
        #expect(throws: GitError.self) {
            try mirror.fetchMirror(
                from: server.url(path: fixture.bare.path),
                options: GitFetchOptions(sshPrivateKeyFile: server.clientKeyFile, sshKnownHostsFile: portless))
        }

        // No known_hosts file configured at all.
        let unconfigured = try #require(throws: GitError.self) {
            try mirror.fetchMirror(
                from: server.url(path: fixture.bare.path),
                options: GitFetchOptions(sshPrivateKeyFile: server.clientKeyFile))
        }
        #expect(unconfigured.description.contains("no known_hosts file is configured"), "\(unconfigured)")
        #expect(try mirror.branchTip("main") == nil)
        // The error never carries key material.
        let privateKey = try String(contentsOfFile: server.clientKeyFile, encoding: .utf8)
        for error in [unknown, mismatch, unconfigured] {
            #expect(!error.description.contains(privateKey.split(separator: "\n")[1]))
        }
    }

    @Test func aMissingOrRefusedKeyFailsClearly() throws {
        let server = try ScratchSSHServer()
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let mirror = try fixture.mirror()
        let noKey = try #require(throws: GitError.self) {
            try mirror.fetchMirror(
                from: server.url(path: fixture.bare.path),
                options: GitFetchOptions(sshKnownHostsFile: server.knownHostsFile))
        }
        #expect(noKey.description.contains("none is configured (ssh_key_file)"), "\(noKey)")
        #expect(noKey.description.contains("[127.0.0.1]:\(server.port)"), "\(noKey)")

        // A key the server does not know: refused once, not retried forever.
        let stranger = try ScratchSSHServer.generateKey(in: server.directory, name: "stranger")
        let refused = try #require(throws: GitError.self) {
            try mirror.fetchMirror(
                from: server.url(path: fixture.bare.path),
                options: GitFetchOptions(
                    sshPrivateKeyFile: stranger.privateKeyFile,
                    sshKnownHostsFile: server.knownHostsFile))
        }
        #expect(refused.code.isFailure, "\(refused)")
        #expect(try mirror.branchTip("main") == nil)
    }

    @Test func sshURLsAreRecognised() {
        #expect(
            GitSSHRemote(url: "ssh://git@example.com:2222/acme/schema.git")
                == GitSSHRemote(user: "git", host: "example.com", port: 2222))
        #expect(GitSSHRemote(url: "ssh://example.com/x")?.knownHostsName == "example.com")
        #expect(GitSSHRemote(url: "git@example.com:acme/schema.git")?.user == "git")
        #expect(GitSSHRemote(url: "ssh://[::1]:2022/x")?.knownHostsName == "[::1]:2022")
        #expect(GitSSHRemote(url: "https://example.com/x") == nil)
        #expect(GitSSHRemote(url: "file:///srv/git/x") == nil)
        #expect(GitSSHRemote(url: "/srv/git/x") == nil)
        #expect(GitSSHRemote(url: "./a:b") == nil)
    }
}
