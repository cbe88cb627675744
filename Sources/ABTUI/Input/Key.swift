/// A key press, independent of the terminal library.
public enum Key: Hashable, Sendable {
    case up, down, left, right
    case shiftLeft, shiftRight
    case pageUp, pageDown
    case tab, enter, escape, backspace
    case char(Character)
    case resize
}
