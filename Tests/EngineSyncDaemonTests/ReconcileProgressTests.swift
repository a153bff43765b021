import EngineSync
import EngineSyncDaemon
import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ReconcileProgressTests {
    @Test func theWatchdogIsFedWhileTheLastActivityIsWithinTheLimit() {
        let start = ContinuousClock.now
        let limit = Duration.seconds(633)
        #expect(ReconcileProgress.shouldPing(lastActivity: start, now: start, limit: limit))
        #expect(ReconcileProgress.shouldPing(lastActivity: start, now: start + .seconds(600), limit: limit))
        #expect(ReconcileProgress.shouldPing(lastActivity: start, now: start + limit, limit: limit))
        #expect(!ReconcileProgress.shouldPing(lastActivity: start, now: start + limit + .milliseconds(1), limit: limit))
    }

    @Test func phasesAreTimedInOrderAddingUpARepeatedName() {
        let progress = ReconcileProgress()
        progress.endPhase("ignored")  // no timing started: nothing is recorded
        #expect(progress.takePhases().isEmpty)
        progress.startPhases()
        progress.endPhase("compile")
        progress.endPhase("introspect")
        progress.endPhase("compile")
        let phases = progress.takePhases()
        #expect(phases.map(\.name) == ["compile", "introspect"])
        #expect(phases.allSatisfy { $0.duration >= .zero })
        // Taking them stops the timing until the next start.
        progress.endPhase("after")
        #expect(progress.takePhases().isEmpty)
    }

    @Test func theLimitAllowsOneStatementAfterALockWait() {
        let progress = ReconcileProgress()
        #expect(progress.stallLimit(statementTimeout: .seconds(600), lockTimeout: .seconds(3)) == .seconds(633))
        #expect(
            ReconcileProgress(grace: .zero).stallLimit(statementTimeout: .seconds(1), lockTimeout: .zero) == .seconds(1)
        )
    }

    @Test func touchingMovesTheLastActivityForward() {
        let progress = ReconcileProgress()
        let before = progress.lastActivity
        let now = ContinuousClock.now
        progress.touch()
        #expect(progress.lastActivity >= now)
        #expect(progress.lastActivity >= before)
    }

    /// What a graceful shutdown does: cancel the registered session's statement — except inside work that
    /// must not stop half-way (a non-transactional migration).
    @Test func shutdownCancelsTheRegisteredSessionUnlessCancellationIsSuspended() throws {
        try ScratchDatabase.with { _, connection in
            let progress = ReconcileProgress()
            #expect(progress.cancelRunningStatement() == false)  // nothing registered
            progress.register(connection.cancelToken())
            let suspended = progress.withoutCancellation { progress.cancelRunningStatement() }
            #expect(suspended == false)
            // Registered again afterwards: a cancel now reaches the running statement.
            let canceller = Thread {
                Thread.sleep(forTimeInterval: 0.3)
                progress.cancelRunningStatement()
            }
            canceller.start()
            let error = #expect(throws: PostgresError.self) { try connection.query("SELECT pg_sleep(30)") }
            #expect(error?.sqlState == .queryCanceled)
            progress.register(nil)
            #expect(progress.cancelRunningStatement() == false)
        }
    }
}
