// As pqgit, plus full Foundation in use (JSONSerialization, CharacterSet, Date, FileManager).
import Foundation
import GitProbe
import Idle
import PostgresProbe

let handles = (connectPostgres(), openRepository())
let object: [String: Any] = ["name": " floor ".trimmingCharacters(in: .whitespaces), "at": "\(Date())"]
let data = try JSONSerialization.data(withJSONObject: object)
_ = FileManager.default.createFile(atPath: "/tmp/enginesync-memory-floor-foundation.json", contents: data)
idle(keeping: handles)
