import EngineSyncCore
import GitClient
package import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Speaks systemd's notify protocol (sd_notify(3)) without libsystemd: one AF_UNIX datagram per state
/// change to the socket named by `NOTIFY_SOCKET`.
///
/// Unsupervised (no `NOTIFY_SOCKET`), every call is a no-op. Send failures are logged — once per distinct
/// error, so a missing socket does not flood the journal every watchdog period — and never thrown: a
/// broken notify socket must not take the daemon down (systemd will act on the missing READY/WATCHDOG).
/// Thread-safe: each send opens its own socket, and the only state is the last error, behind a mutex.
package final class SystemdNotifier: Sendable {
    /// The socket address: a file-system path, or an abstract name (`@name` in `NOTIFY_SOCKET`).
    package enum Address: Sendable, Equatable {
        case path(String)
        case abstract(String)
    }

    package let address: Address?
    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC` (sd_watchdog_enabled(3)); `nil` when the
    /// watchdog is off or meant for another process (`WATCHDOG_PID`).
    package let watchdogInterval: Duration?
    private let logger: Logger
    private let lastError = Mutex<String?>(nil)

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` from `environment`.
    package init(environment: [String: String], logger: Logger) {
        self.logger = logger
        address = Self.parseAddress(environment["NOTIFY_SOCKET"])
        watchdogInterval = Self.watchdogInterval(environment: environment, pid: getpid())
    }

    package var isSupervised: Bool { address != nil }

    /// Start-up is complete (a `Type=notify` unit stays "activating" until then).
    package func ready(status: String? = nil) {
        send(["READY=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// One line for `systemctl status`.
    package func status(_ text: String) {
        send(["STATUS=\(Self.oneLine(text))"])
    }

    /// Graceful shutdown has begun.
    package func stopping() {
        send(["STOPPING=1"])
    }

    /// A reload started; `MONOTONIC_USEC` is required by `Type=notify-reload` (systemd ≥ 253) and ignored
    /// by older versions, so it is always sent. Follow with `ready()` when done.
    package func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        send(["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"])
    }

    /// Keep-alive for `WatchdogSec=`; a no-op when the watchdog is not enabled for this process.
    package func watchdog() {
        guard watchdogInterval != nil else { return }
        send(["WATCHDOG=1"])
    }

    /// Sends `KEY=VALUE` lines as one datagram.
    package func send(_ assignments: [String]) {
        guard let address else { return }
        let payload = assignments.joined(separator: "\n")
        if let failure = Self.sendDatagram(Array(payload.utf8), to: address) {
            let isNew = lastError.withLock { last in
                defer { last = failure }
                return last != failure
            }
            if isNew {
                logger.warning(
                    "systemd notification failed",
                    metadata: [
                        "systemd.error": "\(failure)", "systemd.message": "\(assignments.first ?? "")",
                    ])
            }
        } else {
            lastError.withLock { $0 = nil }
        }
    }

    static func parseAddress(_ value: String?) -> Address? {
        guard let value, !value.isEmpty else { return nil }
        if value.hasPrefix("/") { return .path(value) }
        if value.hasPrefix("@") { return .abstract(String(value.dropFirst())) }
        return nil  // e.g. vsock: (systemd ≥ 254) is not supported
    }

    static func watchdogInterval(environment: [String: String], pid: pid_t) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 else {
            return nil
        }
        if let owner = environment["WATCHDOG_PID"], !owner.isEmpty {
            guard let ownerPID = pid_t(owner), ownerPID == pid else { return nil }
        }
        return .microseconds(Int64(microseconds / 2))
    }

    /// One line for `STATUS=` (shown to every local user by `systemctl status`): newlines folded and, as a last
    /// line of defence, every URL's credentials masked.
    static func oneLine(_ text: String) -> String {
        URLRedaction.redact(String(text.map { $0.isNewline ? " " : $0 }))
    }

    /// Returns a description of the failure, or nil on success.
    static func sendDatagram(_ payload: [UInt8], to address: Address) -> String? {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return "socket: \(String(cString: strerror(errno)))" }
        defer { close(fd) }

        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        let nameBytes: [UInt8]
        switch address {
        case .path(let path): nameBytes = Array(path.utf8)
        case .abstract(let name): nameBytes = [0] + Array(name.utf8)
        }
        // A path needs room for its NUL terminator; an abstract name is length-delimited.
        let isPath = if case .path = address { true } else { false }
        guard nameBytes.count + (isPath ? 1 : 0) <= capacity else { return "NOTIFY_SOCKET is too long" }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { buffer in
            for (index, byte) in nameBytes.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(pathOffset + nameBytes.count + (isPath ? 1 : 0))
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &socketAddress) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    // Never block the daemon on a full notify queue: a lost STATUS= is better than a stalled loop.
                    sendto(
                        fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), generic, length)
                }
            }
        }
        guard sent >= 0 else { return "sendto: \(String(cString: strerror(errno)))" }
        return nil
    }
}
