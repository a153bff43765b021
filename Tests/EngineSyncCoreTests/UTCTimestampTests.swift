import EngineSyncCore
import Foundation
import Testing

/// `UTCTimestamp` replaces Foundation's ISO 8601 format style (which pulls ICU into the daemon through the
/// current time zone): every string must be the one Foundation wrote before, for any date.
@Suite("UTCTimestamp: the timestamps of reports, catalog files, events and migration names")
struct UTCTimestampTests {
    /// What `ReportDraft.timestamp` wrote with Foundation.
    static func foundationReportTimestamp(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true)
                .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    /// What `NotificationOutbox` wrote with Foundation.
    static func foundationEventTimestamp(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
    }

    /// What `ReportDraft.migrationPrefix` wrote with Foundation.
    static func foundationMigrationPrefix(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02d%02d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// The epoch, millisecond borders, leap days (2000 is one, 2100 is not), the last second of 9999.
    static let edges: [Double] = [
        0, 0.001, 0.999, 0.9995, 59.999, 86_399.999, 86_400,
        951_782_400,  // 2000-02-29
        1_709_164_799.999,  // 2024-02-28T23:59:59.999
        1_709_164_800,  // 2024-02-29
        1_735_689_599.9999,  // 2024-12-31T23:59:59.9999
        4_107_542_400,  // 2100-02-28
        4_107_628_800,  // 2100-03-01
        253_402_300_799,  // 9999-12-31T23:59:59
        1_764_815_712.123_456,
    ]

    /// Fixed-seed dates from 1970 to 2200, with sub-millisecond parts.
    static func sampleDates() -> [Date] {
        var generator = SplitMix64(seed: 14)
        let random = (0..<20_000).map { _ in
            Double(UInt64.random(in: 0..<7_258_118_400, using: &generator))
                + Double(UInt64.random(in: 0..<1_000_000, using: &generator)) / 1_000_000
        }
        return (edges + random).map { Date(timeIntervalSince1970: $0) }
    }

    @Test func theReportTimestampIsFoundationsForEveryDate() {
        for date in Self.sampleDates() {
            #expect(UTCTimestamp.iso8601(date) == Self.foundationReportTimestamp(date), "\(date.timeIntervalSince1970)")
        }
        #expect(UTCTimestamp.iso8601(Date(timeIntervalSince1970: 1_764_815_712.123_9)) == "2025-12-04T02:35:12.123Z")
    }

    @Test func theEventTimestampIsFoundationsForEveryDate() {
        for date in Self.sampleDates() {
            #expect(
                UTCTimestamp.iso8601(date, zoneDesignator: false) == Self.foundationEventTimestamp(date),
                "\(date.timeIntervalSince1970)")
        }
    }

    @Test func theMigrationPrefixIsFoundationsForEveryDate() {
        for date in Self.sampleDates() {
            #expect(UTCTimestamp.compact(date) == Self.foundationMigrationPrefix(date), "\(date.timeIntervalSince1970)")
        }
        #expect(UTCTimestamp.compact(Date(timeIntervalSince1970: 951_782_400)) == "20000229000000")
    }

    /// Parsing is for ordering two reports' times: a written timestamp parses back to within its millisecond, and
    /// two timestamps compare as their dates do.
    @Test func aWrittenTimestampParsesBackToItsMillisecond() throws {
        let dates = Self.sampleDates()
        for (date, next) in zip(dates, dates.dropFirst()) {
            let text = UTCTimestamp.iso8601(date)
            let parsed = try #require(UTCTimestamp.parse(text), "\(text)")
            #expect(parsed <= date && date.timeIntervalSince(parsed) < 0.001, "\(text)")
            let nextText = UTCTimestamp.iso8601(next)
            let nextParsed = try #require(UTCTimestamp.parse(nextText))
            #expect((parsed < nextParsed) == (text < nextText), "\(text) \(nextText)")
        }
        #expect(UTCTimestamp.parse("2026-12-04T02:35:12Z") == Date(timeIntervalSince1970: 1_796_351_712))
        let nanoseconds = try #require(UTCTimestamp.parse("2001-01-01T00:00:01.000000001Z"))
        #expect(abs(nanoseconds.timeIntervalSinceReferenceDate - 1.000_000_001) < 1e-12)
    }

    @Test(arguments: [
        "", "Z", "2026-12-04", "2026-12-04T02:35:12", "2026-12-04T02:35:12.123", "2026-12-04 02:35:12Z",
        "2026-13-04T02:35:12Z", "2026-12-32T02:35:12Z", "2026-12-04T24:00:00Z", "2026-12-04T02:60:00Z",
        "2026-12-04T02:35:12.Z", "2026-12-04T02:35:12.1234567890Z", "2026-12-04T02:35:1xZ", "+026-12-04T02:35:12Z",
        "2026-12-04T02:35:12+00:00", "２０２６-12-04T02:35:12Z",
    ])
    func anythingElseIsNotATimestamp(_ text: String) {
        #expect(UTCTimestamp.parse(text) == nil)
    }
}
