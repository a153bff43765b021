// As pqgit-essentials, plus full Foundation in use (JSONSerialization, CharacterSet).
import Foundation
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
try data.write(to: URL(fileURLWithPath: "/tmp/enginesync-memory-floor-foundation.json"))
let object = try JSONSerialization.jsonObject(with: data)
print("\(type(of: object)) \(" x ".trimmingCharacters(in: .whitespaces))")
idle(keeping: handles)
