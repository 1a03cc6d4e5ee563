internal import Foundation
package import SwiftProtobuf

/// Prints a message as JSON for scripts (`--json`): proto field names, 64-bit integers as
/// numbers, so callers never parse prose.
package func printJSON(_ message: some SwiftProtobuf.Message) throws {
    var options = JSONEncodingOptions()
    options.preserveProtoFieldNames = true
    options.alwaysPrintInt64sAsNumbers = true
    print(try message.jsonString(options: options))
}
