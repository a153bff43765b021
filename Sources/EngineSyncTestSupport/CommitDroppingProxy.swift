import Foundation
public import PostgresClient

#if canImport(Glibc)
    import Glibc
#endif

/// A unix-socket proxy in front of the scratch cluster that can lose the reply to one COMMIT.
///
/// It listens on `<directory>/.s.PGSQL.<port>` (libpq's `host=<directory> port=<port>`) and relays every
/// connection byte for byte to the real server socket `<upstream host>/.s.PGSQL.<upstream port>`: no mock,
/// the server does the work. Once `arm()`ed, the first COMMIT the client sends (a simple-query `Q` or an
/// extended-protocol `Parse` of `COMMIT`, which is how `PQexecParams("COMMIT")` goes) is forwarded to the
/// server; the server's reply is read up to its ReadyForQuery (or a 2 s deadline) but never relayed, and both
/// sockets are closed. The client sees a connection loss during COMMIT while the server has committed.
/// Later connections are relayed normally.
public final class CommitDroppingProxy: @unchecked Sendable {
    /// The socket directory, for libpq's `host=`.
    public let directory: String
    /// The port in the socket's file name, for libpq's `port=`.
    public let port: String
    /// The real server socket every connection is relayed to.
    public let upstreamPath: String

    private let state = State()
    private let listener: Int32

    /// Relays to the scratch database's cluster.
    public convenience init(forwardingTo database: ScratchDatabase) throws {
        try self.init(upstreamHost: database.host, upstreamPort: database.port)
    }

    public init(upstreamHost: String, upstreamPort: String, port: String = "5432") throws {
        upstreamPath = "\(upstreamHost)/.s.PGSQL.\(upstreamPort)"
        self.port = port
        // Short, fixed prefix: sun_path holds 108 bytes.
        var template = Array("/tmp/esproxy.XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ProxyError(message: "mkdtemp: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: created)
        let path = "\(directory)/.s.PGSQL.\(port)"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ProxyError(message: "socket: \(String(cString: strerror(errno)))") }
        do {
            try Self.withAddress(path) { address, length in
                guard bind(fd, address, length) == 0 else {
                    throw ProxyError(message: "bind \(path): \(String(cString: strerror(errno)))")
                }
            }
            guard listen(fd, 64) == 0 else { throw ProxyError(message: "listen: \(String(cString: strerror(errno)))") }
        } catch {
            close(fd)
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        listener = fd
        let state = self.state
        let upstreamPath = self.upstreamPath
        state.group.enter()
        Thread {
            defer { state.group.leave() }
            Self.acceptLoop(listener: fd, upstreamPath: upstreamPath, state: state)
        }.start()
    }

    deinit { stop() }

    /// A configuration that reaches `database` through this proxy.
    public func configuration(for database: ScratchDatabase) -> PostgresConfiguration {
        PostgresConfiguration(
            dsn: "host=\(directory) port=\(port) user=\(database.user) dbname=\(database.name)",
            connectTimeoutSeconds: 5)
    }

    /// Drops the reply to the next COMMIT (once).
    public func arm() { state.locked { $0.armed = true } }

    /// How many COMMITs were forwarded and had their reply dropped (the connection then closed).
    public var droppedCommits: Int { state.locked { $0.dropped } }

    /// Of those, how many the server had answered (ReadyForQuery seen) before the sockets were closed.
    public var answeredDroppedCommits: Int { state.locked { $0.answered } }

    /// Stops accepting, closes every relayed connection and removes the socket directory. Idempotent.
    public func stop() {
        let first = state.locked { values -> Bool in
            defer { values.stopped = true }
            return !values.stopped
        }
        guard first else { return }
        _ = state.group.wait(timeout: .now() + 5)
        close(listener)
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Relaying

    struct ProxyError: Error, CustomStringConvertible {
        var message: String
        var description: String { "CommitDroppingProxy: \(message)" }
    }

    final class State: @unchecked Sendable {
        struct Values {
            var armed = false
            var stopped = false
            var dropped = 0
            var answered = 0
        }

        private let lock = NSLock()
        private var values = Values()
        let group = DispatchGroup()

        func locked<T>(_ body: (inout Values) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&values)
        }

        /// Disarms and returns `true` for the first caller after `arm()`.
        func takeArmed() -> Bool {
            locked { values in
                defer { values.armed = false }
                return values.armed
            }
        }

        var isStopped: Bool { locked { $0.stopped } }
    }

    private static func acceptLoop(listener: Int32, upstreamPath: String, state: State) {
        while !state.isStopped {
            var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            state.group.enter()
            Thread {
                defer { state.group.leave() }
                relay(client: client, upstreamPath: upstreamPath, state: state)
            }.start()
        }
    }

    private static func relay(client: Int32, upstreamPath: String, state: State) {
        defer { close(client) }
        let server = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard server >= 0 else { return }
        defer { close(server) }
        let connected =
            (try? withAddress(upstreamPath) { address, length in connect(server, address, length) == 0 }) ?? false
        guard connected else { return }

        var fromClient = MessageParser(startup: true)
        var fromServer = MessageParser(startup: false)
        var dropping = false
        var deadline = Date.distantFuture
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !state.isStopped {
            if dropping, Date() >= deadline { break }
            var entries = [
                pollfd(fd: client, events: Int16(POLLIN), revents: 0),
                pollfd(fd: server, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&entries, 2, 100)
            if ready < 0 && errno != EINTR { return }
            guard ready > 0 else { continue }

            if entries[0].revents != 0 {
                let count = read(client, &buffer, buffer.count)
                if count <= 0 { return }
                let chunk = Array(buffer[0..<count])
                guard writeAll(server, chunk) else { return }
                if !dropping {
                    for message in fromClient.feed(chunk) where message.isCommit && state.takeArmed() {
                        // Everything already read (Bind/Execute/Sync after a Parse) has gone to the server;
                        // from here on its replies are swallowed.
                        dropping = true
                        deadline = Date().addingTimeInterval(2)
                        break
                    }
                }
            }
            if entries[1].revents != 0 {
                let count = read(server, &buffer, buffer.count)
                if count <= 0 { break }
                let chunk = Array(buffer[0..<count])
                if dropping {
                    if fromServer.feed(chunk).contains(where: { $0.type == UInt8(ascii: "Z") }) {
                        state.locked { $0.answered += 1 }
                        break
                    }
                } else {
                    guard writeAll(client, chunk) else { return }
                    // Replies are relayed as they come; only the framing after a COMMIT matters.
                    _ = fromServer.feed(chunk)
                }
            }
        }
        if dropping { state.locked { $0.dropped += 1 } }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws
        -> T
    {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw ProxyError(message: "socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
            buffer[bytes.count] = 0
        }
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                try body(generic, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}

/// Frames the PostgreSQL wire protocol (v3): untyped startup-phase messages, then `type, Int32 length, body`.
struct MessageParser {
    struct Message {
        var type: UInt8
        var body: [UInt8]

        /// A simple query `COMMIT`, or a Parse whose statement text is `COMMIT`.
        var isCommit: Bool {
            let text: [UInt8]
            switch type {
            case UInt8(ascii: "Q"):
                text = Array(body.prefix { $0 != 0 })
            case UInt8(ascii: "P"):
                // Parse: statement name (C string), query (C string), parameter types.
                guard let end = body.firstIndex(of: 0) else { return false }
                text = Array(body[(end + 1)...].prefix { $0 != 0 })
            default:
                return false
            }
            let statement = String(decoding: text, as: UTF8.self)
                .trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ";")))
            return statement.uppercased() == "COMMIT"
        }
    }

    /// In the startup phase (client side, before the StartupMessage) messages carry no type byte.
    var startup: Bool
    private var pending: [UInt8] = []

    init(startup: Bool) { self.startup = startup }

    mutating func feed(_ bytes: [UInt8]) -> [Message] {
        pending += bytes
        var messages: [Message] = []
        var offset = 0
        while true {
            let typeLength = startup ? 0 : 1
            guard pending.count - offset >= typeLength + 4 else { break }
            let lengthStart = offset + typeLength
            let length = pending[lengthStart..<(lengthStart + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length >= 4 else {
                pending = []
                return messages
            }  // not a protocol stream we understand
            guard pending.count - offset >= typeLength + length else { break }
            let bodyStart = lengthStart + 4
            let body = Array(pending[bodyStart..<(lengthStart + length)])
            if startup {
                // SSLRequest / GSSENCRequest are followed by another startup-phase message; anything else
                // (StartupMessage, CancelRequest) ends the phase.
                let code = body.prefix(4).reduce(0) { $0 << 8 | Int($1) }
                if code != 80_877_103 && code != 80_877_104 { startup = false }
                messages.append(Message(type: 0, body: body))
            } else {
                messages.append(Message(type: pending[offset], body: body))
            }
            offset = lengthStart + length
        }
        pending.removeFirst(offset)
        return messages
    }
}
