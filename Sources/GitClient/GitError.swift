internal import CLibGit2

/// libgit2's return code (`git_error_code`), named like `SQLState`: compare with `.notFound`, never with numbers.
public struct GitErrorCode: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(integerLiteral value: Int32) { rawValue = value }

    /// 0: an error enginesync raises itself (a limit, an unexpected object type); `GitError.reason` says which.
    public static let enginesync: GitErrorCode = 0
    public static let generic: GitErrorCode = -1
    public static let notFound: GitErrorCode = -3
    public static let exists: GitErrorCode = -4
    public static let ambiguous: GitErrorCode = -5
    public static let locked: GitErrorCode = -14
    public static let auth: GitErrorCode = -16
    public static let certificate: GitErrorCode = -17
    public static let user: GitErrorCode = -7

    public var isFailure: Bool { rawValue < 0 }
    public var description: String { String(rawValue) }
}

/// libgit2's error class (`git_error_t`), named.
public struct GitErrorClass: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible
{
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(integerLiteral value: Int32) { rawValue = value }

    public static let none: GitErrorClass = 0
    public static let noMemory: GitErrorClass = 1
    public static let os: GitErrorClass = 2
    public static let invalid: GitErrorClass = 3
    public static let reference: GitErrorClass = 4
    public static let zlib: GitErrorClass = 5
    public static let repository: GitErrorClass = 6
    public static let config: GitErrorClass = 7
    public static let odb: GitErrorClass = 9
    public static let object: GitErrorClass = 11
    public static let net: GitErrorClass = 12
    public static let tag: GitErrorClass = 13
    public static let tree: GitErrorClass = 14
    public static let ssl: GitErrorClass = 16
    public static let ssh: GitErrorClass = 23
    public static let callback: GitErrorClass = 26
    public static let http: GitErrorClass = 34

    /// The short name in messages ("reference", "net"…).
    public var description: String {
        switch self {
        case .noMemory: "nomemory"
        case .os: "os"
        case .invalid: "invalid"
        case .reference: "reference"
        case .zlib: "zlib"
        case .repository: "repository"
        case .config: "config"
        case .odb: "odb"
        case .object: "object"
        case .net: "net"
        case .tag: "tag"
        case .tree: "tree"
        case .ssl: "ssl"
        case .ssh: "ssh"
        case .callback: "callback"
        case .http: "http"
        default: "class \(rawValue)"
        }
    }
}

/// An error from libgit2, read at the failing call (libgit2's last error is per thread), or one enginesync
/// raises itself with a typed `reason` (so callers switch on it rather than parse the message).
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// What enginesync itself refused, beyond libgit2's own errors.
    public enum Reason: Hashable, Sendable {
        /// libgit2 reported the error (`code`, `errorClass`, `message`).
        case libgit2
        /// A blob is larger than the caller's limit (read from its header, never inflated).
        case blobTooLarge(size: Int, limit: Int)
        /// A path that should be a directory (tree) is something else.
        case notADirectory
        /// An object that should be a blob is something else.
        case notABlob
        /// A revision that should name a commit does not.
        case notACommit
    }

    public var code: GitErrorCode
    public var errorClass: GitErrorClass
    public var reason: Reason
    public var message: String
    /// The libgit2 function that failed, or enginesync's check.
    public var function: String
    /// What was being looked up (a path, revision or URL), for the operator.
    public var subject: String?

    /// `message` and `subject` are stored with every URL's credentials masked (`URLRedaction`): libgit2 quotes
    /// the remote URL in its errors, and these texts reach the journal, reports and systemd's `STATUS=`.
    public init(
        code: GitErrorCode, errorClass: GitErrorClass, reason: Reason = .libgit2, message: String,
        function: String, subject: String? = nil
    ) {
        self.code = code
        self.errorClass = errorClass
        self.reason = reason
        self.message = URLRedaction.redact(message)
        self.function = function
        self.subject = subject.map(URLRedaction.redact)
    }

    public var isNotFound: Bool { code == .notFound }

    public var className: String { errorClass.description }

    public var description: String {
        var text = message
        if let subject { text = "\(subject): \(text)" }
        return "\(text) (git \(className) error \(code) in \(function))"
    }

    /// Reads `git_error_last()` right after a negative return, on the same thread, and copies it.
    static func last(_ code: Int32, _ function: String, subject: String? = nil) -> GitError {
        if let error = git_error_last() {
            let message = error.pointee.message.map { String(cString: $0) } ?? "unknown libgit2 error"
            return GitError(
                code: GitErrorCode(rawValue: code), errorClass: GitErrorClass(rawValue: error.pointee.klass),
                message: message, function: function,
                subject: subject)
        }
        return GitError(
            code: GitErrorCode(rawValue: code), errorClass: .none, message: "libgit2 returned \(code)",
            function: function,
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
