import ArgumentParser
import EngineSync
import EngineSyncCore
import EngineSyncDaemon
import Foundation

/// `enginesync hooks post-receive`: waits for the daemon's report of the pushed commit and prints its summary.
///
/// Reads only what the daemon publishes for it: `<reports_dir>/<commit>.json`. Never fails the push (git
/// ignores post-receive's exit status anyway; this always exits 0).
struct PostReceiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post-receive",
        abstract: "The post-receive hook: print the daemon's report of the pushed commit.",
        shouldDisplay: false)

    @Option(help: "Configuration file (default: ENGINESYNC_CONFIG, else /etc/enginesync/enginesync.yaml).")
    var config: String?

    func run() {
        let updates = HookInput.readStandardInput()
        let configuration: DaemonConfiguration
        do {
            configuration = try HookInput.loadConfiguration(config: config)
        } catch {
            HookInput.say("cannot read the configuration (\(error)); no report to show")
            return
        }
        let watched = "refs/heads/" + configuration.branch
        guard let update = updates.first(where: { $0.ref == watched && !$0.isDeletion }) else { return }
        let short = String(update.new.prefix(12))
        if configuration.hooksReportWait > .zero {
            HookInput.say(
                "waiting up to \(DurationText.format(configuration.hooksReportWait)) for the daemon to reconcile \(short)…"
            )
        }
        let deadline = ContinuousClock.now + configuration.hooksReportWait
        // A fleet (issue 17): every target's report, in rollout order, within the one wait.
        let stores: [(target: String?, directory: String)] =
            configuration.targets.isEmpty
            ? [(nil, configuration.reportsDirectory)]
            : DaemonTarget.rolloutOrder(configuration.targets).map { ($0.name, $0.configuration.reportsDirectory) }
        for (target, directory) in stores {
            show(
                update.new, store: ReportFileStore(directory: directory, retention: configuration.reportRetention),
                target: target, deadline: deadline)
        }
    }

    /// Waits until `deadline` for the report of `commit` in `store` and shows it (prefixed with the target's name
    /// in a fleet), or says where it will be.
    private func show(_ commit: String, store: ReportFileStore, target: String?, deadline: ContinuousClock.Instant) {
        let jsonPath = store.path(commit, "json")
        let markdownPath = store.path(commit, "md")
        let short = String(commit.prefix(12))
        let prefix = target.map { "target \($0): " } ?? ""
        // A missing directory is fine (the daemon creates it with its first report); an unreadable one is not.
        guard access(store.directory, R_OK | X_OK) == 0 || errno == ENOENT else {
            HookInput.say(
                "\(prefix)cannot read \(store.directory) (\(String(cString: strerror(errno)))): the daemon's report of "
                    + "\(short) will be there; ask an operator to add you to the group that may read reports_dir")
            return
        }
        while true {
            if let data = FileManager.default.contents(atPath: jsonPath), let report = try? ReconcileReport.decode(data)
            {
                HookInput.say(prefix + Self.summary(report, markdownPath: markdownPath))
                return
            }
            guard ContinuousClock.now < deadline else { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        HookInput.say(
            "\(prefix)the daemon has not reported \(short) yet; it reconciles in the background and its report will "
                + "be at \(markdownPath) (also `enginesync status`)")
    }

    /// The outcome line, then the report's terminal text (blocked changes with their suggested migrations,
    /// what was applied, errors), then where the full report is.
    static func summary(_ report: ReconcileReport, markdownPath: String) -> String {
        var text = "\(report.outcome.rawValue): \(report.applied.count) applied, \(report.blocked.count) blocked"
        switch report.outcome {
        case .synced: text += " — the database matches this commit"
        case .blocked: text += " — the safe changes were applied; add the migrations below for the rest"
        case .invalid: text += " — nothing was applied"
        case .failed: text += " — the daemon retries with back-off"
        default: text += " — nothing was applied yet"
        }
        return text + "\n" + report.text(dryRun: false) + "\n\nfull report: \(markdownPath)"
    }
}
