internal import CLibPQ
import Synchronization

/// Asks the server to cancel whatever statement a connection is running, from another thread.
///
/// Owns a libpq `PGcancel` (made by `PQgetCancel`, freed in `deinit`). libpq documents `PQcancel` as safe to
/// call from any thread while the connection's own thread is blocked in a query (c-libraries.md 2); the
/// mutex only keeps two callers, and the free, from overlapping. The cancelled statement fails with
/// SQLSTATE 57014 on the connection's thread, which rolls its transaction back.
public final class PostgresCancelToken: Sendable {
    private struct Handle: @unchecked Sendable { let pointer: OpaquePointer }
    private let handle: Mutex<Handle?>

    init?(connection: OpaquePointer) {
        guard let cancel = PQgetCancel(connection) else { return nil }
        handle = Mutex(Handle(pointer: cancel))
    }

    deinit {
        handle.withLock { handle in
            if let handle { PQfreeCancel(handle.pointer) }
            handle = nil
        }
    }

    /// Sends the cancel request; `nil` when it was sent, else libpq's reason (the server may be gone).
    /// A request that arrives between statements is harmless: the server ignores it.
    @discardableResult
    public func cancel() -> String? {
        handle.withLock { handle -> String? in
            guard let handle else { return "already freed" }
            var buffer = [CChar](repeating: 0, count: 256)
            let sent = buffer.withUnsafeMutableBufferPointer { PQcancel(handle.pointer, $0.baseAddress, 256) }
            return sent == 1
                ? nil : String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
