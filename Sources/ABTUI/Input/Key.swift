/// A key press, independent of the terminal library.
public enum Key: Hashable, Sendable {
    case up, down, left, right
    case shiftLeft, shiftRight
    case pageUp, pageDown
    case tab, enter, escape, backspace
    case char(Character)
    case resize
    /// A mouse event (SGR reporting), at 0-based screen column and row.
    case mouse(MouseEvent)
}

/// What the mouse did, where.
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The left button went down, or moved while held (a drag).
        case press, drag
        case release
        case wheelUp, wheelDown
    }

    public let kind: Kind
    public let x: Int
    public let y: Int

    public init(kind: Kind, x: Int, y: Int) {
        self.kind = kind
        self.x = x
        self.y = y
    }

    /// An SGR report's fields (`ESC [ < b ; x ; y M|m`, 1-based x and y), or nil for a button it does not use.
    public init?(sgrButton b: Int, x: Int, y: Int, released: Bool) {
        let kind: Kind
        switch b {
        case 0: kind = released ? .release : .press
        case 32: kind = .drag
        case 64: kind = .wheelUp
        case 65: kind = .wheelDown
        default: return nil
        }
        self.init(kind: kind, x: x - 1, y: y - 1)
    }
}
