/// A plain SQL/JSON number as text (`0`, `-3`, `1.5`, `2e10`): how the catalog prints numeric defaults and
/// what a numeric string default in the DSL must look like.
public enum NumberLiteral {
    /// Whole text is `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?`, scanned by hand: a Regex match per column was
    /// a tenth of the client's CPU when introspecting 1,000 tables (docs/BENCHMARKS.md).
    public static func isNumber(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        func digits() -> Bool {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return index > start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() else { return false }
        }
        return index == bytes.count
    }

}
