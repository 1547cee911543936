//! Stage 1: the INI document, with the syntax and interpolation of Python 3's configparser as
//! Paster uses it (`ConfigParser` with `BasicInterpolation` and `strict=True`).
//!
//! Differences from configparser, chosen for operators who edit the file by hand:
//! - A blank line always ends a value, so a continuation line cannot follow one.
//! - Section names are trimmed, and text after a header's closing `]` is an error.
//! - A repeated `[DEFAULT]` header is a duplicate section like any other.
//! - `here` and `__file__` are reserved, so a file cannot set them. Their values are used
//!   literally, even when the path contains `%`.
//! - configparser stops at the first duplicate or at a key before any section header, but this
//!   parser collects every syntax error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::{ConfigError, Location, escape, quote};
use super::interpolation;
use super::values::describe_key;

/// The section whose keys every other section inherits for lookup and interpolation.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// Maximum number of values, the requested one included, that one lookup may expand through
/// `%(name)s` references. Python's configparser uses the same limit.
pub const MAX_INTERPOLATION_DEPTH: usize = 10;

/// Built-in interpolation name for the folder that contains the config file.
pub const HERE: &str = "here";

/// Built-in interpolation name for the config file's absolute path.
pub const FILE: &str = "__file__";

/// One `key = value` line and its continuation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Key in lowercase, because keys are case-insensitive.
    pub key: String,
    /// Value before interpolation, with continuation lines joined by `\n`.
    pub value: String,
    /// Line of the key.
    pub line: u32,
}

/// A `[name]` section and the keys defined in it, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    name: String,
    line: u32,
    entries: Vec<Entry>,
    /// Index in `entries` of each key, so that lookups and the duplicate check do not scan the
    /// section, which would make parsing quadratic in the number of keys.
    positions: HashMap<String, usize>,
}

impl Section {
    fn new(name: &str, line: u32) -> Section {
        Section {
            name: name.to_string(),
            line,
            entries: Vec::new(),
            positions: HashMap::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Line of the section header.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// Keys defined in this section itself, with their lines, in file order. Keys inherited from
    /// `[DEFAULT]` are not included.
    pub fn own_keys(&self) -> impl Iterator<Item = (&str, u32)> {
        self.entries.iter().map(|entry| (entry.key.as_str(), entry.line))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Finds a key defined in this section itself, case-insensitively.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        let position = *self.positions.get(&key.to_lowercase())?;
        self.entries.get(position)
    }

    /// Appends `entry`, whose key must be in lowercase and not yet set in this section.
    fn push(&mut self, entry: Entry) {
        self.positions.insert(entry.key.clone(), self.entries.len());
        self.entries.push(entry);
    }
}

/// A parsed INI file: its sections in file order and the `[DEFAULT]` section.
#[derive(Debug, Clone)]
pub struct Document {
    path: PathBuf,
    defaults: Option<Section>,
    sections: Vec<Section>,
    /// Index in `sections` of each section name.
    positions: HashMap<String, usize>,
}

impl Document {
    /// Parses the text of the file at `path`, which is made absolute first. The path is used in
    /// error locations and for the built-in names `here` and `__file__`.
    ///
    /// Returns every syntax error in the text, in line order.
    pub fn parse(text: &str, path: &Path) -> Result<Document, Vec<ConfigError>> {
        let path = absolute_path(path).map_err(|error| vec![error])?;

        // Editors on Windows may save UTF-8 with a byte order mark, which is not part of the text.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);

        let mut parser = Parser::new(&path);
        for (index, line) in text.lines().enumerate() {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            parser.read_line(number, line);
        }

        let Parser {
            defaults,
            sections,
            positions,
            errors,
            ..
        } = parser;
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Document {
            path,
            defaults,
            sections,
            positions,
        })
    }

    /// Absolute path of the config file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Location of a line in this file, for errors.
    pub fn location(&self, line: u32) -> Location {
        Location {
            file: self.path.clone(),
            line,
        }
    }

    /// Sections in file order, without `[DEFAULT]`.
    pub fn sections(&self) -> impl Iterator<Item = &Section> {
        self.sections.iter()
    }

    /// Finds a section by its exact name. `[DEFAULT]` is only returned by [`Document::defaults`].
    pub fn section(&self, name: &str) -> Option<&Section> {
        let position = *self.positions.get(name)?;
        self.sections.get(position)
    }

    /// Returns the `[DEFAULT]` section, if the file has one.
    pub fn defaults(&self) -> Option<&Section> {
        self.defaults.as_ref()
    }

    /// Finds the raw value of `key` for `section`: the section's own key, else the one in
    /// `[DEFAULT]`. Returns `None` when the section does not exist or neither defines the key.
    pub fn raw(&self, section: &str, key: &str) -> Option<&Entry> {
        let from_defaults = || self.defaults.as_ref()?.entry(key);
        if section == DEFAULT_SECTION {
            return from_defaults();
        }

        self.section(section)?.entry(key).or_else(from_defaults)
    }

    /// Looks `key` up for `section` like [`Document::raw`] and interpolates its value. The
    /// built-in names `here` and `__file__` are found in every section.
    pub fn get(&self, section: &str, key: &str) -> Option<Result<String, ConfigError>> {
        let key = key.to_lowercase();
        if let Some(value) = self.builtin(&key) {
            return Some(value);
        }

        let entry = self.raw(section, &key)?;
        Some(self.interpolate(section, entry))
    }

    /// Expands the `%(name)s` references and `%%` escapes in `entry`'s value. Names are looked up
    /// for `section` like [`Document::raw`], also inside values that come from `[DEFAULT]`.
    pub fn interpolate(&self, section: &str, entry: &Entry) -> Result<String, ConfigError> {
        interpolation::interpolate(self, section, entry)
    }

    /// Value of a built-in name, or `None` when `name` is not one.
    pub(super) fn builtin(&self, name: &str) -> Option<Result<String, ConfigError>> {
        let path = match name {
            HERE => self.path.parent().unwrap_or(&self.path),
            FILE => &self.path,
            _ => return None,
        };

        let value = path.to_str().map(str::to_string).ok_or_else(|| {
            ConfigError::new(
                None,
                format!(
                    "cannot use %({name})s because the path '{}' is not valid UTF-8",
                    path.display()
                ),
            )
            .with_hint("move the config file to a path that is valid UTF-8")
        });
        Some(value)
    }
}

/// Makes `path` absolute against the working folder, without resolving symbolic links.
pub(super) fn absolute_path(path: &Path) -> Result<PathBuf, ConfigError> {
    std::path::absolute(path)
        .map_err(|error| ConfigError::new(None, format!("invalid config file path '{}': {error}", path.display())))
}

/// Section that receives the keys the parser reads.
enum Target {
    /// No section header seen yet.
    NoSection,
    Defaults,
    Section(usize),
    /// A section whose header was invalid or a duplicate. Its keys are still checked for errors.
    Discarded(Section),
}

/// The key whose value deeper-indented lines continue.
struct OpenValue {
    indent: usize,
    /// False for a rejected key, whose continuation lines are dropped with it.
    stored: bool,
}

struct Parser<'a> {
    path: &'a Path,
    defaults: Option<Section>,
    sections: Vec<Section>,
    /// Index in `sections` of each section name, for the duplicate check.
    positions: HashMap<String, usize>,
    target: Target,
    open_value: Option<OpenValue>,
    /// Whether the last blank line ended a value, for the hint on a continuation line after it.
    value_ended_by_blank_line: bool,
    errors: Vec<ConfigError>,
}

impl<'a> Parser<'a> {
    fn new(path: &'a Path) -> Parser<'a> {
        Parser {
            path,
            defaults: None,
            sections: Vec::new(),
            positions: HashMap::new(),
            target: Target::NoSection,
            open_value: None,
            value_ended_by_blank_line: false,
            errors: Vec::new(),
        }
    }

    fn read_line(&mut self, number: u32, line: &str) {
        let content = line.trim();

        // As in configparser, a comment line inside a multi-line value is skipped and does not
        // end the value.
        if content.starts_with('#') || content.starts_with(';') {
            return;
        }

        if content.is_empty() {
            self.value_ended_by_blank_line = self.open_value.take().is_some();
            return;
        }

        let indent = line.chars().take_while(|character| character.is_whitespace()).count();
        if let Some(open_value) = &self.open_value
            && indent > open_value.indent
        {
            if open_value.stored {
                self.continue_value(content);
            }
            return;
        }

        let follows_ended_value = std::mem::take(&mut self.value_ended_by_blank_line);
        self.open_value = None;

        if content.starts_with('[') {
            self.read_header(number, content);
        } else {
            self.read_key(number, content, indent, indent > 0 && follows_ended_value);
        }
    }

    fn continue_value(&mut self, content: &str) {
        if let Some(entry) = self.current_section().and_then(|section| section.entries.last_mut()) {
            entry.value.push('\n');
            entry.value.push_str(content);
        }
    }

    fn read_header(&mut self, number: u32, content: &str) {
        // Keys after an invalid header are still checked, but kept out of every real section.
        self.target = Target::Discarded(Section::new(content, number));

        let Some(close) = content.rfind(']') else {
            self.error(
                number,
                format!("unclosed '[' in section header {}", quote(content)),
                "end the header with ']', as in [caravan]",
            );
            return;
        };

        let trailing = content[close + 1..].trim();
        if !trailing.is_empty() {
            self.error(
                number,
                format!(
                    "unexpected text {} after section header {}",
                    quote(trailing),
                    quote(content)
                ),
                "put comments on a line of their own, starting with # or ;",
            );
            return;
        }

        let name = content[1..close].trim();
        if name.is_empty() {
            self.error(
                number,
                format!("missing section name in {}", quote(content)),
                "name the section, as in [caravan]",
            );
            return;
        }

        let first_line = if name == DEFAULT_SECTION {
            self.defaults.as_ref().map(Section::line)
        } else {
            self.positions
                .get(name)
                .and_then(|&position| self.sections.get(position))
                .map(Section::line)
        };
        if let Some(first_line) = first_line {
            self.error(
                number,
                format!(
                    "duplicate section [{}], already defined on line {first_line}",
                    escape(name)
                ),
                "merge the two sections or rename one of them",
            );
            self.target = Target::Discarded(Section::new(name, number));
            return;
        }

        if name == DEFAULT_SECTION {
            self.defaults = Some(Section::new(name, number));
            self.target = Target::Defaults;
        } else {
            self.positions.insert(name.to_string(), self.sections.len());
            self.sections.push(Section::new(name, number));
            self.target = Target::Section(self.sections.len() - 1);
        }
    }

    fn read_key(&mut self, number: u32, content: &str, indent: usize, follows_blank_line: bool) {
        let Some(delimiter) = content.find(['=', ':']) else {
            let hint = if follows_blank_line {
                "a continuation line must directly follow its key's line, so remove the blank line above it"
            } else {
                "write 'key = value', or start the line with # or ; to make it a comment"
            };
            self.error(
                number,
                format!(
                    "invalid line {}: expected [section], 'key = value' or a comment",
                    quote(content)
                ),
                hint,
            );
            return;
        };

        // Until the key is stored, its continuation lines are dropped with it.
        self.open_value = Some(OpenValue { indent, stored: false });

        if matches!(self.target, Target::NoSection) {
            self.error(
                number,
                format!("key line {} before any section header", quote(content)),
                "add a section header such as [caravan] above this line",
            );
            return;
        }

        let key = content[..delimiter].trim().to_lowercase();
        let value = content[delimiter + 1..].trim();
        if key.is_empty() {
            self.error(
                number,
                format!("missing key name in {}", quote(content)),
                "write the line as 'key = value'",
            );
            return;
        }

        if let Some(meaning) = reserved_meaning(&key) {
            self.error(
                number,
                format!("key {} is reserved", quote(&key)),
                format!("%({key})s is always {meaning}, so choose another name"),
            );
            return;
        }

        let Some(section) = self.current_section() else {
            return;
        };
        if let Some(first) = section.entry(&key) {
            let message = format!(
                "duplicate key {}, already set on line {}",
                describe_key(&key, Some(&section.name)),
                first.line
            );
            self.error(number, message, "remove one of the two lines");
            return;
        }

        section.push(Entry {
            key,
            value: value.to_string(),
            line: number,
        });
        self.open_value = Some(OpenValue { indent, stored: true });
    }

    fn current_section(&mut self) -> Option<&mut Section> {
        match &mut self.target {
            Target::NoSection => None,
            Target::Defaults => self.defaults.as_mut(),
            Target::Section(index) => self.sections.get_mut(*index),
            Target::Discarded(section) => Some(section),
        }
    }

    fn error(&mut self, line: u32, message: String, hint: impl Into<String>) {
        let location = Location {
            file: self.path.to_path_buf(),
            line,
        };
        self.errors
            .push(ConfigError::new(Some(location), message).with_hint(hint));
    }
}

fn reserved_meaning(key: &str) -> Option<&'static str> {
    match key {
        HERE => Some("the folder that contains this file"),
        FILE => Some("the path of this file"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "/etc/caravan/caravan.ini";

    fn parse(text: &str) -> Document {
        match Document::parse(text, Path::new(PATH)) {
            Ok(document) => document,
            Err(errors) => panic!("unexpected errors: {errors:#?}"),
        }
    }

    fn parse_errors(text: &str) -> Vec<ConfigError> {
        match Document::parse(text, Path::new(PATH)) {
            Ok(document) => panic!("expected errors, parsed {document:#?}"),
            Err(errors) => errors,
        }
    }

    fn get(document: &Document, section: &str, key: &str) -> String {
        match document.get(section, key) {
            Some(Ok(value)) => value,
            other => panic!("expected a value for {key} in [{section}], got {other:?}"),
        }
    }

    fn lines(errors: &[ConfigError]) -> Vec<u32> {
        errors.iter().map(ConfigError::line).collect()
    }

    #[test]
    fn sections_in_file_order() {
        let document = parse("[b]\nx = 1\n[DEFAULT]\ny = 2\n[a]\n");

        let sections: Vec<(&str, u32)> = document
            .sections()
            .map(|section| (section.name(), section.line()))
            .collect();
        assert_eq!(sections, [("b", 1), ("a", 5)]);
        assert_eq!(document.defaults().map(Section::line), Some(3));
    }

    #[test]
    fn section_names_trimmed_and_case_sensitive() {
        let document = parse("[ caravan ]\n[Caravan]\n");

        assert!(document.section("caravan").is_some());
        assert!(document.section("Caravan").is_some());
        assert_eq!(document.sections().count(), 2);
    }

    #[test]
    fn keys_and_values_trimmed() {
        let document = parse("[s]\n  key   =   some value  \n");

        assert_eq!(get(&document, "s", "key"), "some value");
    }

    #[test]
    fn keys_case_insensitive() {
        let document = parse("[s]\nTask_List = orders\n");

        assert_eq!(
            document.section("s").unwrap().own_keys().collect::<Vec<_>>(),
            [("task_list", 2)]
        );
        assert_eq!(get(&document, "s", "TASK_LIST"), "orders");
        assert_eq!(get(&document, "s", "task_list"), "orders");
    }

    #[test]
    fn colon_delimiter() {
        let document = parse("[s]\nkey: value\n");

        assert_eq!(get(&document, "s", "key"), "value");
    }

    #[test]
    fn first_delimiter_wins() {
        let document = parse("[s]\na = b: c\nd: e = f\n");

        assert_eq!(get(&document, "s", "a"), "b: c");
        assert_eq!(get(&document, "s", "d"), "e = f");
    }

    #[test]
    fn empty_value_allowed() {
        let document = parse("[s]\nkey =\n");

        assert_eq!(get(&document, "s", "key"), "");
    }

    #[test]
    fn continuation_lines_joined() {
        let document = parse("[s]\nplugins = a\n    b,\n\tc\nnext = 1\n");

        assert_eq!(get(&document, "s", "plugins"), "a\nb,\nc");
        assert_eq!(get(&document, "s", "next"), "1");
    }

    #[test]
    fn continuation_of_indented_key() {
        let document = parse("[s]\n  a = 1\n  b = 2\n    more\n");

        assert_eq!(get(&document, "s", "a"), "1");
        assert_eq!(get(&document, "s", "b"), "2\nmore");
    }

    #[test]
    fn continuation_skips_comment_lines() {
        let document = parse("[s]\nplugins = a\n# b is disabled\n  c\n");

        assert_eq!(get(&document, "s", "plugins"), "a\nc");
    }

    #[test]
    fn blank_line_ends_value() {
        let errors = parse_errors("[s]\nplugins = a\n\n  b\n");

        assert_eq!(lines(&errors), [4]);
        assert!(errors[0].message.contains("invalid line 'b'"), "{}", errors[0].message);
        assert!(
            errors[0]
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("remove the blank line"),
            "{:?}",
            errors[0].hint
        );
    }

    #[test]
    fn comments_hash_and_semicolon() {
        let document = parse("# top\n; top\n[s]\n# a = 1\n  ; b = 2\nc = 3\n");

        let keys: Vec<(&str, u32)> = document.section("s").unwrap().own_keys().collect();
        assert_eq!(keys, [("c", 6)]);
    }

    #[test]
    fn hash_inside_value_kept() {
        let document = parse("[s]\ncolor = #ff0000 ; red\n");

        assert_eq!(get(&document, "s", "color"), "#ff0000 ; red");
    }

    #[test]
    fn crlf_and_byte_order_mark() {
        let document = parse("\u{feff}[s]\r\nkey = value\r\n  more\r\n");

        assert_eq!(get(&document, "s", "key"), "value\nmore");
    }

    #[test]
    fn defaults_visible_not_own() {
        let document = parse("[DEFAULT]\ndomain = prod\n[s]\ntask_list = orders\n");

        assert_eq!(get(&document, "s", "domain"), "prod");
        let keys: Vec<(&str, u32)> = document.section("s").unwrap().own_keys().collect();
        assert_eq!(keys, [("task_list", 4)]);
    }

    #[test]
    fn section_key_overrides_default() {
        let document = parse("[DEFAULT]\ndomain = prod\n[s]\ndomain = test\n");

        assert_eq!(get(&document, "s", "domain"), "test");
        assert_eq!(get(&document, DEFAULT_SECTION, "domain"), "prod");
    }

    #[test]
    fn get_missing_key_or_section() {
        let document = parse("[s]\na = 1\n");

        assert!(document.get("s", "b").is_none());
        assert!(document.get("other", "a").is_none());
        assert!(document.get(DEFAULT_SECTION, "a").is_none());
    }

    #[test]
    fn raw_keeps_references() {
        let document = parse("[s]\npath = %(here)s/lib\n");

        let entry = document.raw("s", "PATH").unwrap();
        assert_eq!(entry.value, "%(here)s/lib");
        assert_eq!(entry.line, 2);
    }

    #[test]
    fn error_key_before_section() {
        let errors = parse_errors("# comment\n\nregion = us-east-1\n[caravan]\n");

        assert_eq!(lines(&errors), [3]);
        assert_eq!(
            errors[0].message,
            "key line 'region = us-east-1' before any section header"
        );
    }

    #[test]
    fn error_key_before_section_drops_continuation() {
        let errors = parse_errors("plugins = a\n    b\n[s]\n");

        assert_eq!(lines(&errors), [1]);
    }

    #[test]
    fn error_line_without_delimiter() {
        let errors = parse_errors("[caravan]\nregion us-east-1\n");

        assert_eq!(lines(&errors), [2]);
        assert!(
            errors[0].message.starts_with("invalid line 'region us-east-1'"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn error_unclosed_bracket() {
        let errors = parse_errors("[caravan]\n[plugin:demo\npath = x\n");

        assert_eq!(lines(&errors), [2]);
        assert_eq!(errors[0].message, "unclosed '[' in section header '[plugin:demo'");
    }

    #[test]
    fn error_text_after_header() {
        let errors = parse_errors("[caravan] # main\n");

        assert_eq!(lines(&errors), [1]);
        assert_eq!(
            errors[0].message,
            "unexpected text '# main' after section header '[caravan] # main'"
        );
    }

    #[test]
    fn error_empty_section_name() {
        let errors = parse_errors("[ ]\n");

        assert_eq!(lines(&errors), [1]);
        assert_eq!(errors[0].message, "missing section name in '[ ]'");
    }

    #[test]
    fn error_empty_key() {
        let errors = parse_errors("[s]\n = value\n");

        assert_eq!(lines(&errors), [2]);
        assert_eq!(errors[0].message, "missing key name in '= value'");
    }

    #[test]
    fn error_duplicate_section() {
        let errors = parse_errors("[s]\na = 1\n[t]\n[s]\nb = 2\n");

        assert_eq!(lines(&errors), [4]);
        assert_eq!(errors[0].message, "duplicate section [s], already defined on line 1");
    }

    #[test]
    fn error_duplicate_default_section() {
        let errors = parse_errors("[DEFAULT]\n[DEFAULT]\n");

        assert_eq!(lines(&errors), [2]);
        assert_eq!(
            errors[0].message,
            "duplicate section [DEFAULT], already defined on line 1"
        );
    }

    #[test]
    fn error_duplicate_key() {
        let errors = parse_errors("[s]\nDomain = a\n  more\ndomain = b\n  more\n");

        assert_eq!(lines(&errors), [4]);
        assert_eq!(
            errors[0].message,
            "duplicate key 'domain' in [s], already set on line 2"
        );
    }

    #[test]
    fn error_duplicate_key_in_duplicate_section() {
        let errors = parse_errors("[s]\n[s]\na = 1\na = 2\n");

        assert_eq!(lines(&errors), [2, 4]);
    }

    #[test]
    fn error_reserved_keys() {
        let errors = parse_errors("[DEFAULT]\nhere = /opt\n[s]\n__FILE__ = x\n");

        assert_eq!(lines(&errors), [2, 4]);
        assert_eq!(errors[0].message, "key 'here' is reserved");
        assert_eq!(errors[1].message, "key '__file__' is reserved");
    }

    #[test]
    fn error_cr_only_line_endings_escaped() {
        let errors = parse_errors("[caravan]\rregion = x\r[plugin:demo]\rpath = /x");

        assert_eq!(lines(&errors), [1]);
        assert_eq!(
            errors[0].message,
            r"unexpected text 'path = /x' after section header '[caravan]\rregion = x\r[plugin:demo]\rpath = /x'"
        );
        assert!(!errors[0].to_string().contains('\r'), "{:?}", errors[0].to_string());
    }

    #[test]
    fn error_nul_in_unclosed_header_escaped() {
        let errors = parse_errors("[cara\0van\n");

        assert_eq!(lines(&errors), [1]);
        assert_eq!(errors[0].message, r"unclosed '[' in section header '[cara\0van'");
    }

    #[test]
    fn error_duplicate_section_name_escaped() {
        let errors = parse_errors("[a\u{1b}[2J]\n[a\u{1b}[2J]\n");

        assert_eq!(lines(&errors), [2]);
        assert_eq!(
            errors[0].message,
            r"duplicate section [a\u{1b}[2J], already defined on line 1"
        );
    }

    #[test]
    fn error_long_line_cut() {
        let long_line = "x".repeat(10_000);
        let errors = parse_errors(&format!("[caravan]\n{long_line}\n"));

        assert_eq!(lines(&errors), [2]);
        assert_eq!(
            errors[0].message,
            format!(
                "invalid line '{}…': expected [section], 'key = value' or a comment",
                "x".repeat(80)
            )
        );
    }

    #[test]
    fn error_long_header_cut_in_both_quotes() {
        let name = "n".repeat(10_000);
        let errors = parse_errors(&format!("[{name}] {name}\n"));

        let quoted_header = format!("'[{}…'", "n".repeat(79));
        let quoted_trailing = format!("'{}…'", "n".repeat(80));
        assert_eq!(
            errors[0].message,
            format!("unexpected text {quoted_trailing} after section header {quoted_header}")
        );
    }

    #[test]
    fn duplicate_key_after_many_keys() {
        let key_count = 50_000;
        let mut text = String::from("[s]\n");
        for number in 0..key_count {
            text.push_str(&format!("key_{number} = {number}\n"));
        }
        text.push_str("KEY_0 = again\n");

        let errors = parse_errors(&text);

        assert_eq!(lines(&errors), [50_002]);
        assert_eq!(errors[0].message, "duplicate key 'key_0' in [s], already set on line 2");
    }

    #[test]
    fn errors_all_reported_in_order() {
        let text = "\
oops = 1
[caravan]
region us-east-1
[plugin:demo
path = x
[decider:a]
= value
domain = a
domain = b
[decider:a]
";
        let errors = parse_errors(text);

        assert_eq!(lines(&errors), [1, 3, 4, 7, 9, 10]);
    }
}
