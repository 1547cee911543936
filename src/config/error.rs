//! Configuration errors, each with the file and line to fix and a hint on how.

use std::fmt;
use std::path::PathBuf;

use crate::text::truncate_chars;

/// A line in a config file, displayed as `FILE:LINE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: PathBuf,
    /// Line number, counted from 1.
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.file.display(), self.line)
    }
}

/// One problem in the configuration.
///
/// Displayed as `FILE:LINE: MESSAGE`, followed by `  hint: HINT` on a second line when there is a
/// hint. Errors in values that came from command-line flags have no location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}{}", location_prefix(.location.as_ref()), hint_line(.hint.as_deref()))]
pub struct ConfigError {
    pub location: Option<Location>,
    pub message: String,
    pub hint: Option<String>,
}

impl ConfigError {
    pub fn new(location: Option<Location>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            location,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> ConfigError {
        self.hint = Some(hint.into());
        self
    }

    /// Line number of the location, or 0 when there is none. Used to sort errors in file order.
    pub(super) fn line(&self) -> u32 {
        self.location.as_ref().map_or(0, |location| location.line)
    }
}

fn location_prefix(location: Option<&Location>) -> String {
    match location {
        Some(location) => format!("{location}: "),
        None => String::new(),
    }
}

fn hint_line(hint: Option<&str>) -> String {
    match hint {
        Some(hint) => format!("\n  hint: {hint}"),
        None => String::new(),
    }
}

/// Maximum number of characters of one piece of file text that an error message shows, so that
/// one overlong line cannot flood the terminal or the log.
pub const MAX_QUOTED_CHARS: usize = 80;

/// Escapes and truncates text from the config file for an error message.
///
/// Control characters (U+0000 to U+001F and U+007F to U+009F) become escapes as
/// `char::escape_debug` writes them (`\0`, `\t`, `\r`, `\n`, `\u{1b}`), so that they cannot move
/// the cursor or hide text. Other characters are kept. Text longer than [`MAX_QUOTED_CHARS`]
/// characters is cut to that many and ends with `…`. The limit counts the characters of `text`,
/// so escapes can make the result longer.
pub fn escape(text: &str) -> String {
    let truncated = truncate_chars(text, MAX_QUOTED_CHARS);

    let mut escaped = String::with_capacity(truncated.len());
    for character in truncated.chars() {
        if character.is_control() {
            escaped.extend(character.escape_debug());
        } else {
            escaped.push(character);
        }
    }

    if truncated.len() < text.len() {
        escaped.push('…');
    }
    escaped
}

/// Escapes text from the config file like [`escape`] and puts it in single quotes.
pub fn quote(text: &str) -> String {
    format!("'{}'", escape(text))
}

/// Every problem found in a configuration, in file order, displayed one after another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", display_all(&.0))]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// Sorts the errors by line so that they read in file order. The sort is stable, so errors on
    /// one line keep the order in which they were found.
    pub(super) fn sorted(mut errors: Vec<ConfigError>) -> ConfigErrors {
        errors.sort_by_key(ConfigError::line);
        ConfigErrors(errors)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> ConfigErrors {
        ConfigErrors(vec![error])
    }
}

impl From<Vec<ConfigError>> for ConfigErrors {
    fn from(errors: Vec<ConfigError>) -> ConfigErrors {
        ConfigErrors(errors)
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

fn display_all(errors: &[ConfigError]) -> String {
    let lines: Vec<String> = errors.iter().map(ConfigError::to_string).collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(line: u32) -> Option<Location> {
        Some(Location {
            file: PathBuf::from("/etc/caravan/caravan.ini"),
            line,
        })
    }

    #[test]
    fn location_display_is_file_colon_line() {
        let location = location(12).unwrap();

        assert_eq!(location.to_string(), "/etc/caravan/caravan.ini:12");
    }

    #[test]
    fn error_display_without_hint() {
        let error = ConfigError::new(location(3), "missing key 'path' in [plugin:demo]");

        assert_eq!(
            error.to_string(),
            "/etc/caravan/caravan.ini:3: missing key 'path' in [plugin:demo]"
        );
    }

    #[test]
    fn error_display_with_hint() {
        let error = ConfigError::new(location(7), "unknown key 'taks_list' in [decider:main]")
            .with_hint("did you mean 'task_list'?");

        assert_eq!(
            error.to_string(),
            "/etc/caravan/caravan.ini:7: unknown key 'taks_list' in [decider:main]\n  hint: did you mean 'task_list'?"
        );
    }

    #[test]
    fn error_display_without_location() {
        let error = ConfigError::new(None, "invalid value '0' for 'pollers'");

        assert_eq!(error.to_string(), "invalid value '0' for 'pollers'");
    }

    #[test]
    fn errors_display_one_per_line() {
        let errors = ConfigErrors(vec![
            ConfigError::new(location(1), "first").with_hint("fix it"),
            ConfigError::new(location(2), "second"),
        ]);

        assert_eq!(
            errors.to_string(),
            "/etc/caravan/caravan.ini:1: first\n  hint: fix it\n/etc/caravan/caravan.ini:2: second"
        );
    }

    #[test]
    fn escape_control_characters() {
        let cases = [
            ("a\0b", "a\\0b"),
            ("a\tb", "a\\tb"),
            ("a\rb\nc", "a\\rb\\nc"),
            ("\u{1}\u{1b}[2J", "\\u{1}\\u{1b}[2J"),
            ("\u{7f}\u{85}\u{9f}", "\\u{7f}\\u{85}\\u{9f}"),
        ];

        for (text, escaped) in cases {
            assert_eq!(escape(text), escaped, "{text:?}");
        }
    }

    #[test]
    fn escape_keeps_printable_text() {
        let text = "ärger = naïve 日本 🚀 \\ 'x' \"y\" \u{a0}\u{a0}";

        assert_eq!(escape(text), text);
    }

    #[test]
    fn escape_cuts_long_text() {
        let exact = "é".repeat(MAX_QUOTED_CHARS);
        let longer = "é".repeat(MAX_QUOTED_CHARS + 1);

        assert_eq!(escape(&exact), exact);
        assert_eq!(escape(&longer), format!("{exact}…"));
    }

    #[test]
    fn escape_cuts_before_escaping() {
        let text = "\0".repeat(10_000);

        assert_eq!(escape(&text), format!("{}…", "\\0".repeat(MAX_QUOTED_CHARS)));
    }

    #[test]
    fn quote_adds_single_quotes() {
        assert_eq!(quote("a\nb"), "'a\\nb'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn sorted_keeps_order_within_a_line() {
        let errors = ConfigErrors::sorted(vec![
            ConfigError::new(location(9), "c"),
            ConfigError::new(location(2), "a"),
            ConfigError::new(location(9), "d"),
            ConfigError::new(location(2), "b"),
        ]);

        let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
        assert_eq!(messages, ["a", "b", "c", "d"]);
    }
}
