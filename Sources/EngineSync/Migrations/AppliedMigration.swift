public import EngineSyncCore

/// One migration `up()` applied: the same value the report's `migrations.applied` lists.
public typealias AppliedMigration = ReconcileReport.AppliedMigration
