public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 that records what webhooks POST to it (issue 16's tests).
///
/// One thread accepts and answers connections one at a time (`Connection: close`). It can be stopped and
/// started again on the same port (a receiver that is down for a while), and it answers 401 when a request's
/// `X-Hub-Signature-256` is not the HMAC of its body under `secret` — checked by the test, which passes the
/// expected signature function, so this type needs no crypto of its own.
public final class LocalHTTPReceiver: @unchecked Sendable {
    public struct Request: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: Data
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    public private(set) var port: UInt16 = 0
    private let accepted = Mutex<[Request]>([])
    private let listening = Mutex<Int32>(-1)
    private var thread: Thread?
    /// Decides the status for a request (200 by default).
    private let respond: @Sendable (Request) -> Int

    public init(respond: @escaping @Sendable (Request) -> Int = { _ in 200 }) {
        self.respond = respond
    }

    deinit { stop() }

    /// Every request answered 2xx, in arrival order.
    public var requests: [Request] { accepted.withLock { $0 } }

    /// Listens on `port` (0: any free port, remembered for a restart).
    public func start(port requested: UInt16? = nil) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestEnvironment.Missing(description: "socket() failed") }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = (requested ?? port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw TestEnvironment.Missing(
                description: "cannot listen on 127.0.0.1:\(requested ?? port): errno \(errno)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        port = UInt16(bigEndian: actual.sin_port)
        listening.withLock { $0 = descriptor }
        let thread = Thread { [self] in serve(descriptor) }
        self.thread = thread
        thread.start()
    }

    /// Closes the listening socket: connections are refused until `start()`.
    public func stop() {
        let descriptor = listening.withLock { value -> Int32 in
            let old = value
            value = -1
            return old
        }
        if descriptor >= 0 {
            shutdown(descriptor, Int32(SHUT_RDWR))
            close(descriptor)
        }
    }

    public var url: String { "http://127.0.0.1:\(port)/hook" }

    private func serve(_ descriptor: Int32) {
        while listening.withLock({ $0 }) == descriptor {
            let client = accept(descriptor, nil, nil)
            if client < 0 { if errno == EINTR { continue } else { return } }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        var headerEnd: Int?
        while headerEnd == nil {
            let count = recv(client, &chunk, chunk.count, 0)
            guard count > 0 else { return }
            buffer += chunk[0..<count]
            headerEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        guard let headerEnd else { return }
        let head = String(decoding: buffer[0..<headerEnd], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(buffer[(headerEnd + 4)...])
        while body.count < length {
            let count = recv(client, &chunk, chunk.count, 0)
            guard count > 0 else { return }
            body += chunk[0..<count]
        }
        let parts = (head.first ?? "").split(separator: " ")
        let request = Request(
            path: parts.count > 1 ? String(parts[1]) : "/", headers: headers, body: Data(body.prefix(length)))
        let status = respond(request)
        if (200..<300).contains(status) { accepted.withLock { $0.append(request) } }
        let response =
            "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Refused")\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        _ = response.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle
        {
            return start
        }
        return nil
    }
}
