internal import ChorosProto
internal import Foundation
internal import SwiftProtobuf

/// Every integer a request carries must fit 0…2^63−1, the range every daemon stores (SQLite
/// and git timestamps are signed 64-bit) and counts in. Checked once, where requests decode,
/// so no handler can trap converting a caller's UInt64 to Int64 or subtracting a caller's
/// Int64.min: the call answers INVALID_ARGUMENT naming the field instead.
struct IntegerRange: Visitor {
    private var path: String
    private let describe: () -> String

    private init(path: String, describe: @escaping () -> String) {
        self.path = path
        self.describe = describe
    }

    static func check<M: Message>(_ message: M) throws {
        var visitor = IntegerRange(path: M.protoMessageName) { message.textFormatString() }
        try message.traverse(visitor: &visitor)
    }

    private func refuse(_ value: String, fieldNumber: Int) -> RPCError {
        // Text format is the one public place SwiftProtobuf names a field: find the line
        // holding this value.
        let line = self.describe().split(separator: "\n").first { $0.hasSuffix(": \(value)") }
        let name = line.map { String($0.split(separator: ":")[0]).trimmingCharacters(in: .whitespaces) }
        let field = "\(self.path).\(name ?? "field \(fieldNumber)")"
        return RPCError(
            code: .invalidArgument,
            message: "\(field) = \(value) is out of range: integers must be 0…\(Int64.max)",
            details: ["field": field]
        )
    }

    mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws {
        if value < 0 { throw self.refuse(String(value), fieldNumber: fieldNumber) }
    }

    mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws {
        if value > UInt64(Int64.max) { throw self.refuse(String(value), fieldNumber: fieldNumber) }
    }

    mutating func visitSingularMessageField<M: Message>(value: M, fieldNumber: Int) throws {
        var nested = IntegerRange(path: self.path + "." + M.protoMessageName) { value.textFormatString() }
        try value.traverse(visitor: &nested)
    }

    mutating func visitMapField<KeyType, ValueType: MapValueType>(
        fieldType: _ProtobufMap<KeyType, ValueType>.Type,
        value: _ProtobufMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws {
        for (key, element) in value {
            for number in [key as Any, element as Any] where !Self.fits(number) {
                throw self.refuse(String(describing: number), fieldNumber: fieldNumber)
            }
        }
    }

    /// A map key or value: only its integers are checked.
    private static func fits(_ value: Any) -> Bool {
        switch value {
        case let signed as Int64: signed >= 0
        case let signed as Int32: signed >= 0
        case let unsigned as UInt64: unsigned <= UInt64(Int64.max)
        default: true
        }
    }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type,
        value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws where ValueType.RawValue == Int {}

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
        value: _ProtobufMessageMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws {
        for element in value.values { try self.visitSingularMessageField(value: element, fieldNumber: fieldNumber) }
    }

    mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws {}
    mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws {}
    mutating func visitSingularStringField(value: String, fieldNumber: Int) throws {}
    mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws {}
    mutating func visitSingularEnumField<E: Enum>(value: E, fieldNumber: Int) throws {}
    mutating func visitRepeatedEnumField<E: Enum>(value: [E], fieldNumber: Int) throws {}
    mutating func visitPackedEnumField<E: Enum>(value: [E], fieldNumber: Int) throws {}
    mutating func visitExtensionFields(fields: ExtensionFieldValueSet, start: Int, end: Int) throws {}
    mutating func visitExtensionFieldsAsMessageSet(fields: ExtensionFieldValueSet, start: Int, end: Int) throws {}
    mutating func visitUnknown(bytes: Data) throws {}
}
