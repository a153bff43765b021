package import EngineSync
package import EngineSyncDaemon
import Foundation
package import Logging
package import ServiceLifecycle
import Synchronization
import UnixSignals

/// Puts the daemon's pieces together for `enginesync run`: systemd notifier and `DaemonService` in a
/// `ServiceGroup` with SIGTERM/SIGINT as graceful shutdown (`RunCommand` loads the configuration and
/// bootstraps logging first).
///
/// The reconcile closure receives the configuration in force, which a SIGHUP reload may replace between
/// two reconciles (so the engine never reads the environment itself).
package enum DaemonLauncher {
    /// One deliverer per database with `notify:` (issue 16): the configuration's, or each fleet target's (each
    /// target's database holds its own outbox), for the daemon's service group and for `run --once`.
    static func deliverers(_ configuration: DaemonConfiguration, logger: Logger) -> [NotificationDeliverer] {
        guard !configuration.notify.isEmpty else { return [] }
        guard !configuration.targets.isEmpty else {
            return [NotificationDeliverer(configuration: configuration, logger: logger)]
        }
        return configuration.targets.map { target in
            var targetLogger = logger
            targetLogger[metadataKey: "target"] = "\(target.name)"
            return NotificationDeliverer(configuration: target.configuration, logger: targetLogger)
        }
    }

    package typealias Reconcile = @Sendable (DaemonConfiguration) async -> ReconcileSummary

    /// One database of the service: its name and `after` (a fleet's target; both `nil` for the single
    /// database), its progress, and its step with the configuration in force (the target's own in a fleet).
    package struct Target: Sendable {
        package var name: String?
        package var after: String?
        package var progress: ReconcileProgress?
        package var reconcile: @Sendable (DaemonConfiguration, RolloutGate?) async -> ReconcileSummary

        package init(
            name: String?, after: String?, progress: ReconcileProgress?,
            reconcile: @escaping @Sendable (DaemonConfiguration, RolloutGate?) async -> ReconcileSummary
        ) {
            self.name = name
            self.after = after
            self.progress = progress
            self.reconcile = reconcile
        }
    }

    /// The service and its group, without touching global state (logging bootstrap, process signals
    /// other than the ones the group traps when it runs) — for `run` and for tests. A reload sets
    /// `logLevel` (what `LoggingBootstrap` returned) to the new `log_level`.
    package static func makeServiceGroup(
        configuration: DaemonConfiguration, loader: DaemonConfigurationLoader, logger: Logger,
        environment: [String: String], trapSignals: Bool = true, logLevel: LogLevelSetting? = nil,
        checkSource: DaemonService.SourceCheck? = nil, progress: ReconcileProgress? = nil,
        reconcile: @escaping Reconcile
    ) -> (ServiceGroup, DaemonService) {
        makeServiceGroup(
            configuration: configuration, loader: loader, logger: logger, environment: environment,
            trapSignals: trapSignals, logLevel: logLevel, checkSource: checkSource,
            targets: [Target(name: nil, after: nil, progress: progress) { current, _ in await reconcile(current) }])
    }

    /// The service over `targets` (a fleet's, or the single database's); `refreshSource`: a fleet's shared
    /// fetch of a remote. A reload that changes the fleet's shape (target names, order, `after`,
    /// `max_parallel_targets`, or targets appearing or going) is refused — the old configuration stays and the
    /// log says to restart; a target's own settings (its database, timeouts, …) are reloaded.
    package static func makeServiceGroup(
        configuration: DaemonConfiguration, loader: DaemonConfigurationLoader, logger: Logger,
        environment: [String: String], trapSignals: Bool = true, logLevel: LogLevelSetting? = nil,
        checkSource: DaemonService.SourceCheck? = nil, refreshSource: DaemonService.SourceRefresh? = nil,
        targets: [Target]
    ) -> (ServiceGroup, DaemonService) {
        let current = CurrentConfiguration(configuration)
        // Webhooks (issue 16) are delivered beside the reconcile loop, one deliverer per database (each holds its
        // own outbox); a change of `notify:` needs a restart.
        let deliverers = Self.deliverers(configuration, logger: logger)
        for deliverer in deliverers { deliverer.registerWebhooks() }
        let shape = FleetShape(configuration)
        let service = DaemonService(
            configuration: configuration,
            notifier: SystemdNotifier(environment: environment, logger: logger),
            logger: logger,
            trapsHangup: trapSignals,
            reloadConfiguration: {
                let new = try loader.load()
                if let change = shape.change(to: new) { throw FleetShape.ReloadRefused(change: change) }
                current.set(new)
                logLevel?.level = new.logLevel
                return new
            },
            checkSource: checkSource,
            refreshSource: refreshSource,
            targets: targets.map { target in
                DaemonService.Target(name: target.name, after: target.after, progress: target.progress) { rollout in
                    let configuration = current.get()
                    let own = target.name.flatMap { configuration.target(named: $0)?.configuration } ?? configuration
                    let summary = await target.reconcile(own, rollout)
                    for deliverer in deliverers { deliverer.wakeUp() }
                    return summary
                }
            })
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        for deliverer in deliverers { services.append(.init(service: deliverer, successTerminationBehavior: .ignore)) }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: trapSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        return (group, service)
    }
}

/// What a reload may not change in a fleet: the targets' names and order, their `after`, and
/// `max_parallel_targets` (the service's loops, workers and slots are built for them at start-up).
struct FleetShape: Equatable, Sendable {
    var targets: [String]
    var after: [String?]
    var maxParallelTargets: Int

    init(_ configuration: DaemonConfiguration) {
        targets = configuration.targets.map(\.name)
        after = configuration.targets.map(\.after)
        maxParallelTargets = configuration.targets.isEmpty ? 0 : configuration.maxParallelTargets
    }

    /// What changed, in a few words; `nil` when nothing that needs a restart did.
    func change(to configuration: DaemonConfiguration) -> String? {
        let new = FleetShape(configuration)
        if new.targets != targets {
            return "the targets (\(targets.joined(separator: ", ")) → \(new.targets.joined(separator: ", ")))"
        }
        if new.after != after { return "a target's after" }
        if new.maxParallelTargets != maxParallelTargets { return "max_parallel_targets" }
        return nil
    }

    struct ReloadRefused: Error, CustomStringConvertible {
        var change: String
        var description: String { "a reload cannot change \(change); restart the daemon to apply it" }
    }
}

/// The configuration the reconcile closure sees; replaced by a successful reload.
final class CurrentConfiguration: Sendable {
    private let value: Mutex<DaemonConfiguration>

    init(_ configuration: DaemonConfiguration) { value = Mutex(configuration) }

    func get() -> DaemonConfiguration { value.withLock { $0 } }
    func set(_ configuration: DaemonConfiguration) { value.withLock { $0 = configuration } }
}
