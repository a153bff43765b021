import EngineSyncCore
import EngineSyncDaemon
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// `DaemonService` over several targets (issue 17), with closures standing in for the targets' reconciles.
@Suite struct FleetServiceTests {
    /// How many reconciles run at once, and the most seen.
    final class Concurrency: Sendable {
        private let state = Mutex((now: 0, most: 0))
        func enter() {
            state.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
        }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    func run(_ service: DaemonService) -> (ServiceGroup, Task<Void, any Error>) {
        let group = ServiceGroup(configuration: .init(services: [service], logger: .quiet))
        return (group, Task { try await group.run() })
    }

    @Test func aTargetThatHangsNeverDelaysTheOthersAndSlotsBoundTheParallelism() async throws {
        var configuration = DaemonConfiguration(source: .remote(url: "file:///x.git"))
        configuration.pollIntervalOverride = .milliseconds(10)
        configuration.maxParallelTargets = 2
        let concurrency = Concurrency()
        let released = Mutex(false)
        let calls = (slow: Counter(), a: Counter(), b: Counter())
        func quick(_ counter: Counter) -> DaemonService.Target {
            DaemonService.Target(name: counter === calls.a ? "a" : "b") { _ in
                _ = counter.increment()
                concurrency.enter()
                defer { concurrency.leave() }
                try? await Task.sleep(for: .milliseconds(5))
                return ReconcileSummary(commit: "abc", outcome: .synced)
            }
        }
        let slow = DaemonService.Target(name: "slow") { _ in
            _ = calls.slow.increment()
            concurrency.enter()
            defer { concurrency.leave() }
            // A database that does not answer: the step returns only when the test lets it.
            while !released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
            return ReconcileSummary(commit: "abc", outcome: .failed, errorDescription: "timeout")
        }
        let service = DaemonService(
            configuration: configuration, notifier: SystemdNotifier(environment: [:], logger: .quiet), logger: .quiet,
            initialBackoff: .milliseconds(10), trapsHangup: false, targets: [slow, quick(calls.a), quick(calls.b)])
        let (group, task) = run(service)
        #expect(await eventually { calls.a.current >= 5 && calls.b.current >= 5 })
        #expect(calls.slow.current == 1, "the hung step is still the first one")
        #expect(concurrency.most <= 2)
        released.withLock { $0 = true }
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func theCanarysNewOutcomeWakesTheTargetsThatWaitForIt() async throws {
        let listener = try DatagramListener()
        var configuration = DaemonConfiguration(source: .remote(url: "file:///x.git"))
        configuration.pollIntervalOverride = .seconds(60)
        let canaryCalls = Counter()
        let seen = Mutex<[RolloutGate?]>([])
        let canary = DaemonService.Target(name: "canary") { _ in
            // The first attempt fails (retried after the 10 ms back-off), the second syncs.
            canaryCalls.increment() == 1
                ? ReconcileSummary(commit: "c1", outcome: .failed, errorDescription: "connection refused")
                : ReconcileSummary(commit: "c1", outcome: .synced)
        }
        let production = DaemonService.Target(name: "production", after: "canary") { rollout in
            seen.withLock { $0.append(rollout) }
            if let hold = rollout?.hold(tip: "c1") {
                return ReconcileSummary(commit: "c1", outcome: .skipped, hold: hold)
            }
            return ReconcileSummary(commit: "c1", outcome: .synced)
        }
        let service = DaemonService(
            configuration: configuration,
            notifier: SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.notifySocket], logger: .quiet),
            logger: .quiet, initialBackoff: .milliseconds(10), trapsHangup: false, targets: [production, canary])
        let (group, task) = run(service)
        // Held while the canary failed, then woken by the canary's sync long before the 60 s poll.
        #expect(await eventually { seen.withLock { $0.last??.state?.outcome } == .synced })
        #expect(listener.receive(until: "STATUS=2 targets: 2 synced at c1") != nil)
        await group.triggerGracefulShutdown()
        try await task.value
        let gates = seen.withLock { $0 }
        #expect(gates.allSatisfy { $0?.canary == "canary" })
        #expect(gates.contains { $0?.hold(tip: "c1") != nil }, "held at first: \(gates)")
        #expect(!gates.isEmpty && gates.count <= 3, "no polling while held: \(gates.count) steps")
    }
}
