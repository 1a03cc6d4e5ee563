import ChorosProto
import ChorosWire
import NIOCore
import Testing

/// Random input into the frame decoder: it must answer with a frame, "need more", or a
/// FrameError — never crash, never another error. Seeded, so a failure is reproducible.
@Suite("Frame decoder under random input")
struct FrameFuzzTests {
    @Test("20,000 random byte strings decode or fail with FrameError", arguments: [1, 2, 3, 4])
    func randomBytes(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        for _ in 0..<5000 {
            let length = Int.random(in: 0...96, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Half the time, a plausible prefix so the body reaches the protobuf decoder.
            if length >= 4 && Bool.random(using: &generator) {
                let body = UInt32(length - 4)
                bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: body.bigEndian, Array.init))
            }
            var decoder = FrameDecoder(maximumFrameBytes: 64)
            var buffer = ByteBuffer(bytes: bytes)
            do {
                while try decoder.decode(buffer: &buffer) != nil {}
            } catch {
                // The only error the decoder may throw is FrameError (typed throws).
                _ = error.rpcError
            }
        }
    }
}

/// A small deterministic generator for reproducible random tests.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
