/// Who may reach a socket. Two locks, because either alone can be loosened by mistake: the
/// file's owner, group and mode (checked by the kernel at connect), and the peer uids the
/// server admits (SO_PEERCRED, checked by the server on every connection).
package struct SocketAccess: Sendable, Equatable {
    /// Permission bits set right after bind.
    package var mode: UInt32
    /// Given the socket file when set; a failed chown to `owner` falls back to `fallbackMode`,
    /// so the practitioner still reaches a socket served by a non-root service user, and the
    /// peer check stays the gate.
    package var owner: UInt32?
    package var group: UInt32?
    package var fallbackMode: UInt32?
    /// `nil` admits whoever the file mode lets in.
    package var admittedUIDs: Set<UInt32>?

    package init(
        mode: UInt32,
        owner: UInt32? = nil,
        group: UInt32? = nil,
        fallbackMode: UInt32? = nil,
        admittedUIDs: Set<UInt32>? = nil
    ) {
        self.mode = mode
        self.owner = owner
        self.group = group
        self.fallbackMode = fallbackMode
        self.admittedUIDs = admittedUIDs
    }

    /// Anyone the mode lets in (tests, and sockets whose handlers authorize each call).
    package static func open(mode: UInt32 = 0o660) -> SocketAccess {
        SocketAccess(mode: mode)
    }

    /// A daemon-to-daemon socket: 0600, and only the service user gets past the peer check
    /// (root too when root is the service user; otherwise root can `setpriv` to it).
    package static func service(uid: UInt32) -> SocketAccess {
        SocketAccess(mode: 0o600, admittedUIDs: [uid])
    }

    /// A socket for the practitioner (`admin.sock`, `supervisor.sock`): owned by the
    /// practitioner when the daemon may give it away, otherwise reachable by all and gated by
    /// the peer check alone.
    package static func practitioner(uid: UInt32, serviceUID: UInt32, admitService: Bool) -> SocketAccess {
        var admitted: Set<UInt32> = [uid]
        if admitService { admitted.insert(serviceUID) }
        guard uid != serviceUID else { return SocketAccess(mode: 0o600, admittedUIDs: admitted) }
        return SocketAccess(mode: 0o600, owner: uid, fallbackMode: 0o666, admittedUIDs: admitted)
    }

    /// Whether the peer the kernel reported may call; an unknown peer never may when the
    /// socket restricts its peers.
    func admits(_ peer: PeerCredentials?) -> Bool {
        guard let admitted = self.admittedUIDs else { return true }
        guard let peer else { return false }
        return admitted.contains(peer.uid)
    }
}
