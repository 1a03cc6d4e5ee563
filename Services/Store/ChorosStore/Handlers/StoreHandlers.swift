internal import ChorosProto
package import ChorosWire
internal import Foundation
internal import SwiftProtobuf

extension GitStore {
    /// Registers every Store RPC on `router`.
    package func register(on router: inout RPCRouter) {
        self.registerReads(on: &router)
        self.registerWrites(on: &router)
        self.registerMerges(on: &router)
        self.registerPromote(on: &router)
    }

    private func registerReads(on router: inout RPCRouter) {
        router.register(StoreRPC.resolve) { request, _ in
            let value = try await self.resolve(request.ref).hex
            return .with { $0.oid = value }
        }
        router.register(StoreRPC.readBlob) { request, _ in
            let blob = try await self.readBlob(rev: request.rev, path: request.path)
            return .with {
                $0.content = Data(blob.content)
                $0.blobOid = blob.blob.hex
                $0.commitOid = blob.commit.hex
                $0.registryTip = blob.registryTip?.hex ?? ""
            }
        }
        router.register(StoreRPC.readBlobs) { request, _ in
            try await self.readBlobs(rev: request.rev, paths: request.paths)
        }
        router.register(StoreRPC.blobOid) { request, _ in
            let value = try await self.blobOID(rev: request.rev, path: request.path).hex
            return .with { $0.blobOid = value }
        }
        router.register(StoreRPC.listRefs) { request, _ in
            let refs = try await self.references(prefix: request.prefix)
            return .with { response in
                response.refs = refs.map { ref in
                    .with {
                        $0.name = ref.name
                        $0.oid = ref.oid.hex
                    }
                }
            }
        }
        router.register(StoreRPC.listPaths) { request, _ in
            let listing = try await self.files(rev: request.rev, prefix: request.prefix, recursive: request.recursive)
            return .with {
                $0.paths = listing.files.map(\.path)
                $0.blobOids = listing.files.map(\.oid.hex)
                $0.commitOid = listing.commit.hex
            }
        }
        router.register(StoreRPC.history) { request, _ in
            let limit = request.limit == 0 ? 100 : Int(min(request.limit, 10_000))
            let entries = try await self.history(rev: request.rev, path: request.path, limit: limit)
            return .with { $0.entries = entries }
        }
        router.register(StoreRPC.changedPaths) { request, _ in
            let changes = try await self.changes(from: request.from, to: request.to)
            return .with {
                $0.added = changes.added
                $0.removed = changes.removed
                $0.modified = changes.modified
            }
        }
        router.register(StoreRPC.isAncestor) { request, _ in
            let value = try await self.isAncestor(request.ancestor, of: request.descendant)
            return .with { $0.isAncestor = value }
        }
        router.register(StoreRPC.branchCreator) { request, _ in
            let value = try await self.creator(of: request.ref)
            return .with { $0.author = value }
        }
        router.register(StoreRPC.commitOps) { request, _ in
            let value = try await self.commitOps(of: request.ref, since: request.since)
            return .with {
                $0.commits = value.commits
                $0.tip = value.tip.hex
            }
        }
        router.register(StoreRPC.findOp) { request, _ in
            let entry =
                request.opID.isEmpty
                ? self.index.entry(forKey: request.requestKey, on: request.ref)
                : self.index.entry(forOpID: request.opID)
            guard let entry else {
                throw RPCError(
                    code: .notFound,
                    message: "no commit carries op \(request.opID.isEmpty ? request.requestKey : request.opID)"
                )
            }
            let envelope = try await self.envelope(of: entry.commit)
            return .with {
                $0.commitOid = entry.commit.hex
                $0.ref = entry.ref
                $0.opID = entry.opID
                $0.requestKey = entry.key
                $0.envelope = envelope
            }
        }
    }

    private func registerWrites(on router: inout RPCRouter) {
        router.register(StoreRPC.commit) { request, _ in
            let result = try await self.commit(request)
            return .with { response in
                response.commitOid = result.commit.hex
                response.replayed = result.isReplay
                response.parentOid = result.parent?.hex ?? ""
                response.registryTip = result.registryTip?.hex ?? ""
                response.opID = result.opID
                response.envelope = result.envelope
                response.written = result.written.map { file in
                    .with {
                        $0.path = file.path
                        if let content = file.content { $0.content = Data(content) } else { $0.delete = true }
                    }
                }
                response.blobs = result.blobs.map { blob in
                    .with {
                        $0.path = blob.path
                        $0.blobOid = blob.oid?.hex ?? ""
                    }
                }
            }
        }
        router.register(StoreRPC.createBranch) { request, _ in
            try await self.createBranch(request.ref, at: request.oid)
            return Choros_V1_CreateBranchResponse()
        }
        router.register(StoreRPC.createTag) { request, _ in
            let value = try await self.createTag(request.name, at: request.oid)
            return .with { $0.alreadyExisted = value }
        }
        router.register(StoreRPC.bootstrap) { request, _ in
            let value = try await self.bootstrap(files: request.files, author: request.author).hex
            return .with { $0.canonOid = value }
        }
        router.register(StoreRPC.pushAll) { request, _ in try await self.pushAll(to: request.remote) }
        router.register(StoreRPC.verifySync) { request, _ in try await self.verifySync(with: request.remote) }
        router.register(StoreRPC.fetch) { request, _ in
            let updated = try await self.fetch(from: request.remote)
            return .with { response in
                response.updated = updated.map { ref in
                    .with {
                        $0.name = ref.name
                        $0.oid = ref.oid.hex
                    }
                }
            }
        }
    }

    private func registerPromote(on router: inout RPCRouter) {
        router.register(StoreRPC.promote) { _, _ in
            let promoted = try await self.promote()
            return .with { response in
                response.promoted = promoted.map { ref in
                    .with {
                        $0.name = ref.name
                        $0.oid = ref.oid.hex
                    }
                }
            }
        }
    }

    private func registerMerges(on router: inout RPCRouter) {
        router.register(StoreRPC.previewMerge) { request, _ in
            Self.preview(try await self.previewMerge(request.proposalRef))
        }
        router.register(StoreRPC.prepareMerge) { request, _ in
            let prepared = try await self.prepareMerge(request.proposalRef)
            return .with {
                $0.candidateOid = prepared.candidate.hex
                $0.preview = Self.preview(prepared.analysis)
            }
        }
        router.register(StoreRPC.landMerge) { request, context in
            // Honoured server-side: past the caller's deadline canon does not move.
            let landed = try await self.land(
                candidate: request.candidateOid,
                approval: request.approval,
                isPastDeadline: { context.isPastDeadline }
            )
            return .with {
                $0.canonOid = landed.canon.hex
                $0.previousCanonOid = landed.previous.hex
            }
        }
    }

    static func preview(_ analysis: MergeAnalysis) -> Choros_V1_MergePreview {
        .with {
            $0.canonOid = analysis.canon.hex
            $0.proposalOid = analysis.proposal.hex
            $0.conflicts = analysis.conflicts
            $0.added = analysis.changes.added
            $0.removed = analysis.changes.removed
            $0.modified = analysis.changes.modified
            $0.wouldRemoveCanon = !analysis.changes.removed.isEmpty
            $0.authors = analysis.authors
        }
    }
}
