#if canImport(Glibc)
    import Glibc
#endif

/// Hands the heap's free memory back to the kernel after a reconcile (glibc's `malloc_trim(0)`).
///
/// A reconcile allocates the compiled DSL, the catalog rows and the live schema, and frees most of it when it ends;
/// glibc keeps those pages in the reconcile thread's arena for the next allocation, so an idle daemon would hold
/// the peak of its last reconcile. Measured (`enginesync-bench reconcile-loop`, 100 models): 10.2 → 6.8 MiB
/// anonymous; at 1,000 models docs/BENCHMARKS.md has the figures. `malloc_trim` is looked up at run time: it is
/// glibc's, not POSIX (`<malloc.h>`, which the Glibc module does not export), and elsewhere this does nothing.
package enum FreeMemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32
    private typealias SetOption = @convention(c) (Int32, Int32) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: Trim.self)
        #else
            return nil
        #endif
    }()

    /// One malloc arena for the whole daemon (`mallopt(M_ARENA_MAX, 1)`), set by `enginesync run` first thing,
    /// before its threads allocate: glibc gives each thread that meets contention an arena of its own (up to 8 per
    /// core), and the reconcile queue and the compile thread each kept a peak of their own. Measured side by side
    /// after reconciling 1,000 models into an empty database: 58.8 MiB (anonymous 24.2, peak 111.5) against 71.9 MiB
    /// (anonymous 37.8, peak 135.1). A single database reconciles on one thread at a time, so the arena's lock is
    /// uncontended; a fleet's parallel targets share it (allocation is a small part of a reconcile, which waits on
    /// the server most of the time).
    package static func useOneArena() {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: SetOption.self)
            // M_ARENA_MAX in <malloc.h>.
            _ = mallopt(-8, 1)
        #endif
    }

    /// Returns free heap pages to the kernel; a few milliseconds after a large reconcile or catalog export,
    /// nothing when idle.
    static func afterReconcile() {
        _ = trim?(0)
    }
}
