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
    package typealias Reconcile = @Sendable (DaemonConfiguration) async -> ReconcileSummary

    /// The service and its group, without touching global state (logging bootstrap, process signals
    /// other than the ones the group traps when it runs) — for `run` and for tests. A reload sets
    /// `logLevel` (what `LoggingBootstrap` returned) to the new `log_level`.
    package static func makeServiceGroup(
        configuration: DaemonConfiguration, loader: DaemonConfigurationLoader, logger: Logger,
        environment: [String: String], trapSignals: Bool = true, logLevel: LogLevelSetting? = nil,
        checkSource: DaemonService.SourceCheck? = nil, progress: ReconcileProgress? = nil,
        reconcile: @escaping Reconcile
    ) -> (ServiceGroup, DaemonService) {
        let current = CurrentConfiguration(configuration)
        // Webhooks (issue 16) are delivered beside the reconcile loop; a change of `notify:` needs a restart.
        let deliverer =
            configuration.notify.isEmpty ? nil : NotificationDeliverer(configuration: configuration, logger: logger)
        deliverer?.registerWebhooks()
        let service = DaemonService(
            configuration: configuration,
            notifier: SystemdNotifier(environment: environment, logger: logger),
            logger: logger,
            trapsHangup: trapSignals,
            reloadConfiguration: {
                let new = try loader.load()
                current.set(new)
                logLevel?.level = new.logLevel
                return new
            },
            checkSource: checkSource,
            progress: progress,
            reconcileOnce: {
                let summary = await reconcile(current.get())
                deliverer?.wakeUp()
                return summary
            })
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if let deliverer { services.append(.init(service: deliverer, successTerminationBehavior: .ignore)) }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: trapSignals ? [.sigterm, .sigint] : [],
                logger: logger))
        return (group, service)
    }
}

/// The configuration the reconcile closure sees; replaced by a successful reload.
final class CurrentConfiguration: Sendable {
    private let value: Mutex<DaemonConfiguration>

    init(_ configuration: DaemonConfiguration) { value = Mutex(configuration) }

    func get() -> DaemonConfiguration { value.withLock { $0 } }
    func set(_ configuration: DaemonConfiguration) { value.withLock { $0 = configuration } }
}
