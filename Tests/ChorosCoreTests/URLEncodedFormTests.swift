import ChorosCore
import Testing

@Suite("web forms: one reader for the HTTP door and the cockpit")
struct URLEncodedFormTests {
    @Test("form fields decode + and %; a repeated name makes the form unreadable")
    func forms() throws {
        let fields = try #require(URLEncodedForm("a=1+2&b=%2Fx%3D&c="))
        #expect(fields["a"] == "1 2" && fields["b"] == "/x=" && fields["c"] == nil)
        #expect(URLEncodedForm("code=1&code=2") == nil)
        #expect(URLEncodedForm(query: "/authorize?state=x")?["state"] == "x")
        #expect(URLEncodedForm(query: "/authorize")?["state"] == nil)
        #expect(URLEncodedForm("bad=%zz") == nil, "undecodable percent escapes")
    }

    @Test("HTML text escapes markup and both quotes")
    func escaping() {
        #expect(
            HTMLText.escape("<a href=\"x\" title='y'>&</a>")
                == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        )
    }
}
