/// The DSL `type` names and their PostgreSQL types (SPEC 2.3).
enum DSLFieldType {
    /// Every type name the DSL accepts, in the order suggestions prefer.
    static let names = [
        "string", "text", "int", "integer", "bigint", "float", "decimal", "number", "boolean",
        "date", "datetime", "json", "jsonb", "uuid", "embed",
    ]

    static let integerNames: Set<String> = ["int", "integer", "bigint"]

    /// The scalar column type of a known type name (strings take their length separately).
    static func scalarType(_ name: String, length: Int) -> ColumnType? {
        switch name {
        case "string": .varchar(length: length)
        case "text": .text
        case "int", "integer": .integer
        case "bigint": .bigint
        case "float", "decimal", "number": .doublePrecision
        case "boolean": .boolean
        case "date", "datetime": .timestamptz
        case "json", "jsonb": .jsonb
        case "uuid": .uuid
        default: nil
        }
    }

    /// The closest known name by edit distance (at most 2, or a case-insensitive match), for "did you mean".
    static func suggestion(for name: String) -> String? {
        closest(to: name, among: names)
    }

    static func closest(to name: String, among candidates: [String]) -> String? {
        let lowered = name.lowercased()
        if let exact = candidates.first(where: { $0.lowercased() == lowered }) { return exact }
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(Array(lowered.unicodeScalars), Array(candidate.lowercased().unicodeScalars))
            if distance <= max(1, min(2, candidate.count / 3)), distance < (best?.1 ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    /// Levenshtein distance, two rows of memory.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
