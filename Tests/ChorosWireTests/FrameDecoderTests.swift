import ChorosProto
import ChorosWire
import NIOCore
import Testing

@Suite("Frame decoding without sockets")
struct FrameDecoderTests {
    private func bytes(of frame: Choros_V1_Frame) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try FrameEncoder().encode(data: frame, out: &buffer)
        return buffer
    }

    @Test("a frame split across reads decodes once it is complete")
    func partialFrames() throws {
        var frame = Choros_V1_Frame()
        frame.callID = 42
        frame.kind = .request
        frame.method = "/choros.v1.Health/Check"
        frame.metadata = ["b": "2", "a": "1"]
        let whole = try self.bytes(of: frame)
        var decoder = FrameDecoder(maximumFrameBytes: 1024)
        var buffer = ByteBuffer()
        for byte in whole.readableBytesView.dropLast() {
            buffer.writeInteger(byte)
            #expect(try decoder.decode(buffer: &buffer) == nil)
        }
        buffer.writeInteger(whole.readableBytesView.last!)
        #expect(try decoder.decode(buffer: &buffer) == frame)
        #expect(buffer.readableBytes == 0)
    }

    @Test("the limit is enforced from the prefix alone")
    func tooLargeFromPrefix() throws {
        var decoder = FrameDecoder(maximumFrameBytes: 100)
        var buffer = ByteBuffer(bytes: [0, 0, 0, 101])
        #expect(throws: FrameError.tooLarge(length: 101, limit: 100)) { try decoder.decode(buffer: &buffer) }
    }

    @Test("equal frames encode to equal bytes, maps in key order")
    func deterministicEncoding() throws {
        var first = Choros_V1_Frame()
        first.metadata = Dictionary(uniqueKeysWithValues: (0..<50).map { ("k\($0)", "v\($0)") })
        var second = Choros_V1_Frame()
        for key in first.metadata.keys.reversed() { second.metadata[key] = first.metadata[key] }
        #expect(try self.bytes(of: first) == self.bytes(of: second))
    }
}
