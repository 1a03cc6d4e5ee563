internal import ChorosCore
internal import ChorosGateway
internal import ChorosProto
internal import ChorosWire
internal import NIOCore
internal import NIOEmbedded
internal import SwiftProtobuf

/// The parsers hostile bytes reach, each as one entry point that must never crash on any
/// input, and that checks what must hold of whatever it accepts (a round trip, a handshake
/// that binds only to a real signature). `choros-fuzz` drives them under libFuzzer; the test
/// build replays every committed corpus input through the same functions.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// gateway.sock's framing: any byte stream, in any split.
    case frames
    /// The JSON parser and canonical JSON: what parses re-encodes canonically and parses back.
    case json
    /// An entry's front matter and body, as instances and Stasima write them.
    case entry
    /// A signed op's envelope, as the audit log and the store re-check it.
    case envelope
    /// Hello and Prove in any order with any bytes: bound only by a real signature.
    case handshake
    /// choros.toml.
    case config

    package func run(_ bytes: [UInt8]) {
        switch self {
        case .frames: Self.frames(bytes)
        case .json: Self.json(bytes)
        case .entry: Self.entry(bytes)
        case .envelope: _ = try? OperationVerifier.verifyIntegrity(json: bytes)
        case .handshake: Self.handshake(bytes)
        case .config: Self.config(bytes)
        }
    }

    private static func frames(_ bytes: [UInt8]) {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maximumFrameBytes: 1 << 16)))
        defer { _ = try? channel.finish() }
        // Split where the first byte says, so partial headers and bodies are exercised too.
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        for part in [bytes[..<split], bytes[split...]] {
            guard (try? channel.writeInbound(ByteBuffer(bytes: part))) != nil else { return }
            while let frame = try? channel.readInbound(as: Choros_V1_Frame.self) {
                let again = try? Choros_V1_Frame(serializedBytes: try frame.serializedBytes() as [UInt8])
                precondition(again == frame, "a decoded frame does not survive its own encoding")
            }
        }
    }

    private static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONParser.parse(bytes) else { return }
        let canonical = CanonicalJSON.encode(value)
        guard let reparsed = try? JSONParser.parse(canonical) else {
            preconditionFailure("canonical JSON of an accepted value does not parse")
        }
        precondition(reparsed == value, "canonical JSON changes the value")
        precondition(CanonicalJSON.encode(reparsed) == canonical, "canonical JSON is not a fixed point")
        precondition((try? CanonicalJSON.canonicalize(bytes)) == canonical, "canonicalize disagrees with encode")
    }

    private static func entry(_ bytes: [UInt8]) {
        guard let entry = try? Entry(parsing: String(decoding: bytes, as: UTF8.self)) else { return }
        guard let again = try? Entry(parsing: entry.text) else {
            preconditionFailure("an accepted entry's own text does not parse")
        }
        precondition(again == entry, "an entry does not survive its own text")
    }

    /// The key a fuzzed handshake may bind to: only its signature over the challenge binds.
    private static let enrolled = SigningKey(seed: [UInt8](repeating: 7, count: 32))

    private static func handshake(_ bytes: [UInt8]) {
        var state = SessionState.unbound
        var input = bytes[...]
        while let step = input.popFirst() {
            let take = { (count: Int) -> [UInt8] in
                let taken = Array(input.prefix(count))
                input = input.dropFirst(count)
                return taken
            }
            switch step % 4 {
            case 0:  // Hello as the enrolled key, with a client nonce from the input
                let challenge = SessionState.Challenge(
                    author: Self.enrolled.author,
                    clientNonce: take(HandshakeProof.nonceBytes),
                    serverNonce: take(HandshakeProof.nonceBytes)
                )
                try? state.challenge(challenge)
            case 1, 2:  // Prove with bytes from the input, or with the key's own signature
                guard let challenge = try? state.takeChallenge() else { continue }
                let message = HandshakeProof.message(
                    deployment: "fuzz",
                    serverNonce: challenge.serverNonce,
                    clientNonce: challenge.clientNonce
                )
                let honest = step % 4 == 2
                let signature = honest ? Self.enrolled.sign(message) : take(64)
                if challenge.author.verifies(signature, over: message) {
                    precondition(honest || signature == Self.enrolled.sign(message), "a forged proof verified")
                    state = .bound(challenge.author)
                }
            default:  // a Hello on a bound connection must be refused
                if state.boundAuthor != nil {
                    let again = SessionState.Challenge(author: Self.enrolled.author, clientNonce: [], serverNonce: [])
                    let accepted = (try? state.challenge(again)) != nil
                    precondition(!accepted && state.boundAuthor != nil, "a bound connection was re-challenged")
                }
            }
        }
    }

    private static func config(_ bytes: [UInt8]) {
        guard let source = try? ConfigurationSource(toml: String(decoding: bytes, as: UTF8.self), origin: "fuzz") else {
            return
        }
        _ = try? ChorosConfiguration(source: source, baseDirectory: "/nonexistent/choros-fuzz")
    }
}
