import Synchronization

/// A level-triggered wake-up for the daemon loop: a ref change, SIGHUP, or a timeout.
///
/// `signal()` wakes every current waiter; with no waiter it is remembered, so a push that lands while a
/// reconcile runs is not lost — the next `wait` returns at once. Waiting suspends the task (no thread,
/// no CPU). Thread-safe: all state is behind one mutex, and `signal()` may be called from any thread
/// (the inotify thread calls it).
package final class WakeUpSignal: Sendable {
    /// Why `wait(timeout:)` returned.
    package enum Reason: Sendable, Equatable {
        case signalled
        case timedOut
        case cancelled
    }

    private struct Waiter {
        var continuation: CheckedContinuation<Reason, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var pending = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    private let state = Mutex(State())
    /// Signalled instead of this one: a fleet's per-target signals behind the one the ref watcher signals.
    private let followers: [WakeUpSignal]

    /// - Parameter followers: when not empty, `signal()` wakes each of them (and nothing waits on this one).
    package init(followers: [WakeUpSignal] = []) {
        self.followers = followers
    }

    /// Wakes all waiters, or the next one to come when there is none.
    package func signal() {
        if !followers.isEmpty {
            for follower in followers { follower.signal() }
            return
        }
        let woken = state.withLock { state -> [Waiter] in
            guard !state.waiters.isEmpty else {
                state.pending = true
                return []
            }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: .signalled)
        }
    }

    /// Suspends until `signal()`, `timeout`, or cancellation of the calling task.
    package func wait(timeout: Duration) async -> Reason {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reason, Never>) in
                let early = state.withLock { state -> Reason? in
                    if state.pending {
                        state.pending = false
                        return .signalled
                    }
                    if Task.isCancelled { return .cancelled }
                    state.waiters[id] = Waiter(continuation: continuation, timer: nil)
                    return nil
                }
                if let early {
                    continuation.resume(returning: early)
                    return
                }
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled else { return }
                    self?.finish(id, with: .timedOut)
                }
                let stillWaiting = state.withLock { state -> Bool in
                    guard state.waiters[id] != nil else { return false }
                    state.waiters[id]?.timer = timer
                    return true
                }
                if !stillWaiting { timer.cancel() }
            }
        } onCancel: {
            finish(id, with: .cancelled)
        }
    }

    /// Whether a signal is waiting to be consumed (for tests and diagnostics).
    package var isPending: Bool { state.withLock { $0.pending } }

    private func finish(_ id: UInt64, with reason: Reason) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        guard let waiter else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(returning: reason)
    }
}
