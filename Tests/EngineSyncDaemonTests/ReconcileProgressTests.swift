import EngineSync
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

    @Test func theLimitAllowsOneStatementAfterALockWait() {
        let progress = ReconcileProgress()
        #expect(progress.stallLimit(statementTimeout: .seconds(600), lockTimeout: .seconds(3)) == .seconds(633))
        #expect(ReconcileProgress(grace: .zero).stallLimit(statementTimeout: .seconds(1), lockTimeout: .zero) == .seconds(1))
    }

    @Test func touchingMovesTheLastActivityForward() {
        let progress = ReconcileProgress()
        let before = progress.lastActivity
        let now = ContinuousClock.now
        progress.touch()
        #expect(progress.lastActivity >= now)
        #expect(progress.lastActivity >= before)
    }
}
