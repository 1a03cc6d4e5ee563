internal import ChorosCore
package import Foundation

/// `tools/call` answered without the SDK's round trip through `MCP.Value`: its handlers erase
/// a typed result by encoding it to JSON and decoding that as `Value`, which tests every
/// string of the answer against a data-URL pattern and cost more than the call to the gateway.
/// Everything else (initialize, tools/list, ping, notifications) stays with the SDK, and so
/// does any `tools/call` line this does not read cleanly (the SDK then answers it as before).
package struct ToolCallLine: Sendable {
    /// The request id as it came, re-encoded for the answer.
    package let id: String
    package let name: String
    let arguments: [String: JSONValue]

    /// The line as a `tools/call` request, or nil for the SDK to handle.
    package init?(_ line: Data) {
        // A cheap look before a parse: most lines the SDK handles are not tool calls.
        guard line.range(of: Data(#""tools/call""#.utf8)) != nil,
            let message = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
            message["jsonrpc"] as? String == "2.0", message["method"] as? String == "tools/call",
            let id = Self.encodedID(message["id"]),
            let params = message["params"] as? [String: Any], let name = params["name"] as? String
        else { return nil }
        let raw = params["arguments"] ?? [String: Any]()
        guard let arguments = Self.json(raw)?.objectValue else { return nil }
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// The answer for a result the gateway returned as JSON: the JSON as the text block and,
    /// verbatim, as the structured content.
    package func answer(resultJSON json: String) -> Data {
        Data(
            (#"{"jsonrpc":"2.0","id":"# + self.id + #","result":{"content":[{"type":"text","text":"#
                + Self.quoted(json) + #"}],"structuredContent":"# + json + #","isError":false}}"#).utf8
        )
    }

    /// The answer for a refusal: its message as the text, its code and gate as structure.
    package func answer(refusal message: String, code: String, gate: String?) -> Data {
        var structure = #"{"error":"# + Self.quoted(message) + #","code":"# + Self.quoted(code)
        if let gate { structure += #","gate":"# + Self.quoted(gate) }
        structure += "}"
        return Data(
            (#"{"jsonrpc":"2.0","id":"# + self.id + #","result":{"content":[{"type":"text","text":"#
                + Self.quoted(message) + #"}],"structuredContent":"# + structure + #","isError":true}}"#).utf8
        )
    }

    /// A JSON-RPC id (a string or an integer), encoded as it must be echoed.
    private static func encodedID(_ id: Any?) -> String? {
        switch id {
        case let text as String: return Self.quoted(text)
        case let number as NSNumber where String(cString: number.objCType) != "c":
            guard number.doubleValue == Double(number.int64Value) else { return nil }
            return String(number.int64Value)
        default: return nil
        }
    }

    /// Arguments as the canonical subset a signed body holds; nil (the SDK's path, with its
    /// error) for anything else, such as a fractional number.
    private static func json(_ object: Any) -> JSONValue? {
        switch object {
        case let text as String: return .string(text)
        case let number as NSNumber:
            switch String(cString: number.objCType) {
            case "c", "B": return .bool(number.boolValue)
            case "f", "d": return nil
            default: return .integer(number.int64Value)
            }
        case let items as [Any]:
            let values = items.compactMap(Self.json)
            return values.count == items.count ? .array(values) : nil
        case let members as [String: Any]:
            let values = members.compactMapValues(Self.json)
            return values.count == members.count ? .object(values) : nil
        case is NSNull: return .null
        default: return nil
        }
    }

    /// A JSON string literal of `text`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
