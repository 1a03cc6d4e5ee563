package import ChorosWire
internal import Foundation

#if canImport(Glibc)
internal import Glibc
#endif

extension ChorosConfiguration {
    /// The gid of `instances_group`, when that group exists on this machine.
    package var instancesGroupID: UInt32? {
        guard let entry = getgrnam(self.instancesGroup) else { return nil }
        return entry.pointee.gr_gid
    }

    /// Daemon-to-daemon sockets: the service user only.
    package var serviceSocketAccess: SocketAccess { .service(uid: self.serviceUID) }

    /// `gateway.sock`: any instance the group (or the mode) lets in; the handshake decides the rest.
    package var instanceSocketAccess: SocketAccess {
        SocketAccess(mode: 0o660, group: self.instancesGroupID)
    }

    /// `admin.sock`: the practitioner's acts of authority, nobody else's.
    package var adminSocketAccess: SocketAccess {
        .practitioner(uid: self.practitionerUID, serviceUID: self.serviceUID, admitService: false)
    }

    /// `supervisor.sock`: the practitioner and the service user operate the deployment.
    package var supervisorSocketAccess: SocketAccess {
        .practitioner(uid: self.practitionerUID, serviceUID: self.serviceUID, admitService: true)
    }
}
