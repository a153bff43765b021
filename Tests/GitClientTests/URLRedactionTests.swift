import EngineSyncTestSupport
import Foundation
import GitClient
import Testing

/// Issue 12 item 4: a remote URL's password or token never appears in what libgit2's errors become.
@Suite("Credentials in remote URLs are masked in every git error")
struct URLRedactionTests {
    @Test func aFailedFetchNeverQuotesThePasswordOrToken() throws {
        let mirrorPath = NSTemporaryDirectory() + "enginesync-mirror-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: mirrorPath) }
        let mirror = try GitRepository.initBare(path: mirrorPath)
        // Port 1 on the loopback: connection refused, a real libgit2 network error.
        for url in [
            "https://enginesync:s3cret@127.0.0.1:1/repo.git",
            "http://user:s3cret@127.0.0.1:1/repo.git?private_token=s3cret",
            "https://s3cret@127.0.0.1:1/repo.git", "http://user:s3cret@[::1]:1/repo.git",
        ] {
            let error = try #require(throws: GitError.self) { try mirror.fetchMirror(from: url) }
            #expect(error.code.isFailure)
            #expect(!error.description.contains("s3cret"), "\(error.description)")
            #expect(!error.message.contains("s3cret") && !(error.subject ?? "").contains("s3cret"))
            #expect(!"\(error)".contains("s3cret") && !String(reflecting: error).contains("s3cret"))
            #expect(error.description.contains("***"), "\(error.description)")
        }
    }

    @Test(arguments: [
        ("fetch from https://u:p4ss@host/r.git failed", "fetch from https://u:***@host/r.git failed"),
        ("https://t0ken@github.com/o/r.git", "https://***@github.com/o/r.git"),
        ("ssh://git@host/r.git", "ssh://git@host/r.git"),
        ("x https://h/r.git?access_token=abc&x=1#frag y", "x https://h/r.git?access_token=***&x=***#*** y"),
        ("https://h/r.git#access_token=abc", "https://h/r.git#***"),
        // The prose's punctuation after a masked value stays.
        ("[https://h/q?t=abc&x=1, https://h/u]", "[https://h/q?t=***&x=***, https://h/u]"),
        ("cannot reach https://h/q?t=abc: Operation timed out", "cannot reach https://h/q?t=***: Operation timed out"),
        ("(see https://h/q?t=abc).", "(see https://h/q?t=***)."),
        ("https://h/q?t=a,b:c", "https://h/q?t=***"),
        ("\"https://a:b@h\": refused", "\"https://a:***@h\": refused"),
        ("two: http://a:b@h1/ and git+https://c:d@h2/x", "two: http://a:***@h1/ and git+https://c:***@h2/x"),
        ("no url here: user:pw@host", "no url here: user:pw@host"),
    ])
    func textRedaction(input: String, expected: String) {
        #expect(URLRedaction.redact(input) == expected)
    }
}
