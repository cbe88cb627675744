// Header-only shim over ncursesw.
//
// Attribute macros, ACS characters, getmaxyx and the curses globals do not import into Swift (macros,
// acs_map lookups, or shared mutable state Swift 6 rejects), so they are exposed here as functions.
#ifndef ABTOP_CNCURSES_SHIM_H
#define ABTOP_CNCURSES_SHIM_H

#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncurses.h>
#include <unistd.h>

static const unsigned int abtop_A_NORMAL = A_NORMAL;
static const unsigned int abtop_A_BOLD = A_BOLD;
static const unsigned int abtop_A_DIM = A_DIM;
static const unsigned int abtop_A_REVERSE = A_REVERSE;
static const unsigned int abtop_A_UNDERLINE = A_UNDERLINE;
static const unsigned int abtop_A_ITALIC = A_ITALIC;

static inline WINDOW *abtop_stdscr(void) { return stdscr; }
static inline int abtop_lines(void) { return LINES; }
static inline int abtop_cols(void) { return COLS; }
static inline int abtop_colors(void) { return COLORS; }
static inline int abtop_color_pairs(void) { return COLOR_PAIRS; }
static inline void abtop_getmaxyx(WINDOW *win, int *y, int *x) { getmaxyx(win, *y, *x); }

/// ACS characters are acs_map lookups, valid only after initscr().
static inline chtype abtop_acs_hline(void) { return ACS_HLINE; }
static inline chtype abtop_acs_vline(void) { return ACS_VLINE; }

/// Key codes (macros with octal values import unreliably; spelled out here).
static const int abtop_KEY_CODE_YES = KEY_CODE_YES;
static const int abtop_KEY_UP = KEY_UP;
static const int abtop_KEY_DOWN = KEY_DOWN;
static const int abtop_KEY_LEFT = KEY_LEFT;
static const int abtop_KEY_RIGHT = KEY_RIGHT;
static const int abtop_KEY_SLEFT = KEY_SLEFT;
static const int abtop_KEY_SRIGHT = KEY_SRIGHT;
static const int abtop_KEY_PPAGE = KEY_PPAGE;
static const int abtop_KEY_NPAGE = KEY_NPAGE;
static const int abtop_KEY_BACKSPACE = KEY_BACKSPACE;
static const int abtop_KEY_ENTER = KEY_ENTER;
static const int abtop_KEY_RESIZE = KEY_RESIZE;
static const int abtop_KEY_BTAB = KEY_BTAB;
static const int abtop_KEY_MOUSE = KEY_MOUSE;

/// The bytes that turn the terminal's mouse reporting off, written from a crash handler (async-signal-safe).
static inline void abtop_mouse_off_now(void) {
    static const char off[] = "\x1b[?1006l\x1b[?1002l";
    (void)!write(1, off, sizeof off - 1);
}

/// Puts a UTF-8 string at (y, x) with attributes and a colour pair.
static inline void abtop_put(int y, int x, const char *text, unsigned int attrs, short pair) {
    attr_set((attr_t)attrs, pair, NULL);
    mvaddstr(y, x, text);
}

#endif
