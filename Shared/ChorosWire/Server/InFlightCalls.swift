/// The calls running on one server connection: admission (the in-flight cap, draining),
/// CANCEL, and when the connection may close. A value type guarded by the connection's lock;
/// each mutation returns what the caller must do, so no side effect runs under the lock.
struct InFlightCalls {
    private enum Entry {
        /// Admitted; its task is being created.
        case reserved(isCancelled: Bool)
        case running(Task<Void, Never>, isCancelled: Bool)
    }

    enum Admission: Equatable {
        case admitted
        case draining
        case overLimit(limit: Int)
        case duplicate
    }

    private var calls: [UInt64: Entry] = [:]
    private(set) var isDraining = false
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    var count: Int { self.calls.count }

    mutating func admit(_ callID: UInt64) -> Admission {
        if self.isDraining { return .draining }
        if self.calls[callID] != nil { return .duplicate }
        if self.calls.count >= self.limit { return .overLimit(limit: self.limit) }
        self.calls[callID] = .reserved(isCancelled: false)
        return .admitted
    }

    /// Records the task of an admitted call. Returns true when a CANCEL arrived before the
    /// task existed: the caller must cancel it now.
    mutating func attach(_ task: Task<Void, Never>, to callID: UInt64) -> Bool {
        guard case .reserved(let isCancelled) = self.calls[callID] else { return false }
        self.calls[callID] = .running(task, isCancelled: isCancelled)
        return isCancelled
    }

    /// A CANCEL frame: returns the task to cancel, if it is running.
    mutating func cancel(_ callID: UInt64) -> Task<Void, Never>? {
        switch self.calls[callID] {
        case .reserved:
            self.calls[callID] = .reserved(isCancelled: true)
            return nil
        case .running(let task, _):
            self.calls[callID] = .running(task, isCancelled: true)
            return task
        case nil:
            return nil
        }
    }

    struct Completion {
        /// False once the caller sent CANCEL: it no longer waits for an answer.
        var shouldRespond: Bool
        /// True when draining and this was the last call.
        var shouldClose: Bool
    }

    mutating func finish(_ callID: UInt64) -> Completion {
        let entry = self.calls.removeValue(forKey: callID)
        let isCancelled: Bool =
            switch entry {
            case .reserved(let isCancelled), .running(_, let isCancelled): isCancelled
            case nil: true
            }
        return Completion(shouldRespond: !isCancelled, shouldClose: self.isDraining && self.calls.isEmpty)
    }

    /// Graceful shutdown: refuse new calls. Returns true when nothing is in flight, so the
    /// connection can close now; otherwise the last `finish` says so.
    mutating func beginDraining() -> Bool {
        self.isDraining = true
        return self.calls.isEmpty
    }

    /// The connection is gone: every running task, to cancel and await.
    mutating func removeAll() -> [Task<Void, Never>] {
        defer { self.calls.removeAll() }
        return self.calls.values.compactMap {
            if case .running(let task, _) = $0 { return task }
            return nil
        }
    }
}
