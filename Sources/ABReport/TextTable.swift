/// A plain-text table with left- or right-aligned columns, sized to its widest cell.
public struct TextTable {
    public enum Alignment: Sendable {
        case left
        case right
    }

    struct Column {
        let title: String
        let alignment: Alignment
    }

    let columns: [Column]
    var rows: [[String]] = []

    public init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { Column(title: $0.0, alignment: $0.1) }
    }

    public mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    public func rendered() -> String {
        let all = [columns.map(\.title)] + rows
        let widths = columns.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            columns.indices.map { i in
                let cell = row[i]
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return columns[i].alignment == .left ? cell + pad : pad + cell
            }.joined(separator: "  ").trailingSpacesRemoved()
        }.joined(separator: "\n")
    }
}

extension String {
    public func trailingSpacesRemoved() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
