import EngineSyncTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The hooks as developers meet them (issue 16): a real bare repository, `enginesync hooks install`, and a
/// real `git push` whose output carries the refusal or the daemon's report.
@Suite("enginesync hooks", .serialized)
struct HookProcessTests {
    static let post = DaemonProcessTests.post
    static let broken = #"{"fields": {"title": {"type": "string", "length": 50}}"#

    /// `git push` from the work tree, with git's own output (the hooks' lines arrive on stderr as `remote: …`).
    static func push(_ remote: DaemonProcessTests.Remote, _ files: [String: String?], message: String = "change")
        throws -> (status: Int32, output: String, sha: String)
    {
        let sha = try remote.work.commit(files, message: message)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.gitExecutable())
        process.arguments = ["-C", remote.work.path, "push", remote.bare.path, "HEAD:refs/heads/main"]
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["HOME"] = NSTemporaryDirectory()
        environment.removeValue(forKey: "ENGINESYNC_CONFIG")
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), sha)
    }

    static func tip(_ remote: DaemonProcessTests.Remote) -> String? {
        try? remote.bare.output(["rev-parse", "--verify", "--quiet", "refs/heads/main"])
    }

    @Test func invalidPushIsRefusedWithDiagnosticsAndAnExistingHookIsKeptAndRestored() throws {
        let remote = try DaemonProcessTests.Remote()
        let state = try DaemonProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let config = state + "/enginesync.yaml"
        let settings =
            "repo: \(remote.bare.path)\nstate_dir: \(state)\nhooks_report_wait: 1s\n"
            // The hooks never read the password file: one the pushing user cannot read must not matter.
            + "database_password_file: \(state)/no-such-password\n"
        try settings.write(toFile: config, atomically: true, encoding: .utf8)
        let legacy = remote.bare.path + "/hooks/pre-receive"
        try "#!/bin/sh\ncat >/dev/null\necho legacy hook ran >&2\n".write(
            toFile: legacy, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: legacy)

        let install = try EngineSyncBinary.run(["hooks", "install", "--repo", remote.bare.path, "--config", config])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("kept the existing pre-receive hook"), "\(install.stdout)")
        #expect(FileManager.default.fileExists(atPath: legacy + ".before-enginesync"))

        let valid = try Self.push(remote, ["dsl/models/post.json": Self.post], message: "create")
        #expect(valid.status == 0, "\(valid.output)")
        #expect(valid.output.contains("legacy hook ran"), "\(valid.output)")
        #expect(
            valid.output.contains("remote: enginesync: \(valid.sha.prefix(12)) on main compiles"), "\(valid.output)")
        // No daemon runs: post-receive says where the report will be, and the push still succeeds.
        #expect(valid.output.contains("has not reported \(valid.sha.prefix(12)) yet"), "\(valid.output)")
        #expect(valid.output.contains("\(state)/reports/\(valid.sha).md"), "\(valid.output)")

        let invalid = try Self.push(remote, ["dsl/models/post.json": Self.broken], message: "typo")
        #expect(invalid.status != 0, "\(invalid.output)")
        #expect(invalid.output.contains("remote: enginesync: dsl/models/post.json:1:"), "\(invalid.output)")
        #expect(invalid.output.contains("[json_syntax]"), "\(invalid.output)")
        #expect(
            invalid.output.contains("push refused: \(invalid.sha.prefix(12)) on main is invalid"), "\(invalid.output)")
        #expect(Self.tip(remote) == valid.sha)

        // hooks_allow_invalid: the same commit is accepted with a warning.
        try (settings + "hooks_allow_invalid: true\n").write(toFile: config, atomically: true, encoding: .utf8)
        let allowed = try Self.push(remote, [:], message: "again")
        #expect(allowed.status == 0, "\(allowed.output)")
        #expect(allowed.output.contains("[json_syntax]"), "\(allowed.output)")
        #expect(allowed.output.contains("accepted (hooks_allow_invalid)"), "\(allowed.output)")
        #expect(Self.tip(remote) == allowed.sha)

        let again = try EngineSyncBinary.run(["hooks", "install", "--repo", remote.bare.path, "--config", config])
        #expect(again.status == 0, "installing twice replaces enginesync's own hooks: \(again.stderr)")
        let uninstall = try EngineSyncBinary.run(["hooks", "uninstall", "--repo", remote.bare.path])
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        #expect(try String(contentsOfFile: legacy, encoding: .utf8).contains("legacy hook ran"))
        #expect(!FileManager.default.fileExists(atPath: remote.bare.path + "/hooks/post-receive"))
        #expect(!FileManager.default.fileExists(atPath: legacy + ".before-enginesync"))
    }

    @Test func aForeignHookIsNeverOverwritten() throws {
        let remote = try DaemonProcessTests.Remote()
        let hooks = remote.bare.path + "/hooks/"
        for name in ["post-receive", "post-receive.before-enginesync"] {
            try "#!/bin/sh\nexit 0\n".write(toFile: hooks + name, atomically: true, encoding: .utf8)
        }
        let install = try EngineSyncBinary.run(["hooks", "install", "--repo", remote.bare.path])
        #expect(install.status == 1)
        #expect(install.stderr.contains("already exists"), "\(install.stderr)")
        #expect(!FileManager.default.fileExists(atPath: hooks + "pre-receive"), "nothing changes on a refusal")
    }

    /// With `core.hooksPath` set, git runs the hooks there: installing into `hooks/` would report success for
    /// hooks that never run.
    @Test func aRepositoryWhoseHooksLiveElsewhereIsRefused() throws {
        let remote = try DaemonProcessTests.Remote()
        try "[core]\n\tbare = true\n\thooksPath = /srv/elsewhere\n".write(
            toFile: remote.bare.path + "/config", atomically: true, encoding: .utf8)
        let install = try EngineSyncBinary.run(["hooks", "install", "--repo", remote.bare.path])
        #expect(install.status == 1)
        #expect(install.stderr.contains("core.hooksPath = /srv/elsewhere"), "\(install.stderr)")
        #expect(!FileManager.default.fileExists(atPath: remote.bare.path + "/hooks/pre-receive"))
        // Pointing at its own hooks directory is fine.
        try "[core]\n\tbare = true\n\thooksPath = hooks\n".write(
            toFile: remote.bare.path + "/config", atomically: true, encoding: .utf8)
        let fine = try EngineSyncBinary.run(["hooks", "install", "--repo", remote.bare.path])
        #expect(fine.status == 0, "\(fine.stderr)")
    }

    @Test func pushPrintsTheDaemonsReportWithBlockedChangesAndTheirMigrations() throws {
        try ScratchDatabase.with { database, _ in
            let remote = try DaemonProcessTests.Remote()
            let state = try DaemonProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: state) }
            let config = state + "/enginesync.yaml"
            try
                "repo: \(remote.bare.path)\ndatabase: \"\(database.dsn)\"\nstate_dir: \(state)\nhooks_report_wait: 30s\n"
                .write(toFile: config, atomically: true, encoding: .utf8)
            #expect(
                try EngineSyncBinary.run(["hooks", "install", "--repo", remote.bare.path, "--config", config]).status
                    == 0)
            let listener = try NotifyListener(path: state + "/notify.sock")
            let daemon = try DaemonProcess(
                arguments: ["run", "--config", config], environment: ["NOTIFY_SOCKET": listener.path],
                log: state + "/daemon.log")
            defer { daemon.kill() }
            #expect(listener.waitFor("READY=1", timeout: 20))

            let created = try Self.push(remote, ["dsl/models/post.json": Self.post], message: "create")
            #expect(created.status == 0, "\(created.output)")
            #expect(created.output.contains("remote: enginesync: synced: "), "\(created.output)")
            #expect(created.output.contains("create_table"), "\(created.output)")
            #expect(created.output.contains("full report: \(state)/reports/\(created.sha).md"), "\(created.output)")

            let narrowed = try Self.push(
                remote, ["dsl/models/post.json": #"{"fields": {"title": {"type": "string", "length": 10}}}"#],
                message: "narrow")
            #expect(narrowed.status == 0, "\(narrowed.output)")
            #expect(narrowed.output.contains("remote: enginesync: blocked: "), "\(narrowed.output)")
            #expect(narrowed.output.contains("narrow_column"), "\(narrowed.output)")
            #expect(narrowed.output.contains("remote: enginesync:     migrations/"), "\(narrowed.output)")
            #expect(narrowed.output.contains("ALTER TABLE"), "\(narrowed.output)")
        }
    }
}
