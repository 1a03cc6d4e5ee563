internal import CCmark
internal import ChorosCore
internal import Foundation

/// Entry bodies as HTML, through cmark-gfm (GitHub's CommonMark, from Debian) in its safe mode:
/// raw HTML is replaced by a comment and `javascript:`-style links are dropped, so what an
/// instance wrote can never run script in the practitioner's browser (COCKPIT.md).
enum Markdown {
    private static let extensions = ["table", "strikethrough", "autolink", "tasklist"]

    /// Registers the GFM extensions once per process (cmark keeps them in a global registry).
    private static let registered: Bool = {
        cmark_gfm_core_extensions_ensure_registered()
        return true
    }()

    static func html(_ text: String) -> String {
        _ = Self.registered
        // CMARK_OPT_DEFAULT is safe: neither CMARK_OPT_UNSAFE nor any raw HTML pass-through.
        let options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
        guard let parser = cmark_parser_new(options) else { return Self.fallback(text) }
        defer { cmark_parser_free(parser) }
        for name in Self.extensions {
            if let syntax = cmark_find_syntax_extension(name) { cmark_parser_attach_syntax_extension(parser, syntax) }
        }
        text.utf8CString.withUnsafeBufferPointer { buffer in
            cmark_parser_feed(parser, buffer.baseAddress, buffer.count - 1)
        }
        guard let document = cmark_parser_finish(parser) else { return Self.fallback(text) }
        defer { cmark_node_free(document) }
        guard let rendered = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else {
            return Self.fallback(text)
        }
        defer { free(rendered) }
        return String(cString: rendered)
    }

    /// If cmark cannot run, the text is shown as text.
    private static func fallback(_ text: String) -> String {
        "<pre>" + HTMLText.escape(text) + "</pre>"
    }
}
