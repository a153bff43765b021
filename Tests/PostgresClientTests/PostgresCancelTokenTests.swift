import EngineSyncTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Cancelling a running statement from another thread")
struct PostgresCancelTokenTests {
    @Test func aCancelledStatementFailsWith57014AndRollsBackItsTransaction() throws {
        try ScratchDatabase.with { database, connection in
            try connection.execute(script: "CREATE TABLE cancel_probe (id int)")
            let token = try #require(connection.cancelToken())
            let sender = Thread {
                Thread.sleep(forTimeInterval: 0.3)
                token.cancel()
            }
            let started = Date()
            sender.start()
            let error = #expect(throws: PostgresError.self) {
                try connection.withTransaction {
                    try connection.execute(script: "INSERT INTO cancel_probe VALUES (1)")
                    try connection.query("SELECT pg_sleep(30)")
                }
            }
            #expect(error?.sqlState == .queryCanceled)
            #expect(Date().timeIntervalSince(started) < 20)
            // The connection is usable, and the transaction's insert was rolled back.
            #expect(try connection.query("SELECT count(*)::int AS n FROM cancel_probe").first?.int("n") == 0)
            // A cancel with nothing running is ignored by the server.
            #expect(token.cancel() == nil)
            #expect(try connection.query("SELECT 1 AS one").first?.int("one") == 1)
        }
    }
}
