import EngineSync
import EngineSyncDaemon
import Testing

/// SplitMix64: a seeded generator so jittered delays are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct BackoffTests {
    @Test func doublesFromOneSecondUpToTheCapWithoutJitter() {
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(300), jitter: 0)
        var random = SeededGenerator(state: 1)
        let delays = (0..<11).map { _ in backoff.nextDelay(using: &random) }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map { Duration.seconds($0) })
        #expect(backoff.consecutiveFailures == 11)
    }

    @Test func jitterStaysWithinItsFraction() {
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(300), jitter: 0.5)
        var random = SeededGenerator(state: 42)
        for failure in 1...20 {
            let delay = backoff.nextDelay(using: &random)
            let ceiling = backoff.ceiling(forFailure: failure)
            #expect(delay <= ceiling)
            #expect(delay >= ceiling / 2)
        }
    }

    @Test func jitterIsReproducibleWithTheSameSeed() {
        var first = Backoff()
        var second = Backoff()
        var a = SeededGenerator(state: 7)
        var b = SeededGenerator(state: 7)
        for _ in 0..<5 { #expect(first.nextDelay(using: &a) == second.nextDelay(using: &b)) }
    }

    @Test func successResets() {
        var backoff = Backoff(initial: .seconds(1), maximum: .seconds(60), jitter: 0)
        var random = SeededGenerator(state: 1)
        _ = backoff.nextDelay(using: &random)
        _ = backoff.nextDelay(using: &random)
        backoff.reset()
        #expect(backoff.consecutiveFailures == 0)
        #expect(backoff.nextDelay(using: &random) == .seconds(1))
    }

    @Test func hugeFailureCountsDoNotOverflow() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(300), jitter: 0)
        #expect(backoff.ceiling(forFailure: 10_000) == .seconds(300))
    }
}

@Suite struct ErrorDeduplicatorTests {
    @Test func persistentErrorIsReportedOnceThenRecovered() {
        var deduplicator = ErrorDeduplicator()
        #expect(deduplicator.succeeded() == .none)
        #expect(deduplicator.failed("connection refused") == .report(error: "connection refused"))
        #expect(deduplicator.failed("connection refused") == .suppress(repeats: 1))
        #expect(deduplicator.failed("connection refused") == .suppress(repeats: 2))
        #expect(deduplicator.succeeded() == .recovered(lastError: "connection refused", failures: 3))
        #expect(deduplicator.succeeded() == .none)
    }

    @Test func aDifferentErrorIsReportedAgain() {
        var deduplicator = ErrorDeduplicator()
        #expect(deduplicator.failed("A") == .report(error: "A"))
        #expect(deduplicator.failed("B") == .report(error: "B"))
        #expect(deduplicator.failed("B") == .suppress(repeats: 1))
        #expect(deduplicator.failed("A") == .report(error: "A"))
        #expect(deduplicator.currentError == "A")
    }
}
