/// One migration statement as PostgreSQL's parser built it: libpg_query's JSON node, e.g.
/// `{"AlterTableStmt":{"relation":{…},"cmds":[…]}}`, and the statement's line in its file.
///
/// Pure data: the parse itself happens in the PgQuery module (the only caller of libpg_query), so the lint
/// rules stay free of C and I/O and can be tested with any tree.
public struct ParsedStatement: Hashable, Sendable {
    public var line: Int
    public var node: JSONValue

    public init(line: Int, node: JSONValue) {
        self.line = line
        self.node = node
    }
}

extension JSONValue {
    /// The child `key` of an object node.
    subscript(lint key: String) -> JSONValue? { objectValue?[key] }

    /// The node's only key and its body (`{"IndexStmt":{…}}` → `("IndexStmt", {…})`).
    var lintNode: (kind: String, body: JSONValue)? {
        guard let object = objectValue, object.count == 1, let entry = object.entries.first else { return nil }
        return (entry.key, entry.value)
    }

    /// The strings of a name list (`[{"String":{"sval":"pg_catalog"}},{"String":{"sval":"int8"}}]`).
    var lintNames: [String] {
        (arrayValue ?? []).compactMap { $0[lint: "String"]?[lint: "sval"]?.stringValue }
    }

    /// Every node below this one (pre-order), for rules that look for a kind anywhere in an expression.
    var lintDescendants: [JSONValue] {
        var found: [JSONValue] = []
        func walk(_ value: JSONValue) {
            found.append(value)
            switch value {
            case .object(let object): for entry in object.entries { walk(entry.value) }
            case .array(let array): for element in array { walk(element) }
            default: break
            }
        }
        walk(self)
        return found
    }
}
