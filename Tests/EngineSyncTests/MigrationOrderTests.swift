import Testing

@testable import EngineSync

/// Migrations run in the order EngineJS's `MigrationRunner` runs them (issue 11 item 5): ids sorted with
/// JavaScript `localeCompare`. The expected order was printed by EngineJS's own runner (commit 42c3e5e) run on
/// these ids (`shared/enginejs-parity/oracle/enginejs-migrate.js`).
@Suite struct MigrationOrderTests {
    @Test func idsSortAsEngineJSsRunnerSortsThem() {
        let engineJSOrder = [
            "_first", "0002_y", "001", "0010_x", "01", "1", "2024_01_x", "2024-01-01_a", "2024-01-x",
            "20240101_b", "20240101_B", "a_lower", "B_upper", "Z", "zz",
        ]
        for shuffle in 0..<5 {
            var ids = engineJSOrder
            if shuffle > 0 {
                ids = ids.enumerated().sorted { ($0.offset * 7 + shuffle) % 15 < ($1.offset * 7 + shuffle) % 15 }.map(
                    \.element)
            }
            #expect(ids.sorted(by: idPrecedes) == engineJSOrder)
        }
    }

    @Test func idsEqualForTheCollationStillHaveAnOrder() {
        // localeCompare calls them equal (a control character is ignorable); byte order breaks the tie.
        #expect(idPrecedes("a\u{1}b", "ab") != idPrecedes("ab", "a\u{1}b"))
        #expect(!idPrecedes("ab", "ab"))
    }
}
