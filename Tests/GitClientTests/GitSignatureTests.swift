import EngineSyncTestSupport
import Foundation
import GitClient
import Testing

/// `git_commit_extract_signature` on commits git itself signed (issue 15).
@Suite("GitRepository: commit signatures")
struct GitSignatureTests {
    @Test func extractsTheSignatureAndTheBytesItSigns() throws {
        let key = try ScratchSigningKey(principal: "alice@example.com")
        let scratch = try ScratchRepository()
        let unsigned = try scratch.commit(["migrations/0001.sql": "SELECT 1;\n"], message: "unsigned")
        let signed = try scratch.commit(["migrations/0001.sql": "SELECT 2;\n"], message: "signed", signedBy: key)
        let repository = try GitRepository.open(path: scratch.path)
        let unsignedID = try #require(ObjectID(hex: unsigned))
        let signedID = try #require(ObjectID(hex: signed))
        #expect(try repository.signature(of: unsignedID) == nil)
        let extracted = try repository.signature(of: signedID)
        let signature = try #require(extracted)
        #expect(signature.signature.hasPrefix("-----BEGIN SSH SIGNATURE-----"))
        #expect(signature.signature.contains("-----END SSH SIGNATURE-----"))
        // The signed bytes are the commit object without its gpgsig header.
        let payload = String(decoding: signature.signedData, as: UTF8.self)
        #expect(payload.hasPrefix("tree "))
        #expect(payload.hasSuffix("signed\n"))
        #expect(!payload.contains("gpgsig"))

        // entryID: a file's blob id per commit, nil where it does not exist.
        let first = try repository.entryID(commit: unsignedID, path: "migrations/0001.sql")
        let second = try repository.entryID(commit: signedID, path: "migrations/0001.sql")
        #expect(first != nil && second != nil && first != second)
        #expect(try repository.entryID(commit: signedID, path: "migrations/none.sql") == nil)
    }
}
