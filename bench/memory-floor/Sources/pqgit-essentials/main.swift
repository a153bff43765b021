// As pqgit, plus FoundationEssentials in use (JSONEncoder, Date, Data.write).
import FoundationEssentials
import GitProbe
import Idle
import PostgresProbe

struct Status: Codable {
    var name: String
    var count: Int
    var at: Date
}

let handles = (connectPostgres(), openRepository())
let data = try JSONEncoder().encode(Status(name: "floor", count: 3, at: Date()))
try data.write(to: URL(filePath: "/tmp/enginesync-memory-floor-essentials.json"))
idle(keeping: handles)
