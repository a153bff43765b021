import EngineSync
import EngineSyncDaemon
import Foundation
import Synchronization
import Testing

/// The `catalog.json` export's queue: requests coalesce, a reconcile makes a running export stop and owe a rerun.
@Suite("CatalogExportQueue: coalesced, debounced exports that yield to a reconcile")
struct CatalogExportQueueTests {
    @Test func requestsCoalesceIntoOneExport() {
        let runs = Mutex(0)
        let exports = CatalogExportQueue(delay: .seconds(60)) { _ in
            runs.withLock { $0 += 1 }
            return true
        }
        exports.request()
        exports.request()
        exports.request()
        exports.flush()
        #expect(runs.withLock { $0 } == 1)
        exports.flush()
        #expect(runs.withLock { $0 } == 1)
        #expect(!exports.resume())
    }

    @Test func anExportThatStartsDuringAReconcileGivesUpAndIsOwed() {
        let runs = Mutex(0)
        let exports = CatalogExportQueue(delay: .seconds(60)) { _ in
            runs.withLock { $0 += 1 }
            return true
        }
        exports.request()
        exports.yield()
        exports.flush()
        #expect(runs.withLock { $0 } == 0)
        #expect(exports.resume())
        exports.request()
        exports.flush()
        #expect(runs.withLock { $0 } == 1)
        #expect(!exports.resume())
    }

    @Test func anExportStoppedByAReconcileIsOwed() {
        let exports = CatalogExportQueue(delay: .seconds(60)) { progress in
            // The export notices the stop request (its catalog query would be cancelled) and gives up.
            while !progress.isStopRequested { Thread.sleep(forTimeInterval: 0.001) }
            return false
        }
        exports.request()
        let flushed = Thread { exports.flush() }
        flushed.start()
        // Wait until the export runs, then a reconcile starts.
        while !exports.isRunning { Thread.sleep(forTimeInterval: 0.001) }
        exports.yield()
        exports.flush()
        #expect(exports.resume())
    }
}
