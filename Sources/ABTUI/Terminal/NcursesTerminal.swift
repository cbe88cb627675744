import CNcurses
import Foundation
import Synchronization

/// Set by SIGINT, SIGTERM or SIGHUP while the dashboard runs; the loop checks it every frame.
let terminationRequested = Atomic<Bool>(false)

/// The real terminal, through ncurses: the only file that imports `CNcurses` (htop's `CRT.c`). Copies canvases
/// to the screen writing only changed cells, maps theme roles to colour pairs at the terminal's depth, reads
/// keys, and always gives the terminal back: on `restore()`, SIGINT, SIGTERM and crashes.
public final class NcursesTerminal {
    private var previous: Canvas?
    private var pairs: [Role: Int16] = [:]
    private var theme: Theme
    public private(set) var depth: ColorDepth = .none
    /// Whether stdin was a terminal at the start (only then does a hang-up on it mean the user is gone).
    private let readsATerminal = isatty(STDIN_FILENO) != 0

    public init(theme: Theme) {
        self.theme = theme
        Self.installSignalHandlers()
        setlocale(LC_ALL, "")
        initscr()
        cbreak()
        noecho()
        nonl()
        keypad(abtop_stdscr(), true)
        // Terminfo for xterm names `ESC [ <` as ncurses' own mouse key; abtop reads the SGR reports itself, so
        // ncurses must pass those bytes through rather than swallow the start of every report.
        keyok(abtop_KEY_MOUSE, false)
        set_escdelay(25)
        curs_set(0)
        // Mouse: button presses, drags and the wheel, reported as SGR sequences (any width, parsed in readKey).
        Self.writeControl(Self.mouseOn)
        if has_colors() {
            start_color()
            use_default_colors()
            let colors = abtop_colors()
            depth = colors >= 256 ? .xterm256 : colors >= 16 ? .ansi16 : colors >= 8 ? .ansi16 : .none
            if can_change_color() && colors >= 256 { depth = .trueColor }
        }
        apply(theme)
    }

    /// Columns and rows.
    public var size: (width: Int, height: Int) {
        var y: Int32 = 0
        var x: Int32 = 0
        abtop_getmaxyx(abtop_stdscr(), &y, &x)
        return (Int(x), Int(y))
    }

    /// Switches theme; the next draw repaints everything.
    public func apply(_ theme: Theme) {
        self.theme = theme
        previous = nil
        pairs = [:]
        guard depth != .none, !theme.monochrome else { return }
        for (i, role) in Role.all.enumerated() {
            let pair = Int16(i + 1)
            init_pair(pair, colorIndex(theme.color(role), slot: i), -1)
            pairs[role] = pair
        }
    }

    private func colorIndex(_ c: RGB, slot: Int) -> Int16 {
        switch depth {
        case .trueColor:
            // Redefine colours 16+ to the theme's exact values (0–1000 per channel).
            let index = Int16(16 + slot)
            init_color(index, Int16(Int(c.r) * 1000 / 255), Int16(Int(c.g) * 1000 / 255), Int16(Int(c.b) * 1000 / 255))
            return index
        case .xterm256: return Int16(ColorDepth.xterm256(c))
        case .ansi16: return Int16(ColorDepth.ansi16(c) % Int(max(8, abtop_colors())))
        case .none: return -1
        }
    }

    /// Copies `canvas` to the screen, writing only the cells that changed since the last draw.
    public func draw(_ canvas: Canvas) {
        let changed = canvas.changes(from: previous)
        if previous == nil || previous!.width != canvas.width || previous!.height != canvas.height { erase() }
        for (x, y) in changed {
            let cell = canvas[x, y]
            if cell.text.isEmpty { continue }  // the right half of a wide character
            var attrs = abtop_A_NORMAL
            if cell.style.contains(.bold) { attrs |= abtop_A_BOLD }
            if cell.style.contains(.dim) { attrs |= abtop_A_DIM }
            if cell.style.contains(.reverse) { attrs |= abtop_A_REVERSE }
            if cell.style.contains(.underline) { attrs |= abtop_A_UNDERLINE }
            if theme.monochrome, cell.role == .bad || cell.role == .hiFg { attrs |= abtop_A_BOLD }
            abtop_put(Int32(y), Int32(x), cell.text, attrs, pairs[cell.role] ?? 0)
        }
        refresh()
        previous = canvas
    }

    /// The next key, waiting at most `timeoutMs` (nil when none came).
    public func readKey(timeoutMs: Int) -> Key? {
        wtimeout(abtop_stdscr(), Int32(max(0, timeoutMs)))
        var ch: wint_t = 0
        let result = wget_wch(abtop_stdscr(), &ch)
        if result == ERR { return nil }
        if result == abtop_KEY_CODE_YES {
            switch Int32(ch) {
            case abtop_KEY_UP: return .up
            case abtop_KEY_DOWN: return .down
            case abtop_KEY_LEFT: return .left
            case abtop_KEY_RIGHT: return .right
            case abtop_KEY_SLEFT: return .shiftLeft
            case abtop_KEY_SRIGHT: return .shiftRight
            case abtop_KEY_PPAGE: return .pageUp
            case abtop_KEY_NPAGE: return .pageDown
            case abtop_KEY_BACKSPACE: return .backspace
            case abtop_KEY_ENTER: return .enter
            case abtop_KEY_RESIZE:
                previous = nil
                return .resize
            case abtop_KEY_MOUSE:
                // A terminfo that still matched `ESC [ <`: the report's body follows.
                return readReportBody(afterLessThan: true)
            default: return nil
            }
        }
        switch ch {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return readEscape()
        case 8, 127: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(ch)) else { return nil }
            return .char(Character(scalar))
        }
    }

    /// Whether the terminal is gone (its window closed, tmux killed, ssh dropped). The kernel sends SIGHUP then,
    /// but a parent that ignores SIGHUP (nohup, some CI runners) passes that on through exec, and with no terminal
    /// every read returns at once: the loop would draw frames flat out into nothing. So the loop asks the file
    /// descriptor itself, once a frame.
    public var isHungUp: Bool {
        guard readsATerminal else { return false }
        var fd = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        guard poll(&fd, 1, 0) >= 0 else { return errno != EINTR }
        return fd.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    /// Gives the terminal back (once; a second `endwin` would scribble over the shell's next line).
    public func restore() {
        if !isendwin() {
            Self.writeControl(Self.mouseOff)
            curs_set(1)
            endwin()
        }
    }

    static let mouseOn = "\u{1B}[?1002h\u{1B}[?1006h"
    static let mouseOff = "\u{1B}[?1006l\u{1B}[?1002l"

    private static func writeControl(_ sequence: String) {
        _ = sequence.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
    }

    /// The rest of an escape sequence after ESC, read without waiting: an SGR mouse report becomes a key; ESC
    /// alone is Esc; another sequence (a key ncurses does not know) is read to its end and dropped.
    private func readEscape() -> Key? {
        wtimeout(abtop_stdscr(), 0)
        var ch: wint_t = 0
        let result = wget_wch(abtop_stdscr(), &ch)
        guard result != ERR else { return .escape }
        guard result != abtop_KEY_CODE_YES, ch == wint_t(UInt8(ascii: "[")) else {
            // Not a sequence: the key goes back as it came (a function key as its code, not as a character).
            if result == abtop_KEY_CODE_YES { ungetch(Int32(ch)) } else { unget_wch(wchar_t(ch)) }
            return .escape
        }
        return readReportBody(afterLessThan: false)
    }

    /// A CSI sequence's body up to its final byte, each byte waited for a little (a report can arrive in pieces
    /// over ssh): an SGR mouse report becomes a key; another sequence is dropped.
    private func readReportBody(afterLessThan: Bool) -> Key? {
        wtimeout(abtop_stdscr(), 30)
        var ch: wint_t = 0
        var body = afterLessThan ? "<" : ""
        // A CSI sequence ends with a byte from @ to ~; 32 bytes is more than any this reads.
        while body.count < 32, wget_wch(abtop_stdscr(), &ch) != ERR, let scalar = Unicode.Scalar(UInt32(ch)) {
            if (0x40...0x7E).contains(scalar.value), !(body.isEmpty && scalar == "<") {
                guard body.hasPrefix("<"), scalar == "M" || scalar == "m" else { return nil }
                let fields = body.dropFirst().split(separator: ";").compactMap { Int($0) }
                guard fields.count == 3 else { return nil }
                return MouseEvent(sgrButton: fields[0], x: fields[1], y: fields[2], released: scalar == "m")
                    .map(Key.mouse)
            }
            body.unicodeScalars.append(scalar)
        }
        return nil
    }

    deinit {
        restore()
    }

    /// SIGINT, SIGTERM and SIGHUP ask the loop to stop (set here even when inherited as ignored); a crash
    /// restores the terminal, then dies as it would have.
    private static func installSignalHandlers() {
        for stop in [SIGINT, SIGTERM, SIGHUP] {
            signal(stop) { _ in terminationRequested.store(true, ordering: .relaxed) }
        }
        for fatal in [SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP] {
            signal(fatal) { signo in
                abtop_mouse_off_now()
                if !isendwin() { endwin() }
                signal(signo, SIG_DFL)
                raise(signo)
            }
        }
    }
}
