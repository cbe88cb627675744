/// JSON written straight into UTF-8 bytes: what every request body is made of (once per request, so no tree of
/// values and no intermediate strings). `JSONValue.quoted` and the request writers share its escaping.
public struct JSONBytes: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Bytes as they are (punctuation, keys known to need no escaping, literals).
    public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `s` as a JSON string literal.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { source in
            bytes.append(UInt8(ascii: "\""))
            var start = 0
            for (i, b) in source.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[start..<i]))
                escape(b)
                start = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[start...]))
            bytes.append(UInt8(ascii: "\""))
        }
    }

    public mutating func int(_ n: Int) {
        bytes.append(contentsOf: String(n).utf8)
    }

    public mutating func number(_ n: JSONNumber) {
        bytes.append(contentsOf: n.canonicalLiteral.utf8)
    }

    public mutating func bool(_ b: Bool) {
        if b { raw("true") } else { raw("false") }
    }

    /// A whole value, compact.
    public mutating func value(_ v: JSONValue) {
        bytes.append(contentsOf: v.rendered().utf8)
    }

    private mutating func escape(_ b: UInt8) {
        bytes.append(0x5C)
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(b)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            bytes.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30])
            hex.withUTF8Buffer { digits in
                bytes.append(digits[Int(b >> 4)])
                bytes.append(digits[Int(b & 0xF)])
            }
        }
    }
}
