/// Exponential back-off with jitter for retrying a failing reconcile (SPEC 8 "Failures").
///
/// A pure state machine: it counts failures and turns the count into a delay; the caller sleeps (with
/// its own clock) and supplies the random source, so tests are deterministic. The n-th consecutive
/// failure waits `initial * 2^(n-1)`, capped at `maximum`, then scaled by a random factor in
/// `[1 - jitter, 1]` so that several daemons failing on the same database do not retry in lock-step.
package struct Backoff: Sendable, Equatable {
    package var initial: Duration
    package var maximum: Duration
    /// Fraction of the delay that may be taken off at random, 0 … 1.
    package var jitter: Double
    /// Failures since the last success.
    package private(set) var consecutiveFailures = 0

    package init(initial: Duration = .seconds(1), maximum: Duration = .seconds(300), jitter: Double = 0.5) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.jitter = min(1, max(0, jitter))
    }

    /// Records a failure and returns how long to wait before the next attempt.
    package mutating func nextDelay(using generator: inout some RandomNumberGenerator) -> Duration {
        consecutiveFailures += 1
        let base = ceiling(forFailure: consecutiveFailures)
        guard jitter > 0 else { return base }
        let factor = 1 - jitter * Double.random(in: 0..<1, using: &generator)
        return base * factor
    }

    /// The delay before jitter for the n-th consecutive failure (1-based).
    package func ceiling(forFailure failure: Int) -> Duration {
        var delay = initial
        var remaining = failure - 1
        while remaining > 0, delay < maximum {
            delay *= 2
            remaining -= 1
        }
        return min(delay, maximum)
    }

    /// Back to the initial delay after a success.
    package mutating func reset() {
        consecutiveFailures = 0
    }
}
