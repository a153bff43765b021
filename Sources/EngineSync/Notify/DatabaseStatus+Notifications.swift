extension DatabaseStatus {
    /// One line per webhook for `enginesync status`: pending events and, while failing, the last error.
    var notificationLines: [String] {
        (notifications ?? []).map { state in
            var line = "notify \(state.target): \(state.pending) pending"
            if let deliveredAt = state.deliveredAt { line += ", last delivered at \(deliveredAt)" }
            if let error = state.lastError, state.attempts > 0 {
                line += "; failing (\(state.attempts) attempt\(state.attempts == 1 ? "" : "s")): \(error)"
            }
            return line
        }
    }
}
