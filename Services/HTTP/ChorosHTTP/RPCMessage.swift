internal import Foundation

/// What the door needs to know of a JSON-RPC message before handing it on: its method and
/// id (encoded as it must be echoed). Batches are not read: MCP dropped them in 2025-06-18.
struct RPCMessage: Sendable {
    enum Kind: Sendable, Equatable {
        case request(id: String, method: String)
        case notification(method: String)
        case response(id: String)
    }

    let kind: Kind

    init?(_ data: Data) {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            object["jsonrpc"] as? String == "2.0"
        else { return nil }
        let id = object["id"].flatMap(Self.encodedID)
        switch (object["method"] as? String, id) {
        case (let method?, let id?): self.kind = .request(id: id, method: method)
        case (let method?, nil) where object["id"] == nil: self.kind = .notification(method: method)
        case (nil, let id?): self.kind = .response(id: id)
        default: return nil
        }
    }

    var isInitialize: Bool {
        if case .request(_, "initialize") = self.kind { return true }
        return false
    }

    /// A JSON-RPC id (a string or an integer), encoded as it must be echoed.
    static func encodedID(_ id: Any) -> String? {
        switch id {
        case let text as String:
            guard let data = try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])
            else { return nil }
            return String(decoding: data, as: UTF8.self)
        case let number as NSNumber where String(cString: number.objCType) != "c":
            guard number.doubleValue == Double(number.int64Value) else { return nil }
            return String(number.int64Value)
        default: return nil
        }
    }

    /// A JSON-RPC error answer; `id` as encoded, or null.
    static func error(id: String?, code: Int, message: String) -> Data {
        let text =
            (try? JSONSerialization.data(withJSONObject: message, options: [.fragmentsAllowed])) ?? Data("\"\"".utf8)
        return Data(
            (#"{"jsonrpc":"2.0","id":"# + (id ?? "null") + #","error":{"code":"# + String(code) + #","message":"#
                + String(decoding: text, as: UTF8.self) + "}}").utf8
        )
    }
}
