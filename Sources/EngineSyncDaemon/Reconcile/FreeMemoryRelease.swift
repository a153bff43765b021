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
enum FreeMemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: Trim.self)
        #else
            return nil
        #endif
    }()

    /// Returns free heap pages to the kernel; a few milliseconds after a large reconcile, nothing when idle.
    static func afterReconcile() {
        _ = trim?(0)
    }
}
