#if canImport(Glibc)
    import Glibc
#endif

/// Hands the heap's free memory back to the kernel once the daemon is idle.
///
/// A reconcile allocates the compiled DSL, the catalog rows and the live schema, and frees most of it when it ends;
/// the allocator keeps those pages for the next allocation, so an idle daemon would hold the peak of its last
/// reconcile. The `enginesync` binary is linked with jemalloc (`Package.swift`; docs/BENCHMARKS.md): glibc's
/// malloc left the freed memory of a 1,000-model reconcile scattered between the objects the daemon keeps, where
/// `malloc_trim` cannot return it (57 MiB anonymous for 19 MiB in use), and jemalloc, whose size classes keep
/// small objects of one size together, returns it when asked to purge (25 MiB). The allocator is found at run
/// time (`mallctl` is jemalloc's, `malloc_trim` glibc's; neither is in the Glibc module), so a library user or
/// a test process on glibc's malloc gets `malloc_trim`, and elsewhere this does nothing.
package enum FreeMemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32
    private typealias SetOption = @convention(c) (Int32, Int32) -> Int32
    private typealias Control =
        @convention(c) (
            UnsafePointer<CChar>?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int>?, UnsafeMutableRawPointer?, Int
        ) -> Int32

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        #if canImport(Glibc)
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
        #else
            nil
        #endif
    }

    /// jemalloc's `mallctl`, when jemalloc is the process's allocator.
    private static let control: Control? = symbol("mallctl").map { unsafeBitCast($0, to: Control.self) }

    private static let trim: Trim? = symbol("malloc_trim").map { unsafeBitCast($0, to: Trim.self) }

    /// Which allocator the process runs on: `jemalloc` in the `enginesync` binary.
    package static var allocator: String { control == nil ? "glibc" : "jemalloc" }

    /// With glibc's malloc, one arena for the whole daemon (`mallopt(M_ARENA_MAX, 1)`), set by `enginesync run`
    /// first thing, before its threads allocate: glibc gives each thread that meets contention an arena of its own
    /// (up to 8 per core), and the reconcile queue and the compile thread each kept a peak of their own (58.8 against
    /// 71.9 MiB after reconciling 1,000 models). jemalloc needs nothing: its purge covers every arena.
    package static func useOneArena() {
        guard control == nil, let symbol = symbol("mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: SetOption.self)
        // M_ARENA_MAX in <malloc.h>.
        _ = mallopt(-8, 1)
    }

    /// Returns free heap pages to the kernel (jemalloc: purges every arena's unused dirty pages, `arena.4096.purge`
    /// with 4096 = `MALLCTL_ARENAS_ALL`; glibc: `malloc_trim(0)`): a few milliseconds, at the daemon's first idle
    /// turn after a reconcile and after a catalog export.
    package static func returnFreePages() {
        if let control {
            // The calling thread's cache of freed objects goes back to the arenas first, so its pages can go too.
            _ = control("thread.tcache.flush", nil, nil, nil, 0)
            _ = control("arena.4096.purge", nil, nil, nil, 0)
        } else {
            _ = trim?(0)
        }
    }

    /// The bytes the program has allocated and not freed (jemalloc's `stats.allocated`, refreshed through `epoch`);
    /// `nil` on another allocator. For the benchmarks' memory figures.
    package static func allocatedBytes() -> Int? {
        guard let control else { return nil }
        // Writing any value to `epoch` refreshes the statistics.
        var epoch: UInt64 = 1
        _ = control("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size)
        var allocated = 0
        var size = MemoryLayout<Int>.size
        guard control("stats.allocated", &allocated, &size, nil, 0) == 0 else { return nil }
        return allocated
    }
}
