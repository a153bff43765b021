import ArgumentParser
import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation

/// `enginesync hooks pre-receive`: compiles the pushed tip of the watched branch and refuses an invalid one.
///
/// Runs as the pushing user, inside git's quarantine: the pushed objects are only in `GIT_QUARANTINE_PATH`
/// until every hook accepted them, so that directory is added to the object database. Needs no database.
struct PreReceiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-receive",
        abstract: "The pre-receive hook: refuse a push whose tip of the watched branch does not compile.",
        shouldDisplay: false)

    @Option(help: "Configuration file (default: ENGINESYNC_CONFIG, else /etc/enginesync/enginesync.yaml).")
    var config: String?

    func run() throws {
        let updates = HookInput.readStandardInput()
        let configuration: DaemonConfiguration
        do {
            configuration = try HookInput.loadConfiguration(config: config)
        } catch {
            // A broken configuration is the operator's problem, and the daemon says so at its start; refusing
            // every push for it would stop the developers who can fix nothing.
            HookInput.say("cannot read the configuration (\(error)); the push is not checked")
            return
        }
        let watched = "refs/heads/" + configuration.branch
        guard let update = updates.first(where: { $0.ref == watched && !$0.isDeletion }) else { return }
        let environment = ProcessInfo.processInfo.environment
        let compilation: DSLCompilation
        do {
            var quarantine: [String] = []
            for key in ["GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY"] {
                if let path = environment[key], !path.isEmpty, !quarantine.contains(path) { quarantine.append(path) }
            }
            let reader = try SourceReader(
                pushed: update.new, repository: environment["GIT_DIR"] ?? FileManager.default.currentDirectoryPath,
                quarantine: quarantine)
            let options = DSLCompilerOptions(
                dslPath: configuration.dslPath, maxFileBytes: configuration.maxFileBytes,
                strict: configuration.strict)
            var result = try reader.compile(options)
            ValidateCommand.add(
                reader.checkMigrations(path: configuration.migrationsPath, maxFileBytes: configuration.maxFileBytes),
                to: &result)
            compilation = result
        } catch let failure as SourceReader.Failure {
            HookInput.say("\(failure); the push is not checked")
            return
        } catch {
            HookInput.say("cannot read the pushed commit \(update.new.prefix(12)) (\(error)); the push is not checked")
            return
        }
        let short = String(update.new.prefix(12))
        if compilation.isValid {
            let warnings = compilation.warnings.count
            HookInput.say(
                "\(short) on \(configuration.branch) compiles"
                    + (warnings > 0 ? " with \(warnings) warning\(warnings == 1 ? "" : "s"):" : ""))
            if warnings > 0 { HookInput.say(ValidateCommand.text(compilation, dslPath: configuration.dslPath)) }
            return
        }
        HookInput.say(ValidateCommand.text(compilation, dslPath: configuration.dslPath))
        if configuration.hooksAllowInvalid {
            HookInput.say(
                "warning: \(short) on \(configuration.branch) is invalid; accepted (hooks_allow_invalid), "
                    + "the daemon will report it invalid and keep the database as it is")
            return
        }
        HookInput.say(
            "push refused: \(short) on \(configuration.branch) is invalid. Fix the errors above and push "
                + "again (`enginesync validate --dir .` checks a work tree before pushing).")
        throw ExitCode(1)
    }
}
