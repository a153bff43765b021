package import EngineSyncCore
import Foundation
import Synchronization

/// The daemon's `DSLCompileCache` for one target, kept between reconciles so that a commit's compile redoes only
/// the files it changed (docs/DSL.md, "Incremental compile"); one-shot commands compile afresh.
package final class CompileCache: Sendable {
    private let entries = Mutex<DSLCompileCache?>(DSLCompileCache())

    package init() {}

    /// The cache, for reading files from it without taking it (an empty one while a compile holds it).
    package func peek() -> DSLCompileCache {
        entries.withLock { $0 ?? DSLCompileCache() }
    }

    /// Takes the cache for a compile; a compile that overlaps another starts from an empty one (slower, as exact).
    func take() -> DSLCompileCache {
        entries.withLock { entries in
            defer { entries = nil }
            return entries ?? DSLCompileCache()
        }
    }

    /// Keeps what the compile left: what it read of the last commit, nothing of what that commit superseded.
    func keep(_ cache: DSLCompileCache) {
        entries.withLock { $0 = cache }
    }
}

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

    /// Starts compiling `files` on a global queue (never Swift's cooperative pool: the caller may block on it);
    /// incrementally when a long-running caller keeps a `CompileCache`.
    init(_ compiler: DSLCompiler, files: DSLCompiler.LoadedFiles, cache: CompileCache? = nil) {
        sourceBytes = files.byteCount
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            if let cache {
                var entries = cache.take()
                result = compiler.compile(files, cache: &entries)
                cache.keep(entries)
            } else {
                result = compiler.compile(files)
            }
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
