public import Foundation

/// The timestamps enginesync writes — reports, `catalog.json`, notification events, suggested migration names —
/// always in UTC, computed from the Unix time with the proleptic Gregorian calendar.
///
/// Written by hand (a few lines of calendar arithmetic, checked against Foundation's ISO 8601 format style in the
/// tests): Foundation's format style builds a Gregorian calendar in the current time zone, and looking that zone
/// up goes through ICU even for UTC output, which left ICU's code and time zone data resident in the daemon.
public enum UTCTimestamp {
    /// `2026-12-04T02:35:12.123Z`: ISO 8601 with milliseconds (truncated); without the `Z` unless `zoneDesignator`
    /// (the notification events' `created_at`).
    public static func iso8601(_ date: Date, zoneDesignator: Bool = true) -> String {
        let time = BrokenDownTime(date)
        return "\(pad(time.year, 4))-\(pad(time.month, 2))-\(pad(time.day, 2))T\(pad(time.hour, 2)):"
            + "\(pad(time.minute, 2)):\(pad(time.second, 2)).\(pad(time.millisecond, 3))\(zoneDesignator ? "Z" : "")"
    }

    /// `20261204023512`: the prefix of a suggested migration's file name (seconds, UTC).
    public static func compact(_ date: Date) -> String {
        let time = BrokenDownTime(date)
        return pad(time.year, 4) + pad(time.month, 2) + pad(time.day, 2) + pad(time.hour, 2) + pad(time.minute, 2)
            + pad(time.second, 2)
    }

    /// The date of `YYYY-MM-DDTHH:MM:SS[.fff…]Z` (what `iso8601(_:)` writes); `nil` for anything else.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), (22...30).contains(bytes.count),
                let digits = number(20..<(bytes.count - 1))
            else {
                return nil
            }
            fraction = Double(digits) / pow(10, Double(bytes.count - 21))
        } else if bytes[19] != UInt8(ascii: "Z") {
            return nil
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - referenceDateSince1970
        return Date(timeIntervalSinceReferenceDate: Double(seconds) + fraction)
    }

    /// A UTC date split into fields.
    struct BrokenDownTime {
        var year, month, day, hour, minute, second, millisecond: Int

        /// From the date's own storage (seconds since 2001, as a Double): whole seconds, then the nanoseconds of
        /// the exact remainder, truncated to milliseconds, as Foundation's calendar does.
        init(_ date: Date) {
            let sinceReference = date.timeIntervalSinceReferenceDate
            let wholeSeconds = sinceReference.rounded(.down)
            let nanoseconds = Int((sinceReference - wholeSeconds) * 1_000_000_000)
            let (days, secondOfDay) = (Int(wholeSeconds) + UTCTimestamp.referenceDateSince1970)
                .quotientAndRemainderFlooring(dividingBy: 86_400)
            (year, month, day) = UTCTimestamp.civilDate(daysSinceEpoch: days)
            hour = secondOfDay / 3_600
            minute = secondOfDay / 60 % 60
            second = secondOfDay % 60
            millisecond = min(nanoseconds / 1_000_000, 999)
        }
    }

    /// 2001-01-01T00:00:00Z in Unix time: `Date`'s reference date.
    static let referenceDateSince1970 = 978_307_200

    /// Year, month, day of a day number (days since 1970-01-01), after Howard Hinnant's `civil_from_days`.
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The day number of a date (`days_from_civil`), the inverse of `civilDate(daysSinceEpoch:)`.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int {
    /// Division rounding towards negative infinity, with the matching non-negative remainder.
    fileprivate func quotientAndRemainderFlooring(dividingBy divisor: Int) -> (quotient: Int, remainder: Int) {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
