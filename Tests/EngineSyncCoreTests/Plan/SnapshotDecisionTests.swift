import EngineSyncCore
import Testing

/// Issue 13: what a reconcile records as its snapshot is a pure decision (SPEC 4.5; docs/SAFE-SYNC.md).
@Suite("Snapshot decision: what is stored, withheld, and reported")
struct SnapshotDecisionTests {
    static let model =
        #"{"fields": {"email": {"type": "string"}, "name": {"type": "string"}}, "indexes": {"unique": [["email"]]}}"#

    static func desired() throws -> CompiledDSL { try EffectiveSnapshotTests.compile(model) }

    static func conflict(_ index: String) -> PlannedChange {
        PlannedChange(kind: .uniqueConflict, table: "user", index: index)
    }

    static let narrowing = PlannedChange(kind: .narrowColumn, table: "user", column: "name")

    @Test func theDesiredDocumentKeepsTheCompilersHashes() throws {
        let desired = try Self.desired()
        let decision = SnapshotDecision(effectiveDocument: desired.document, desired: desired, row: nil)
        #expect(decision.hash == desired.hash)
        #expect(decision.sha256 == desired.contentHash)
        #expect(decision.needsStore)
        #expect(
            decision.reportInfo
                == ReconcileReport.SnapshotInfo(
                    id: nil, hash: desired.hash, changed: true,
                    sha256: desired.contentHash))
    }

    @Test func anUnchangedSnapshotIsNotStoredAgain() throws {
        let desired = try Self.desired()
        var decision = SnapshotDecision(effectiveDocument: desired.document, desired: desired, row: (7, desired.hash))
        #expect(!decision.needsStore)
        let withheld = decision.withholdIfFirstRun(blocked: [Self.narrowing])
        #expect(!withheld, "not a first run")
        #expect(decision.reportInfo.id == 7 && decision.reportInfo.changed == false)
    }

    @Test func aUniqueConflictIsLeftOutAndChangesTheHash() throws {
        let desired = try Self.desired()
        var decision = SnapshotDecision(effectiveDocument: desired.document, desired: desired, row: (3, desired.hash))
        decision.leaveOut(conflicts: [Self.narrowing], desired: desired)
        #expect(decision.hash == desired.hash, "only uniqueConflict changes are left out")
        decision.leaveOut(conflicts: [Self.conflict("uidx_user_email")], desired: desired)
        #expect(decision.hash != desired.hash)
        #expect(decision.hash == EngineJSNaming.snapshotHash(of: .object(decision.document)))
        #expect(decision.needsStore)
        decision.stored(id: 4)
        #expect(!decision.needsStore)
        #expect(decision.reportInfo.id == 4 && decision.reportInfo.changed)
        let recompiled = try #require(DSLCompiler().compile(snapshotDocument: .object(decision.document)).compiled)
        #expect(recompiled.schema.index(named: "uidx_user_email") == nil)
    }

    @Test func aFirstRunWithABlockedChangeRecordsNothing() throws {
        let desired = try Self.desired()
        var decision = SnapshotDecision(effectiveDocument: desired.document, desired: desired, row: nil)
        let withheld = decision.withholdIfFirstRun(blocked: [Self.narrowing])
        #expect(withheld)
        #expect(decision.withheld && !decision.needsStore)
        #expect(decision.reportInfo == ReconcileReport.SnapshotInfo(id: nil, hash: nil, changed: false))
    }

    @Test func aFirstRunWithOnlyDuplicatesStillRecordsTheRest() throws {
        let desired = try Self.desired()
        var decision = SnapshotDecision(effectiveDocument: desired.document, desired: desired, row: nil)
        decision.leaveOut(conflicts: [Self.conflict("uidx_user_email")], desired: desired)
        let withheld = decision.withholdIfFirstRun(blocked: [Self.conflict("uidx_user_email")])
        #expect(!withheld)
        #expect(decision.needsStore)
    }

    @Test(arguments: [
        ([PlannedChange](), false, ReconcileOutcome.synced), ([narrowing], false, .blocked), ([], true, .failed),
        ([narrowing], true, .failed),
    ])
    func outcomes(blocked: [PlannedChange], concurrentFailure: Bool, expected: ReconcileOutcome) {
        #expect(SnapshotDecision.outcome(blocked: blocked, concurrentFailure: concurrentFailure) == expected)
    }
}
