/// Text made safe for a terminal: every path that writes outside text to one (the console, the dashboard's
/// canvas, a Markdown or CSV report) passes it through here.
///
/// Model output, provider errors and config values can hold escape sequences (`ESC ] 0 ; … BEL` retitles the
/// window, `ESC [ 2 J` clears it, `CR` overwrites a line) and bidirectional overrides that make text read other
/// than it is. Each control character becomes its visible picture (`␛`, `␍`, `␇`), C1 controls and bidi
/// overrides become `�`; line feeds and tabs stay.
public enum TerminalText {
    public static func sanitized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard isUnsafe(scalar) else {
                out.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x00..<0x20: out.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: out.append("\u{2421}")
            default: out.append("\u{FFFD}")
            }
        }
        return String(out)
    }

    /// C0 controls but line feed and tab, DEL, C1 controls, and the bidi marks, embeddings, overrides and
    /// isolates (a right-to-left mark reorders what follows it as surely as an override does).
    public static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0A, 0x09: false
        case 0x00..<0x20, 0x7F..<0xA0: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}

/// RFC 9110's grammar for what goes into an HTTP header, checked when a config is read so that a CR or LF in a
/// header name or value can never add a header of its own.
public enum HTTPFieldSyntax {
    /// `token`: a header name (`x-api-key`).
    public static func isToken(_ s: String) -> Bool {
        !s.isEmpty
            && s.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                    || "!#$%&'*+-.^_`|~".utf8.contains(c)
            }
    }

    /// `field-value`: visible characters, spaces and tabs inside (not at either end), and UTF-8; no CR, LF, NUL or
    /// other control character.
    public static func isFieldValue(_ s: String) -> Bool {
        guard let first = s.utf8.first, let last = s.utf8.last else { return true }
        guard first != 0x20, first != 0x09, last != 0x20, last != 0x09 else { return false }
        return s.utf8.allSatisfy { c in c == 0x09 || (c >= 0x20 && c != 0x7F) }
    }

    /// Names that describe the message itself: a config must not set them.
    public static let reservedNames: Set<String> = [
        "host", "content-length", "transfer-encoding", "connection",
        "content-type", "te", "upgrade", "trailer", "keep-alive",
    ]
}
