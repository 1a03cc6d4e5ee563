import ChorosProto
import ChorosTesting
import ChorosWire
import NIOCore
import Testing

/// Random input into the frame decoder: it must answer with a frame, "need more", or a
/// FrameError — never crash, never another error. Seeded, so a failure is reproducible.
@Suite("Frame decoder under random input")
struct FrameFuzzTests {
    @Test("20,000 random byte strings decode or fail with FrameError", arguments: [1, 2, 3, 4])
    func randomBytes(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
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
