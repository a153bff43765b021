// How every variant ends: idle, the way the daemon waits for the next push.
import Glibc

/// Prints `ready` (run.sh waits for it) and sleeps until killed, keeping `handles` alive.
public func idle(keeping handles: Any...) -> Never {
    print("ready")
    fflush(nil)
    while true {
        withExtendedLifetime(handles) { _ = pause() }
    }
}

/// Prints `message` and exits with status 1.
public func fail(_ message: String) -> Never {
    print(message)
    exit(1)
}
