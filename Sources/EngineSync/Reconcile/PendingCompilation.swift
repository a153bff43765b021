import EngineSyncCore
import Foundation

/// A DSL compile running on a thread of its own while the reconcile connects, takes the lock and reads the
/// catalog: the compile is pure and CPU-bound (~100 ms at 1,000 models), the catalog read mostly waits on the
/// server, and the machine has two cores. `compilation` waits for it; the first caller that needs the result (or
/// has to report on the DSL before anything is written) joins.
final class PendingCompilation: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    /// Written once by the worker before it signals `finished`; read only after waiting on it.
    private var result = DSLCompilation(compiled: nil, diagnostics: [])
    private var isJoined = false

    /// The size of the DSL being compiled (`DSLCompiler.LoadedFiles.byteCount`).
    let sourceBytes: Int

    /// Starts compiling `files` on a global queue (never Swift's cooperative pool: the caller may block on it).
    init(_ compiler: DSLCompiler, files: DSLCompiler.LoadedFiles) {
        sourceBytes = files.byteCount
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = compiler.compile(files)
            finished.signal()
        }
    }

    /// The compile's result, waiting for it the first time.
    var compilation: DSLCompilation {
        lock.withLock {
            if !isJoined {
                finished.wait()
                isJoined = true
            }
            return result
        }
    }
}
