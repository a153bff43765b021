/// Decides which failures deserve a log line: a persistent error is reported once per distinct error,
/// not on every retry, and its end gets one "recovered" line (SPEC 8 "Failures").
///
/// A pure state machine keyed by the error's description (which for our error types is one stable line
/// without timestamps); it returns what to log and the caller logs it.
package struct ErrorDeduplicator: Sendable, Equatable {
    package enum Action: Sendable, Equatable {
        /// A new (or different) error: log it.
        case report(error: String)
        /// The same error as last time: stay quiet. `repeats` counts the suppressed occurrences.
        case suppress(repeats: Int)
        /// The error cleared: log that the daemon recovered after `failures` attempts.
        case recovered(lastError: String, failures: Int)
        /// Success after success: nothing to say.
        case none
    }

    package private(set) var currentError: String?
    private var failures = 0

    package init() {}

    package mutating func failed(_ description: String) -> Action {
        defer { currentError = description }
        if currentError == description {
            failures += 1
            return .suppress(repeats: failures - 1)
        }
        failures = 1
        return .report(error: description)
    }

    package mutating func succeeded() -> Action {
        guard let lastError = currentError else { return .none }
        let count = failures
        currentError = nil
        failures = 0
        return .recovered(lastError: lastError, failures: count)
    }
}
