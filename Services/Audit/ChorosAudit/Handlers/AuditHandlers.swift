internal import ChorosCore
internal import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension AuditLog {
    /// Registers every Audit RPC on `router`.
    package func register(on router: inout RPCRouter) {
        router.register(AuditRPC.append) { request, _ in
            let rows = try await self.append(request.events)
            return .with { $0.events = rows.map(\.proto) }
        }
        router.register(AuditRPC.head) { _, _ in
            let head = try await self.head()
            return .with {
                $0.seq = UInt64(head.seq)
                $0.hash = head.hash
            }
        }
        router.register(AuditRPC.count) { _, _ in
            let head = try await self.head()
            return .with { $0.count = UInt64(head.seq) }
        }
        router.register(AuditRPC.latest) { request, _ in
            let row = try await self.latest(op: request.op, actor: request.actor)
            return .with {
                $0.found = row != nil
                if let row { $0.event = row.proto }
            }
        }
        router.register(AuditRPC.events) { request, _ in
            let page = try await self.events(request)
            return .with {
                $0.events = page.rows.map(\.proto)
                $0.nextSinceSeq = UInt64(page.rows.last?.seq ?? Int64(request.sinceSeq))
                $0.hasMore_p = page.hasMore
            }
        }
        router.register(AuditRPC.isRead) { request, _ in
            let answers = try await self.isRead(request.keys)
            return .with { $0.isRead = answers }
        }
        router.register(AuditRPC.find) { request, _ in
            let rows = try await self.find(opID: request.opID, requestKey: request.requestKey, actor: request.actor)
            return .with { $0.events = rows.map(\.proto) }
        }
        self.registerIntegrity(on: &router)
    }

    private func registerIntegrity(on router: inout RPCRouter) {
        router.register(AuditRPC.verify) { request, _ in
            let report = try await self.verifyChain(checkEnvelopes: request.checkEnvelopes)
            // Without the store (a snapshot checked elsewhere) the anchor stays unchecked.
            let anchor: (matches: Bool, seq: Int64)??
            do {
                anchor = .some(try await self.compareWithAnchor())
            } catch let error as RPCError where error.code == .unavailable {
                anchor = nil
            }
            return .with {
                $0.ok = report.firstBadSeq == nil && report.badEnvelopes.isEmpty && anchor??.matches != false
                $0.count = UInt64(report.count)
                $0.firstBadSeq = UInt64(report.firstBadSeq ?? 0)
                $0.reason = report.reason + (anchor == nil ? " (anchor not checked: the store is unreachable)" : "")
                $0.badEnvelopes = report.badEnvelopes.map { UInt64($0) }
                switch anchor {
                case nil: $0.anchor = .unspecified
                case .some(nil): $0.anchor = .none
                case .some(let found?): $0.anchor = found.matches ? .matches : .mismatch
                }
                $0.anchoredSeq = UInt64(anchor??.seq ?? 0)
            }
        }
        router.register(AuditRPC.headAt) { request, _ in
            let hash = try await self.headAt(Int64(request.seq))
            return .with { $0.hash = hash }
        }
        router.register(AuditRPC.snapshot) { request, _ in
            let path: String
            do { path = try ConfinedPath.check(request.path, within: self.backupDirectories) } catch {
                throw AuditError.refusedPath("\(error)")
            }
            guard !FileManager.default.fileExists(atPath: path) else {
                throw AuditError.refusedPath("\(path.prefix(200)) exists: a snapshot never overwrites a file")
            }
            let seq = try await self.snapshot(to: path)
            return .with {
                $0.path = request.path
                $0.seq = UInt64(seq)
            }
        }
        router.register(AuditRPC.anchor) { _, _ in
            let anchor = try await self.anchor()
            return .with {
                $0.seq = UInt64(anchor.seq)
                $0.head = anchor.head
                $0.commitOid = anchor.commit
            }
        }
        router.register(AuditRPC.reconcile) { _, _ in
            let result = try await self.reconcile()
            return .with {
                $0.appended = result.appended.map(\.proto)
                $0.commitsChecked = UInt32(result.checked)
            }
        }
    }
}

extension AuditError: WireErrorConvertible {
    var rpcError: RPCError {
        switch self {
        case .invalidEvent: RPCError(code: .invalidArgument, message: self.description)
        case .alreadyRecorded: RPCError(code: .alreadyExists, message: self.description)
        case .refusedPath: RPCError(code: .permissionDenied, message: self.description)
        case .noSuchSeq: RPCError(code: .outOfRange, message: self.description)
        case .anchorFailed: RPCError(code: .dataLoss, message: self.description)
        case .snapshotFailed: RPCError(code: .internal, message: self.description)
        }
    }
}
