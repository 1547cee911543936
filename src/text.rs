//! Cutting text to SWF's limits, which count characters, never splitting one.

/// Returns the first `max_chars` characters of `text`.
pub fn truncate_chars(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// Returns `text`, or its first `max_chars` characters followed by a note of how many were left out.
pub fn shorten(text: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    let kept = truncate_chars(text, max_chars);
    if kept.len() == text.len() {
        return std::borrow::Cow::Borrowed(text);
    }
    let left_out = text[kept.len()..].chars().count();
    std::borrow::Cow::Owned(format!("{kept}... ({left_out} more characters)"))
}

/// Returns the last `max_chars` characters of `text`.
pub fn last_chars(text: &str, max_chars: usize) -> &str {
    let count = text.chars().count();
    if count <= max_chars {
        return text;
    }
    match text.char_indices().nth(count - max_chars) {
        Some((start, _)) => &text[start..],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_short_text() {
        assert_eq!(truncate_chars("abc", 5), "abc");
        assert_eq!(truncate_chars("abc", 3), "abc");
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate_chars("ééé", 2), "éé");
        assert_eq!(truncate_chars("a🚀b", 2), "a🚀");
    }

    #[test]
    fn shorten_notes_what_it_left_out() {
        assert_eq!(shorten("abcdef", 10), "abcdef");
        assert_eq!(shorten("abcdef", 2), "ab... (4 more characters)");
    }

    #[test]
    fn last_chars_keeps_the_end() {
        assert_eq!(last_chars("abcdef", 3), "def");
        assert_eq!(last_chars("ab", 3), "ab");
        assert_eq!(last_chars("🚀éx", 2), "éx");
    }
}
