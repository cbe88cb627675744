/// A user's word quoted back in a message, kept short: an unknown key of a megabyte makes an error of a line,
/// not a megabyte on the terminal or in an answer.
public enum Excerpt {
    public static let limit = 64

    /// `text` whole when short, else its first `limit` characters, an ellipsis and the full length.
    public static func of(_ text: String, limit: Int = Excerpt.limit) -> String {
        guard text.utf8.count > limit else { return text }
        let head = text.prefix(limit)
        guard head.count == limit else { return text }
        return head + "… (\(text.utf8.count) bytes)"
    }
}
