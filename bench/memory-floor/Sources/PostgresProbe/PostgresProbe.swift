import CLibPQ
import Idle

/// Connects with libpq (conninfo in argv[1]) and runs `SELECT 1`; the connection stays open.
public func connectPostgres() -> OpaquePointer {
    guard let connection = PQconnectdb(CommandLine.arguments[1]), PQstatus(connection) == CONNECTION_OK else {
        fail("connect failed")
    }
    let result = PQexec(connection, "SELECT 1")
    guard PQresultStatus(result) == PGRES_TUPLES_OK else { fail("SELECT 1 failed") }
    PQclear(result)
    return connection
}
