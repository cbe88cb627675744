/// The themes abtop ships, in its binary: `--theme nord` works from any directory and with the binary alone. User
/// themes (btop syntax, `theme[role]="#RRGGBB"`) come from `$XDG_CONFIG_HOME/abtop/themes` or `--themes-dir`; one
/// with a built-in theme's name replaces it.
public enum BuiltInThemes {
    /// Each theme's name and file text, in the order `T` cycles them.
    public static let files: [(name: String, text: String)] = [
        // The default is `Theme.standard` written out: one palette, never typed twice.
        ("default", Theme.standard.fileText),
        (
            "light",
            #"""
            # abtop theme: light. Light background.
            # btop syntax: theme[role]="#RRGGBB"; roles not set here fall back to the default theme.
            theme[main_bg]="#fafafa"
            theme[main_fg]="#303030"
            theme[title]="#000000"
            theme[border]="#a8a8a8"
            theme[hi_fg]="#d75f00"
            theme[selected_bg]="#dadada"
            theme[selected_fg]="#000000"
            theme[inactive_fg]="#8a8a8a"
            theme[good]="#008700"
            theme[warn]="#af8700"
            theme[bad]="#d70000"
            theme[slider_fill]="#005fd7"
            theme[slider_empty]="#d0d0d0"
            theme[graph_text]="#585858"
            theme[entity_1]="#005fd7"
            theme[entity_2]="#d7005f"
            theme[entity_3]="#008700"
            theme[entity_4]="#d75f00"
            theme[entity_5]="#5f00d7"
            theme[entity_6]="#008787"
            theme[entity_7]="#878700"
            theme[entity_8]="#af5f5f"
            """#
        ),
        (
            "nord",
            #"""
            # abtop theme: nord. Nord (arcticicestudio) palette.
            # btop syntax: theme[role]="#RRGGBB"; roles not set here fall back to the default theme.
            theme[main_bg]="#2e3440"
            theme[main_fg]="#d8dee9"
            theme[title]="#eceff4"
            theme[border]="#4c566a"
            theme[hi_fg]="#88c0d0"
            theme[selected_bg]="#3b4252"
            theme[selected_fg]="#eceff4"
            theme[inactive_fg]="#616e88"
            theme[good]="#a3be8c"
            theme[warn]="#ebcb8b"
            theme[bad]="#bf616a"
            theme[slider_fill]="#81a1c1"
            theme[slider_empty]="#3b4252"
            theme[graph_text]="#d8dee9"
            theme[entity_1]="#88c0d0"
            theme[entity_2]="#b48ead"
            theme[entity_3]="#a3be8c"
            theme[entity_4]="#d08770"
            theme[entity_5]="#5e81ac"
            theme[entity_6]="#8fbcbb"
            theme[entity_7]="#ebcb8b"
            theme[entity_8]="#bf616a"
            """#
        ),
        (
            "gruvbox",
            #"""
            # abtop theme: gruvbox. Gruvbox dark (morhetz) palette.
            # btop syntax: theme[role]="#RRGGBB"; roles not set here fall back to the default theme.
            theme[main_bg]="#282828"
            theme[main_fg]="#ebdbb2"
            theme[title]="#fbf1c7"
            theme[border]="#665c54"
            theme[hi_fg]="#fe8019"
            theme[selected_bg]="#3c3836"
            theme[selected_fg]="#fbf1c7"
            theme[inactive_fg]="#928374"
            theme[good]="#b8bb26"
            theme[warn]="#fabd2f"
            theme[bad]="#fb4934"
            theme[slider_fill]="#83a598"
            theme[slider_empty]="#3c3836"
            theme[graph_text]="#d5c4a1"
            theme[entity_1]="#83a598"
            theme[entity_2]="#d3869b"
            theme[entity_3]="#b8bb26"
            theme[entity_4]="#fe8019"
            theme[entity_5]="#8ec07c"
            theme[entity_6]="#fabd2f"
            theme[entity_7]="#a89984"
            theme[entity_8]="#fb4934"
            """#
        ),
        (
            "solarized-dark",
            #"""
            # abtop theme: solarized-dark. Solarized dark (Ethan Schoonover) palette.
            # btop syntax: theme[role]="#RRGGBB"; roles not set here fall back to the default theme.
            theme[main_bg]="#002b36"
            theme[main_fg]="#839496"
            theme[title]="#eee8d5"
            theme[border]="#586e75"
            theme[hi_fg]="#b58900"
            theme[selected_bg]="#073642"
            theme[selected_fg]="#fdf6e3"
            theme[inactive_fg]="#586e75"
            theme[good]="#859900"
            theme[warn]="#b58900"
            theme[bad]="#dc322f"
            theme[slider_fill]="#268bd2"
            theme[slider_empty]="#073642"
            theme[graph_text]="#93a1a1"
            theme[entity_1]="#268bd2"
            theme[entity_2]="#d33682"
            theme[entity_3]="#859900"
            theme[entity_4]="#cb4b16"
            theme[entity_5]="#6c71c4"
            theme[entity_6]="#2aa198"
            theme[entity_7]="#b58900"
            theme[entity_8]="#dc322f"
            """#
        ),
        (
            "high-contrast",
            #"""
            # abtop theme: high-contrast. High contrast: pure colours on black, for low vision and bright rooms.
            # btop syntax: theme[role]="#RRGGBB"; roles not set here fall back to the default theme.
            theme[main_bg]="#000000"
            theme[main_fg]="#ffffff"
            theme[title]="#ffffff"
            theme[border]="#ffffff"
            theme[hi_fg]="#ffff00"
            theme[selected_bg]="#0000ff"
            theme[selected_fg]="#ffffff"
            theme[inactive_fg]="#c0c0c0"
            theme[good]="#00ff00"
            theme[warn]="#ffff00"
            theme[bad]="#ff0000"
            theme[slider_fill]="#00ffff"
            theme[slider_empty]="#808080"
            theme[graph_text]="#ffffff"
            theme[entity_1]="#00ffff"
            theme[entity_2]="#ff00ff"
            theme[entity_3]="#00ff00"
            theme[entity_4]="#ffff00"
            theme[entity_5]="#ff8000"
            theme[entity_6]="#8080ff"
            theme[entity_7]="#ffffff"
            theme[entity_8]="#ff0000"
            """#
        ),
        (
            "mono",
            #"""
            # abtop theme: mono. No colours at all: bold, reverse and dim only (also chosen by NO_COLOR).
            # It needs no roles; the name alone makes the dashboard draw with attributes.
            """#
        ),
    ]
}
