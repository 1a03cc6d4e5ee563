internal import ChorosCore
internal import Foundation
internal import NIOSSL

/// The door's own HTTPS (`http_tls_cert`, `http_tls_key`): a PEM chain and key, the key
/// refused when others may read it, as a signing key would be.
enum DoorTLS {
    static func configuration(_ configuration: ChorosConfiguration) throws -> TLSConfiguration? {
        guard !configuration.httpTLSCertificate.isEmpty else { return nil }
        var info = stat()
        guard stat(configuration.httpTLSKey, &info) == 0 else {
            throw DoorError.tls(
                "cannot read http_tls_key \(configuration.httpTLSKey): \(String(cString: strerror(errno)))"
            )
        }
        guard info.st_mode & 0o077 == 0 else {
            throw DoorError.tls(
                "http_tls_key \(configuration.httpTLSKey) is mode \(String(info.st_mode & 0o777, radix: 8)): "
                    + "others may read it (chmod 600)"
            )
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(configuration.httpTLSCertificate)
            let key = try NIOSSLPrivateKey(file: configuration.httpTLSKey, format: .pem)
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) },
                privateKey: .privateKey(key)
            )
        } catch {
            throw DoorError.tls("cannot load http_tls_cert / http_tls_key: \(error)")
        }
    }
}
