/// Merges Prometheus text expositions (format 0.0.4) of several processes into one.
///
/// Every daemon prints the same metric names (with its own `daemon` label), and an exposition
/// must declare each family once: the samples of a family are gathered under its first
/// `# TYPE` (and `# HELP`) line, in the order families first appear.
package enum PrometheusText {
    package static func merge(_ texts: [String]) -> String {
        var order: [String] = []
        var headers: [String: [String]] = [:]
        var samples: [String: [String]] = [:]
        for text in texts {
            var family = ""
            for line in text.split(separator: "\n") where !line.isEmpty {
                if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") {
                    family = line.split(separator: " ").dropFirst(2).first.map(String.init) ?? ""
                    if headers[family] == nil {
                        order.append(family)
                        headers[family] = []
                    }
                    if !headers[family, default: []].contains(where: { $0.hasPrefix(line.prefix(7)) }) {
                        headers[family, default: []].append(String(line))
                    }
                } else if !line.hasPrefix("#") {
                    if headers[family] == nil {
                        order.append(family)
                        headers[family] = []
                    }
                    samples[family, default: []].append(String(line))
                }
            }
        }
        var output = ""
        for family in order {
            for header in headers[family, default: []].sorted(by: { $0.hasPrefix("# HELP") && !$1.hasPrefix("# HELP") })
            {
                output += header + "\n"
            }
            for sample in samples[family, default: []] { output += sample + "\n" }
        }
        return output
    }
}
