import ArgumentParser
import EngineSyncDaemon
import Foundation

/// `enginesync hooks`: the report where developers are, in the output of `git push` (issue 16).
struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Install git hooks that refuse invalid pushes and print the daemon's report in the push output.",
        discussion: """
            `install` writes pre-receive and post-receive hooks into the bare repository the daemon watches. \
            pre-receive compiles the pushed tip of the watched branch (DSL and migrations, no database) and \
            refuses the push with the diagnostics when it is invalid (hooks_allow_invalid: true turns the refusal \
            into a warning). post-receive waits up to hooks_report_wait (default 10s) for the daemon's report of \
            the pushed commit and prints its summary; it never fails the push.

            The hooks run as the pushing user: they read the configuration file (never the database password, \
            ssh key or webhook secrets) and the report files in reports_dir, which must be readable by the \
            pushers' group (docs/OPERATIONS.md). An existing hook is kept and runs first.

            Examples:
              enginesync hooks install --repo /srv/git/schema.git --config /etc/enginesync/enginesync.yaml
              enginesync hooks uninstall --repo /srv/git/schema.git
            """,
        subcommands: [
            HooksInstallCommand.self, HooksUninstallCommand.self, PreReceiveCommand.self, PostReceiveCommand.self,
        ]
    )

    /// `enginesync hooks` alone is a usage error (exit 64), like `enginesync` alone.
    func run() throws { try EngineSyncCommand.missingSubcommand(Self.self) }
}

struct HooksInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the pre-receive and post-receive hooks (existing hooks are kept and chained).",
        discussion: """
            Refused (exit 1) when the repository's core.hooksPath points at another directory: git would never \
            run hooks installed in hooks/.
            """)

    @Option(help: "The repository receiving pushes (bare, or a work tree's root).") var repo: String
    @Option(
        help:
            "Configuration file the hooks read (default at run time: ENGINESYNC_CONFIG, else /etc/enginesync/enginesync.yaml)."
    )
    var config: String?
    @Option(help: "The enginesync executable the hooks run (default: this one).") var enginesync: String?

    func run() throws {
        let executable = enginesync ?? Self.currentExecutable()
        do {
            let config = config.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            let installer = try HookInstaller(repository: repo, executable: executable, configPath: config)
            for line in try installer.install() { print(line) }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The running binary's absolute path (`/proc/self/exe`), so hooks keep working from any directory.
    static func currentExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

struct HooksUninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall", abstract: "Remove enginesync's hooks and restore the hooks they kept.")

    @Option(help: "The repository the hooks were installed in.") var repo: String

    func run() throws {
        do {
            let installer = try HookInstaller(repository: repo, executable: "", configPath: nil)
            let lines = try installer.uninstall()
            if lines.isEmpty { print("no enginesync hooks in \(installer.hooksDirectory)") }
            for line in lines { print(line) }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// What the hooks share: the pushed refs from standard input and the daemon's configuration, read without
/// credentials.
enum HookInput {
    struct RefUpdate: Equatable {
        var old: String
        var new: String
        var ref: String
        /// A deleted ref has the all-zero id as its new value.
        var isDeletion: Bool { new.allSatisfy { $0 == "0" } }
    }

    /// `<old> <new> <ref>` lines, as git gives them to pre-receive and post-receive.
    static func parse(_ text: String) -> [RefUpdate] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 3 else { return nil }
            return RefUpdate(old: String(parts[0]), new: String(parts[1]), ref: String(parts[2]))
        }
    }

    static func readStandardInput() -> [RefUpdate] {
        parse(String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self))
    }

    /// The configuration as every command finds it (`--config`, else `ENGINESYNC_CONFIG`, else the default
    /// file), with `readsCredentials` off: the pushing user may not read the password file.
    static func loadConfiguration(config: String?) throws -> DaemonConfiguration {
        var loader = DaemonConfigurationLoader(configPath: config)
        loader.readsCredentials = false
        return try loader.load()
    }

    /// Writes hook output to standard error, every line prefixed (git shows it as `remote: enginesync: …`).
    static func say(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let body = lines.map { $0.isEmpty ? "enginesync:" : "enginesync: \($0)" }.joined(separator: "\n")
        FileHandle.standardError.write(Data((body + "\n").utf8))
    }
}
