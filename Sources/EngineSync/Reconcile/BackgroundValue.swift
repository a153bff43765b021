import Foundation

/// A value computed on a thread of its own while the reconcile's thread does something that mostly waits (the
/// server, the network): the DSL compile, the snapshot patch, a second connection's catalog query. Reading
/// `value` waits for it the first time; later reads return it at once.
///
/// It runs on a global dispatch queue, never Swift's cooperative pool: the reader blocks a thread. `@unchecked
/// Sendable`: `work` runs on that queue alone and whatever it captures (a connection) is not touched by the caller
/// until `value` returns; `result` is written before `finished` is signalled and read after.
final class BackgroundValue<Value>: @unchecked Sendable {
    private let work: () -> Value
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Value?
    private var isJoined = false

    /// Starts `work` at once.
    init(_ work: @escaping () -> Value) {
        self.work = work
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = self.work()
            finished.signal()
        }
    }

    /// The result, waiting for it the first time.
    var value: Value {
        lock.withLock {
            if !isJoined {
                finished.wait()
                isJoined = true
            }
            if let result { return result }
            // Not reached (`result` is set before the signal); computing it here keeps this total without a trap.
            let computed = work()
            result = computed
            return computed
        }
    }
}
