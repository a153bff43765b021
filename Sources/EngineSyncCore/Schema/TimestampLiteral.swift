/// An ISO 8601 date or date-time used as a timestamp default, reduced to an instant so that the DSL's
/// `"2024-01-01T00:00:00Z"` and the catalog's `'2024-01-01 00:00:00+00'` (printed in the session's time zone)
/// compare equal.
///
/// Accepted: `YYYY-MM-DD`, optionally followed by `T` or a space, `HH:MM`, optional `:SS` and `.fraction`
/// (up to microseconds, PostgreSQL's precision), then optionally `Z` or an offset `±HH`, `±HHMM`, `±HH:MM`.
public struct TimestampLiteral: Hashable, Sendable {
    /// Microseconds since 1970-01-01T00:00:00, in UTC when `hasOffset`, else wall-clock time.
    public var microseconds: Int64
    /// Whether the text named its offset (`Z` or `±HH:MM`); without one a `timestamptz` would depend on
    /// the server's `TimeZone` setting.
    public var hasOffset: Bool

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + width)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += width
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        // PostgreSQL has no year 0 (1 BC is written "0001-… BC", which ISO 8601 here does not cover).
        guard let year = number(4), year >= 1, expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = Self.daysFromCivil(year: year, month: month, day: day) * 86_400
        var fraction: Int64 = 0
        var hasOffset = false
        if index < bytes.count {
            guard expect("T") || expect(" "), let hour = number(2), expect(":"), let minute = number(2),
                hour < 24, minute < 60
            else { return nil }
            seconds += Int64(hour * 3_600 + minute * 60)
            if expect(":") {
                guard let second = number(2), second < 60 else { return nil }
                seconds += Int64(second)
                if expect(".") {
                    var digits = 0
                    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                        guard digits < 6 else { return nil }
                        fraction = fraction * 10 + Int64(bytes[index] - 48)
                        digits += 1
                        index += 1
                    }
                    guard digits > 0 else { return nil }
                    for _ in digits..<6 { fraction *= 10 }
                }
            }
            if expect("Z") {
                hasOffset = true
            } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let offsetHours = number(2), offsetHours < 16 else { return nil }
                var offsetMinutes = 0
                if index < bytes.count {
                    _ = expect(":")
                    guard let minutes = number(2), minutes < 60 else { return nil }
                    offsetMinutes = minutes
                }
                seconds -= sign * Int64(offsetHours * 3_600 + offsetMinutes * 60)
                hasOffset = true
            }
        }
        guard index == bytes.count else { return nil }
        microseconds = seconds * 1_000_000 + fraction
        self.hasOffset = hasOffset
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * monthIndex + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
