package import ChorosProto
package import NIOCore
internal import SwiftProtobuf

/// Splits the byte stream into `uint32 big-endian length | Frame` units and decodes each one.
///
/// The length prefix is checked against the limit before a single body byte is awaited, so an
/// oversized frame is refused without reading (or buffering) its body.
package struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    package typealias InboundOut = Choros_V1_Frame

    private let maximumFrameBytes: Int

    package init(maximumFrameBytes: Int) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    package mutating func decode(buffer: inout ByteBuffer) throws(FrameError) -> Choros_V1_Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard Int(length) <= self.maximumFrameBytes else {
            throw .tooLarge(length: Int(length), limit: self.maximumFrameBytes)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        // Both reads are within readableBytes, checked just above.
        let body = buffer.readBytes(length: Int(length)) ?? []
        do {
            return try Choros_V1_Frame(serializedBytes: body)
        } catch {
            throw .undecodable(length: Int(length))
        }
    }

    package mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws(FrameError) -> Choros_V1_Frame? {
        try self.decode(buffer: &buffer)
    }
}
