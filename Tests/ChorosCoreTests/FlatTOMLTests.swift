import ChorosCore
import Testing

/// choros.toml's own reader: the TOML a flat configuration uses, and a named error for the rest.
@Suite("choros.toml reader")
struct FlatTOMLTests {
    private func values(_ text: String) throws -> [String: ConfigurationValue] {
        try ConfigurationSource(toml: text, origin: "t").values.mapValues(\.value)
    }

    private func problem(_ text: String) -> String? {
        do {
            _ = try ConfigurationSource(toml: text, origin: "t")
            return nil
        } catch let error as ConfigurationError {
            return error.issues.first?.problem
        } catch {
            return "\(error)"
        }
    }

    @Test("strings of the four kinds, with escapes, line-ending backslashes and closing quotes")
    func strings() throws {
        let values = try self.values(
            #"""
            basic = "tab\there \"q\" \u00e9 \U0001F600 back\\slash"
            literal = 'C:\path\no escape'
            multi = """
            one
            two \
               joined"""
            quotes = """a ""quoted"" end"""""
            raw = '''
            first 'line'
            '''
            "quoted key" = "k" # a comment
            """#
        )
        #expect(values["basic"] == .string("tab\there \"q\" é 😀 back\\slash"))
        #expect(values["literal"] == .string(#"C:\path\no escape"#))
        #expect(values["multi"] == .string("one\ntwo joined"))
        #expect(values["quotes"] == .string(#"a ""quoted"" end"""#))
        #expect(values["raw"] == .string("first 'line'\n"))
        #expect(values["quoted key"] == .string("k"))
    }

    @Test("integers, floats, booleans, and arrays over several lines with comments")
    func numbersAndArrays() throws {
        let values = try self.values(
            """
            a = 1_000
            b = -17
            c = 0xff
            d = 0o17
            e = 0b101
            f = 6.5e-3
            g = +inf
            h = true
            list = [
              "x", # first
              ["nested", 2],
              3.5,
            ]
            empty = []
            """
        )
        #expect(values["a"] == .integer(1000))
        #expect(values["b"] == .integer(-17))
        #expect(values["c"] == .integer(255))
        #expect(values["d"] == .integer(15))
        #expect(values["e"] == .integer(5))
        #expect(values["f"] == .float(6.5e-3))
        #expect(values["g"] == .float(.infinity))
        #expect(values["h"] == .boolean(true))
        #expect(values["list"] == .array([.string("x"), .array([.string("nested"), .integer(2)]), .float(3.5)]))
        #expect(values["empty"] == .array([]))
    }

    @Test("inline tables and dates are read as types no key takes, so the key is named")
    func unsupported() throws {
        let values = try self.values("t = { a = 1, b = [2] }\nwhen = 1979-05-27T07:32:00Z\n")
        #expect(values["t"]?.typeName.contains("a table") == true)
        #expect(values["when"]?.typeName == "a date or time")
    }

    @Test(
        "malformed TOML is a named error on its line, never a crash",
        arguments: [
            ("a= [}\n", "line 1", "expected a value"),
            ("a = 1\na = 2\n", "line 2", "defined twice"),
            ("a.b = 1\n", "line 1", "dotted key"),
            ("a = \"open\n", "line 1", "end on its line"),
            ("a = 1 2\n", "line 1", "is not a value"),
            ("a = 01\n", "line 1", "is not a value"),
            ("a = 1__0\n", "line 1", "is not a value"),
            ("\n\nname\n", "line 3", "expected '='"),
            ("a = \"\\q\"\n", "line 1", "not an escape"),
            ("a = \"\\u12\"\n", "line 1", "hex digits"),
            (
                "a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", "line 1",
                "32 deep"
            ),
            ("a = \"\u{7}\"\n", "line 1", "control character"),
            ("a = 1\rb = 2\n", "line 1", "carriage return"),
        ]
    )
    func malformed(text: String, line: String, reason: String) {
        let problem = self.problem(text) ?? "accepted"
        #expect(problem.contains(line) && problem.contains(reason), "\(problem)")
    }
}
