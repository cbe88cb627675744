import ABCore
import Foundation

/// Reads the committed fixtures (Fixtures/, made by make_fixtures.py with scipy) from the source tree.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    static func json(_ name: String) throws -> JSONValue {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        return try JSONParser.parse(text)
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue {
        if case .object(let o) = self, let v = o[key] { return v }
        return .null
    }

    var double: Double {
        if case .number(let n) = self { return n.value }
        return .nan
    }

    var int: Int { Int(double) }

    var array: [JSONValue] {
        if case .array(let a) = self { return a }
        return []
    }

    var string: String? { stringValue }
}

/// |a − b| ≤ tolerance · max(|a|, |b|), with an absolute floor for values at or near zero.
func close(_ a: Double, _ b: Double, relative tolerance: Double = 1e-9, absolute: Double = 1e-300) -> Bool {
    if a == b { return true }
    return abs(a - b) <= max(tolerance * max(abs(a), abs(b)), absolute)
}
