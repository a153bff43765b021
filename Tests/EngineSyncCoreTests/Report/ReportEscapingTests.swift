import EngineSyncCore
import Testing

/// Issue 12 item 19: user-controlled strings cannot add lines, markup, HTML or terminal escapes.
@Suite struct ReportEscapingTests {
    @Test func terminalTextHasNoControlCharacters() {
        let text = ReportEscaping.terminal("a\u{1B}[2Jb\nc\r\u{07}\u{202E}d")
        #expect(text == "a\\u{1B}[2Jb\\u{A}c\\u{D}\\u{7}\\u{202E}d")
        #expect(ReportEscaping.terminal("plain ünïcode ✓") == "plain ünïcode ✓")
    }

    @Test func markdownTextIsInert() {
        #expect(
            ReportEscaping.markdown("<img src=x onerror=alert(1)> & *x* [l](u)")
                == "&lt;img src=x onerror=alert(1)&gt; &amp; \\*x\\* \\[l\\](u)")
        #expect(ReportEscaping.markdown("# h\n# h2") == "\\# h\\\\u{A}\\# h2")
        #expect(ReportEscaping.markdown("- item", atLineStart: true) == "\\- item")
        #expect(ReportEscaping.markdown("1. item", atLineStart: true) == "1\\. item")
    }

    @Test func codeSpansAndBlocksCannotBeClosedEarly() {
        #expect(ReportEscaping.markdownCode("a`b") == "``a`b``")
        #expect(ReportEscaping.markdownCode("`x") == "`` `x ``")
        #expect(
            ReportEscaping.markdownCodeBlock("SELECT 1;\n```\n# not a heading", info: "sql")
                == ["````sql", "SELECT 1;\n```\n# not a heading", "````"])
    }
}
