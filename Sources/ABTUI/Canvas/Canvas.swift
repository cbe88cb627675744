import ABCore

/// One screen cell: a character (a grapheme), its role and attributes. The cell right of a wide character is a
/// continuation (empty text), so columns stay aligned.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var role: Role
    public var style: Style

    public init(text: String = " ", role: Role = .mainFg, style: Style = []) {
        self.text = text
        self.role = role
        self.style = style
    }

    public static let blank = Cell()
    var isContinuation: Bool { text.isEmpty }
}

/// A pure grid of cells that panels draw into; the terminal copies it to the screen, writing only changed cells.
/// Tests read it back as text.
public struct Canvas: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = [Cell](repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` from column `x` of row `y`, clipped at `limit` columns (default: to the edge). A cut is
    /// marked: the last column shows `…`, so a line that stops mid-word never reads as whole. Returns the columns
    /// used.
    @discardableResult
    public mutating func put(
        _ text: String, x: Int, y: Int, role: Role = .mainFg, style: Style = [],
        limit: Int? = nil
    ) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let end = min(width, x + (limit ?? width))
        var column = x
        // Answers, prompts and errors are outside text: escapes and bidi controls are drawn as visible marks,
        // never handed to the terminal.
        for c in TerminalText.sanitized(text) {
            let w = DisplayWidth.of(c)
            if w == 0 { continue }
            if c == "\n" || c == "\t" { break }
            if column + w > end {
                // The last column that was written (or this one) becomes the mark of the cut.
                var mark = column < end ? column : column - 1
                // On the right half of a wide character, the mark takes the character's place.
                if mark > max(0, x), mark < width, self[mark, y].isContinuation { mark -= 1 }
                if mark >= max(0, x), mark < width {
                    if column < end, w == 2 { self[column, y] = Cell(text: " ", role: role, style: style) }
                    clearWide(at: mark, y)
                    self[mark, y] = Cell(text: "…", role: role, style: style)
                }
                break
            }
            if column >= 0 {
                clearWide(at: column, y)
                self[column, y] = Cell(text: String(c), role: role, style: style)
                if w == 2 {
                    clearWide(at: column + 1, y)
                    self[column + 1, y] = Cell(text: "", role: role, style: style)
                }
            }
            column += w
        }
        return max(0, column - x)
    }

    /// Overwriting half of a wide character blanks its other half.
    private mutating func clearWide(at x: Int, _ y: Int) {
        guard x >= 0, x < width else { return }
        if self[x, y].isContinuation, x > 0 { self[x - 1, y] = Cell(text: " ", role: self[x - 1, y].role) }
        if x + 1 < width, self[x + 1, y].isContinuation, !self[x, y].isContinuation {
            self[x + 1, y] = Cell(text: " ", role: self[x + 1, y].role)
        }
    }

    /// Fills a rectangle with one character.
    public mutating func fill(
        x: Int, y: Int, width w: Int, height h: Int, with text: String = " ",
        role: Role = .mainFg, style: Style = []
    ) {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) { self[col, row] = Cell(text: text, role: role, style: style) }
        }
    }

    /// A rounded box with an optional title in its top edge.
    public mutating func box(
        x: Int, y: Int, width w: Int, height h: Int, title: String? = nil,
        role: Role = .border, titleRole: Role = .title
    ) {
        guard w >= 2, h >= 2 else { return }
        fill(x: x + 1, y: y, width: w - 2, height: 1, with: "─", role: role)
        fill(x: x + 1, y: y + h - 1, width: w - 2, height: 1, with: "─", role: role)
        fill(x: x, y: y + 1, width: 1, height: h - 2, with: "│", role: role)
        fill(x: x + w - 1, y: y + 1, width: 1, height: h - 2, with: "│", role: role)
        put("╭", x: x, y: y, role: role)
        put("╮", x: x + w - 1, y: y, role: role)
        put("╰", x: x, y: y + h - 1, role: role)
        put("╯", x: x + w - 1, y: y + h - 1, role: role)
        if let title, w > 6 {
            put(" \(title) ", x: x + 2, y: y, role: titleRole, style: .bold, limit: w - 4)
        }
    }

    /// The canvas as text, one line per row, trailing spaces trimmed.
    public var text: String {
        (0..<height).map { row in
            var line = ""
            for col in 0..<width { line += self[col, row].text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// Positions whose cell differs from `previous` (all of them when the size changed).
    public func changes(from previous: Canvas?) -> [(x: Int, y: Int)] {
        guard let previous, previous.width == width, previous.height == height else {
            return (0..<height).flatMap { y in (0..<width).map { (x: $0, y: y) } }
        }
        var out: [(x: Int, y: Int)] = []
        for i in cells.indices where cells[i] != previous.cells[i] { out.append((i % width, i / width)) }
        return out
    }
}
