package import ChorosProto
package import NIOCore
package import SwiftProtobuf

/// Writes a frame as `uint32 big-endian length | serialized Frame`.
///
/// Maps are serialized in key order so equal frames are equal bytes (and match libprotobuf-c).
package struct FrameEncoder: MessageToByteEncoder {
    package typealias OutboundIn = Choros_V1_Frame

    package init() {}

    package func encode(data: Choros_V1_Frame, out: inout ByteBuffer) throws {
        let bytes: [UInt8] = try data.serializedBytes(options: .deterministic)
        out.writeInteger(UInt32(bytes.count))
        out.writeBytes(bytes)
    }
}

extension BinaryEncodingOptions {
    /// Map entries in key order: the same message always serializes to the same bytes.
    package static var deterministic: BinaryEncodingOptions {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        return options
    }
}
