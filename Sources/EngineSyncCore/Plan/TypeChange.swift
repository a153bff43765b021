/// How a live column type relates to the desired one (SPEC 4.1 widening list, postgres-facts.md 1.1).
public enum TypeChange: Hashable, Sendable {
    case same
    /// Data-preserving; `rewrite` says whether PostgreSQL rewrites the table and all its indexes.
    case widening(rewrite: Bool)
    /// The desired type holds less than the live one (the reverse of a widening).
    case narrowing
    /// Any other change of type.
    case other

    public static func classify(from live: ColumnType, to desired: ColumnType) -> TypeChange {
        if live == desired { return .same }
        if let rewrite = wideningRewrite(from: live, to: desired) { return .widening(rewrite: rewrite) }
        if wideningRewrite(from: desired, to: live) != nil { return .narrowing }
        return .other
    }

    /// `nil` when `from → to` is not on the widening list; otherwise whether it rewrites the table.
    private static func wideningRewrite(from: ColumnType, to: ColumnType) -> Bool? {
        switch (from, to) {
        case (.varchar(let n?), .varchar(let m?)) where m > n: false
        case (.varchar(.some), .varchar(nil)), (.varchar, .text): false
        case (.smallint, .integer), (.smallint, .bigint), (.integer, .bigint), (.real, .doublePrecision): true
        case (.array(.varchar(let n?)), .array(.varchar(let m?))) where m > n: true
        case (.array(.varchar(.some)), .array(.text)): true
        default: nil
        }
    }
}
