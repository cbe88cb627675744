// Header-only shim over ncursesw.
//
// Attribute macros, ACS characters, getmaxyx and the curses globals do not import into Swift (macros,
// acs_map lookups, or shared mutable state Swift 6 rejects), so they are exposed here as functions.
#ifndef ABTOP_CNCURSES_SHIM_H
#define ABTOP_CNCURSES_SHIM_H

#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <ncurses.h>

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

#endif
