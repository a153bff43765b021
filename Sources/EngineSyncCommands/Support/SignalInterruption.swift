import Dispatch
import EngineSync
import Foundation
import Synchronization

/// SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal or SSH session closed) for the one-shot commands that use the database (`sync`, `plan`, `migrate up`,
/// `migrate resolve`), as the daemon treats them (docs/OPERATIONS.md, "Stopping a one-shot command"):
///
/// 1. The first signal asks the work to stop (`ReconcileProgress.requestStop`): the running statement is
///    cancelled with libpq's `PQcancel` (SQLSTATE 57014), so the server session leaves the lock queue at once
///    and its transaction rolls back; a wait for the advisory lock gives up. The request is repeated every
///    100 ms until the work returns, so a statement that starts after one request is cancelled by the next.
///    A `-- enginesync: no-transaction` migration's statements are not cancelled (half-run, it would need a
///    manual resolve): the command stops after the running one.
/// 2. The command then prints what it has (the report, the error) and exits 130 after SIGINT, 143 after
///    SIGTERM, 129 after SIGHUP (128 + the signal number), whatever the outcome.
/// 3. A second signal exits at once with the same code (the server rolls back whatever is open when it
///    notices the connection closed).
final class SignalInterruption: Sendable {
    let progress: ReconcileProgress
    private let queue = DispatchQueue(label: "enginesync.signals")
    private struct State {
        var signal: Int32?
        var finished = false
    }
    private let state = Mutex(State())
    private struct Sources: @unchecked Sendable { var list: [any DispatchSourceSignal] }
    private let sources = Mutex(Sources(list: []))

    static let signals = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the handlers; they stay until `finish()`.
    init(progress: ReconcileProgress = ReconcileProgress()) {
        self.progress = progress
        for number in Self.signals {
            // Dispatch sees the signal only when the default action (terminate) is off.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.received(number) }
            source.resume()
            sources.withLock { $0.list.append(source) }
        }
    }

    /// The signal received, if any.
    var receivedSignal: Int32? { state.withLock { $0.signal } }

    /// `128 + signal` once a signal arrived: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
    var exitCode: Int32? { receivedSignal.map { 128 + $0 } }

    /// The work returned: stop cancelling, and restore the default actions.
    func finish() {
        state.withLock { $0.finished = true }
        sources.withLock { sources in
            for source in sources.list { source.cancel() }
            sources.list.removeAll()
        }
        for number in Self.signals { signal(number, SIG_DFL) }
    }

    private func received(_ number: Int32) {
        let first = state.withLock { state -> Bool in
            guard state.signal == nil else { return false }
            state.signal = number
            return true
        }
        let name = number == SIGINT ? "SIGINT" : number == SIGHUP ? "SIGHUP" : "SIGTERM"
        guard first else {
            FileHandle.standardError.write(Data("enginesync: \(name) again: exiting now\n".utf8))
            _exit(128 + number)
        }
        FileHandle.standardError.write(
            Data(
                ("enginesync: \(name): cancelling the running statement and rolling back "
                    + "(send it again to exit at once)\n").utf8))
        keepCancelling()
    }

    private func keepCancelling() {
        guard !state.withLock({ $0.finished }) else { return }
        progress.requestStop()
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in self?.keepCancelling() }
    }
}
