import EngineSyncDaemon
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real AF_UNIX datagram socket standing in for systemd's notify socket in tests.
final class DatagramListener: @unchecked Sendable {
    let fd: Int32
    let path: String?
    /// The `NOTIFY_SOCKET` value that reaches this listener.
    let notifySocket: String

    /// Binds a socket file in a fresh temporary directory, or an abstract name.
    init(abstract: Bool = false) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let name: [UInt8]
        if abstract {
            let abstractName = "enginesync-test-\(UUID().uuidString)"
            name = [0] + Array(abstractName.utf8)
            path = nil
            notifySocket = "@" + abstractName
        } else {
            let directory = NSTemporaryDirectory() + "enginesync-notify-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let socketPath = directory + "/notify"
            name = Array(socketPath.utf8) + [0]
            path = socketPath
            notifySocket = socketPath
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in name.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t((MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2) + name.count)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(fd)
        if let path { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    }

    /// The next datagram, or nil after `timeoutMilliseconds`.
    func receive(timeoutMilliseconds: Int32 = 10_000) -> String? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Datagrams until one contains `needle` (returned with all seen), or nil on timeout.
    func receive(until needle: String, timeoutMilliseconds: Int32 = 10_000) -> [String]? {
        var seen: [String] = []
        while let message = receive(timeoutMilliseconds: timeoutMilliseconds) {
            seen.append(message)
            if message.contains(needle) { return seen }
        }
        return nil
    }
}
