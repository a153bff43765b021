internal import CLibGit2

/// An error from libgit2, read at the failing call (libgit2's last error is per thread).
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// libgit2's return code (`GIT_ENOTFOUND` = -3, …); 0 for errors enginesync raises itself.
    public var code: Int32
    /// libgit2's error class (`git_error_t`): OS 2, INVALID 3, REFERENCE 4, REPOSITORY 6, NET 12, TREE 14 …
    public var errorClass: Int32
    public var message: String
    /// The libgit2 function that failed, or enginesync's check.
    public var function: String
    /// What was being looked up (a path, revision or URL), for the operator.
    public var subject: String?

    /// `message` and `subject` are stored with every URL's credentials masked (`URLRedaction`): libgit2 quotes
    /// the remote URL in its errors, and these texts reach the journal, reports and systemd's `STATUS=`.
    public init(code: Int32, errorClass: Int32, message: String, function: String, subject: String? = nil) {
        self.code = code
        self.errorClass = errorClass
        self.message = URLRedaction.redact(message)
        self.function = function
        self.subject = subject.map(URLRedaction.redact)
    }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }

    public var className: String {
        switch errorClass {
        case 1: "nomemory"
        case 2: "os"
        case 3: "invalid"
        case 4: "reference"
        case 5: "zlib"
        case 6: "repository"
        case 7: "config"
        case 9: "odb"
        case 11: "object"
        case 12: "net"
        case 13: "tag"
        case 14: "tree"
        case 16: "ssl"
        case 23: "ssh"
        case 26: "callback"
        case 34: "http"
        default: "class \(errorClass)"
        }
    }

    public var description: String {
        var text = message
        if let subject { text = "\(subject): \(text)" }
        return "\(text) (git \(className) error \(code) in \(function))"
    }

    /// Reads `git_error_last()` right after a negative return, on the same thread, and copies it.
    static func last(_ code: Int32, _ function: String, subject: String? = nil) -> GitError {
        if let error = git_error_last() {
            let message = error.pointee.message.map { String(cString: $0) } ?? "unknown libgit2 error"
            return GitError(code: code, errorClass: error.pointee.klass, message: message, function: function,
                            subject: subject)
        }
        return GitError(code: code, errorClass: 0, message: "libgit2 returned \(code)", function: function,
                        subject: subject)
    }
}

/// Calls a libgit2 function and turns a negative return into a `GitError`.
@inline(__always)
func check(_ function: String, subject: String? = nil, _ call: () -> Int32) throws -> Int32 {
    let code = call()
    if code < 0 { throw GitError.last(code, function, subject: subject) }
    return code
}
