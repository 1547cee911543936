//! Reads the keys of one section, converting values and recording every error in a shared list.

use super::error::ConfigError;
use super::ini::{Document, Section};
use super::values::{Invalid, closest, describe_key};

/// The result of looking a key up for reading.
pub(super) enum Lookup {
    /// Neither the section nor `[DEFAULT]` sets the key.
    Absent,
    /// The key is set to an empty value, on this line, which counts as not set.
    Empty(u32),
    /// The interpolated value and the line that sets it.
    Set(String, u32),
    /// Interpolation failed and the error is recorded.
    Failed,
}

/// Reads the keys of one section, recording every error in the shared list.
pub(super) struct Reader<'a> {
    pub(super) document: &'a Document,
    pub(super) section: &'a Section,
    pub(super) errors: &'a mut Vec<ConfigError>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(document: &'a Document, section: &'a Section, errors: &'a mut Vec<ConfigError>) -> Reader<'a> {
        Reader {
            document,
            section,
            errors,
        }
    }

    /// Records an error for each of the section's own keys that is not in `allowed`. Keys that
    /// come from `[DEFAULT]` are not checked, because every section inherits them.
    pub(super) fn check_keys(&mut self, allowed: &[&str], shape: &str) {
        for (key, line) in self.section.own_keys() {
            if allowed.contains(&key) {
                continue;
            }

            let hint = match closest(key, allowed) {
                Some(known) => format!("did you mean '{known}'?"),
                None => format!("the keys of {shape} are: {}", allowed.join(", ")),
            };
            let message = format!("unknown key {}", describe_key(key, Some(self.section.name())));
            let location = Some(self.document.location(line));
            self.errors.push(ConfigError::new(location, message).with_hint(hint));
        }
    }

    pub(super) fn lookup(&mut self, key: &str) -> Lookup {
        let Some(entry) = self.document.raw(self.section.name(), key) else {
            return Lookup::Absent;
        };

        match self.document.interpolate(self.section.name(), entry) {
            Ok(text) if text.is_empty() => Lookup::Empty(entry.line),
            Ok(text) => Lookup::Set(text, entry.line),
            Err(error) => {
                self.errors.push(error);
                Lookup::Failed
            }
        }
    }

    /// Reads and converts an optional one-line value. Returns `None` when the key is not set or
    /// its value is invalid, which records an error.
    pub(super) fn optional<T>(&mut self, key: &str, convert: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
        match self.lookup(key) {
            Lookup::Set(text, line) => self.convert_one_line(key, &text, line, convert),
            Lookup::Absent | Lookup::Empty(_) | Lookup::Failed => None,
        }
    }

    /// Reads and converts a required one-line value, recording an error when it is missing.
    pub(super) fn required<T>(
        &mut self,
        key: &str,
        hint: &str,
        convert: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        let (text, line) = self.required_text(key, hint)?;
        self.convert_one_line(key, &text, line, convert)
    }

    /// Reads a required value, which may span several lines, and the line that sets it.
    pub(super) fn required_text(&mut self, key: &str, hint: &str) -> Option<(String, u32)> {
        match self.lookup(key) {
            Lookup::Set(text, line) => Some((text, line)),
            Lookup::Absent => {
                let message = format!("missing key {}", describe_key(key, Some(self.section.name())));
                let location = Some(self.document.location(self.section.line()));
                self.errors.push(ConfigError::new(location, message).with_hint(hint));
                None
            }
            Lookup::Empty(line) => {
                self.push_missing_value(key, line, hint);
                None
            }
            Lookup::Failed => None,
        }
    }

    pub(super) fn push_missing_value(&mut self, key: &str, line: u32, hint: &str) {
        let message = format!("missing value for {}", describe_key(key, Some(self.section.name())));
        let location = Some(self.document.location(line));
        self.errors.push(ConfigError::new(location, message).with_hint(hint));
    }

    pub(super) fn convert_one_line<T>(
        &mut self,
        key: &str,
        text: &str,
        line: u32,
        convert: impl FnOnce(&str) -> Result<T, Invalid>,
    ) -> Option<T> {
        let result = if text.contains('\n') {
            Err(Invalid::new("the value spans several lines")
                .with_hint("lines indented deeper than the key continue its value, so remove the indentation of the lines below it"))
        } else {
            convert(text)
        };

        match result {
            Ok(value) => Some(value),
            Err(invalid) => {
                let location = Some(self.document.location(line));
                let error = invalid.into_error(key, Some(self.section.name()), text, location);
                self.errors.push(error);
                None
            }
        }
    }
}
