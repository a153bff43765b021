package import EngineSyncCore
import TextAlgorithms

/// Normalises a `pg_get_expr` default into a `ColumnDefault`, so `'abc'::character varying` and the
/// DSL's `"abc"` compare equal.
package enum LiveDefault {
    package static func parse(_ expression: String, type: ColumnType) -> ColumnDefault {
        let text = expression.trimmingWhitespace()
        switch text.lowercased() {
        case "current_timestamp", "now()", "transaction_timestamp()": return .currentTimestamp
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        default: break
        }
        if NumberLiteral.isNumber(text) { return .number(text) }
        if let literal = quotedLiteral(text) {
            switch type {
            case .jsonb, .json: return .json(literal)
            case .smallint, .integer, .bigint, .real, .doublePrecision, .numeric:
                return NumberLiteral.isNumber(literal) ? .number(literal) : .string(literal)
            case .boolean:
                if literal == "true" || literal == "t" { return .boolean(true) }
                if literal == "false" || literal == "f" { return .boolean(false) }
                return .string(literal)
            default: return .string(literal)
            }
        }
        return .expression(text)
    }

    /// `'it''s'::character varying` → `it's`; `nil` when the text is not a single cast literal.
    static func quotedLiteral(_ text: String) -> String? {
        var scalars = Substring(text)
        if scalars.hasPrefix("E'") { return nil }  // escape-string syntax: keep verbatim as an expression
        guard scalars.first == "'" else { return nil }
        scalars = scalars.dropFirst()
        var value = ""
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let character = scalars[index]
            if character == "'" {
                let next = scalars.index(after: index)
                if next < scalars.endIndex, scalars[next] == "'" {
                    value.append("'")
                    index = scalars.index(after: next)
                    continue
                }
                let rest = scalars[next...]
                guard rest.isEmpty || rest.hasPrefix("::") else { return nil }
                return value
            }
            value.append(character)
            index = scalars.index(after: index)
        }
        return nil
    }
}
