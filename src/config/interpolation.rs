//! `%(name)s` interpolation with the rules of Python 3's `configparser.BasicInterpolation`.
//!
//! A name is looked up in the requesting section, then in `[DEFAULT]`, also inside values that
//! come from `[DEFAULT]`. Expansion stops with an error at a loop or after
//! [`MAX_INTERPOLATION_DEPTH`] values. Unlike configparser, the built-in names `here` and
//! `__file__` are inserted literally, so a path that contains `%` is not expanded again.

use super::error::{ConfigError, escape, quote};
use super::ini::{DEFAULT_SECTION, Document, Entry, FILE, HERE, MAX_INTERPOLATION_DEPTH};
use super::values::describe_key;

/// Expands the `%(name)s` references and `%%` escapes in `entry`'s value, looking names up for
/// `section`.
pub(super) fn interpolate(document: &Document, section: &str, entry: &Entry) -> Result<String, ConfigError> {
    let mut expansion = Expansion {
        document,
        section,
        requested: entry,
        chain: vec![entry.key.clone()],
        output: String::new(),
    };

    expansion.expand(entry)?;
    Ok(expansion.output)
}

/// State of one [`interpolate`] call.
struct Expansion<'a> {
    document: &'a Document,
    section: &'a str,
    /// The entry whose value was requested, named in every error.
    requested: &'a Entry,
    /// Names of the values being expanded, outermost first, to detect loops.
    chain: Vec<String>,
    output: String,
}

impl Expansion<'_> {
    fn expand(&mut self, entry: &Entry) -> Result<(), ConfigError> {
        let mut rest = entry.value.as_str();

        while let Some(percent) = rest.find('%') {
            self.output.push_str(&rest[..percent]);
            rest = &rest[percent..];

            if let Some(after) = rest.strip_prefix("%%") {
                self.output.push('%');
                rest = after;
                continue;
            }

            let Some((name, after)) = split_reference(rest) else {
                return Err(self.syntax_error(entry, rest));
            };
            self.substitute(entry, &name.to_lowercase())?;
            rest = after;
        }

        self.output.push_str(rest);
        Ok(())
    }

    /// Appends the value of `name`, expanding the references in it.
    fn substitute(&mut self, entry: &Entry, name: &str) -> Result<(), ConfigError> {
        if let Some(builtin) = self.document.builtin(name) {
            let value = builtin.map_err(|error| self.locate(error, entry))?;
            self.output.push_str(&value);
            return Ok(());
        }

        let Some(target) = self.document.raw(self.section, name) else {
            return Err(self.missing_name_error(entry, name));
        };
        if !target.value.contains('%') {
            self.output.push_str(&target.value);
            return Ok(());
        }

        if self.chain.iter().any(|seen| seen == name) {
            return Err(self.depth_error(
                entry,
                name,
                "interpolation loop",
                "remove one of the references so that the chain ends",
            ));
        }
        if self.chain.len() >= MAX_INTERPOLATION_DEPTH {
            let message = format!("interpolation nested more than {MAX_INTERPOLATION_DEPTH} levels deep");
            return Err(self.depth_error(entry, name, &message, "reduce the number of nested %(name)s references"));
        }

        self.chain.push(name.to_string());
        self.expand(target)?;
        self.chain.pop();
        Ok(())
    }

    /// Names the value that contains the problem and, when it differs, the requested key that
    /// led to it through references.
    fn describe(&self, entry: &Entry) -> String {
        let requested = describe_key(&self.requested.key, Some(self.section));
        if std::ptr::eq(entry, self.requested) {
            format!("the value of {requested}")
        } else {
            format!("the value of {}, which {requested} uses", quote(&entry.key))
        }
    }

    fn locate(&self, mut error: ConfigError, entry: &Entry) -> ConfigError {
        error.location = Some(self.document.location(entry.line));
        error
    }

    fn syntax_error(&self, entry: &Entry, rest: &str) -> ConfigError {
        let message = format!(
            "invalid '%' in {}: expected '%%' or '%(name)s', found {}",
            self.describe(entry),
            quote(rest)
        );
        let error = ConfigError::new(None, message).with_hint("write '%%' for a literal '%'");
        self.locate(error, entry)
    }

    fn missing_name_error(&self, entry: &Entry, name: &str) -> ConfigError {
        let name = quote(name);
        let message = format!("interpolation name {name} not found in {}", self.describe(entry));
        let hint = format!(
            "define {name} in [{}] or in [{DEFAULT_SECTION}]. The built-in names are '{HERE}' and '{FILE}'.",
            escape(self.section)
        );
        self.locate(ConfigError::new(None, message).with_hint(hint), entry)
    }

    fn depth_error(&self, entry: &Entry, name: &str, problem: &str, hint: &str) -> ConfigError {
        let mut chain: Vec<String> = self.chain.iter().map(|seen| escape(seen)).collect();
        chain.push(escape(name));

        let message = format!("{problem} in {}: {}", self.describe(entry), chain.join(" -> "));
        self.locate(ConfigError::new(None, message).with_hint(hint), entry)
    }
}

/// Splits `%(name)s…` into the name and the text after the reference. The name is any non-empty
/// text without `)`, as in configparser.
fn split_reference(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix("%(")?;
    let close = inner.find(')')?;
    let name = &inner[..close];
    let after = inner[close + 1..].strip_prefix('s')?;

    if name.is_empty() {
        return None;
    }
    Some((name, after))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const PATH: &str = "/etc/caravan/caravan.ini";

    fn parse(text: &str) -> Document {
        match Document::parse(text, Path::new(PATH)) {
            Ok(document) => document,
            Err(errors) => panic!("unexpected errors: {errors:#?}"),
        }
    }

    fn get(document: &Document, section: &str, key: &str) -> String {
        match document.get(section, key) {
            Some(Ok(value)) => value,
            other => panic!("expected a value for {key} in [{section}], got {other:?}"),
        }
    }

    fn get_error(document: &Document, section: &str, key: &str) -> ConfigError {
        match document.get(section, key) {
            Some(Err(error)) => error,
            other => panic!("expected an error for {key} in [{section}], got {other:?}"),
        }
    }

    #[test]
    fn interpolate_here_and_file() {
        let document = parse("[s]\npath = %(here)s/plugins/libdemo.so\nsource = %(__file__)s\n");

        assert_eq!(get(&document, "s", "path"), "/etc/caravan/plugins/libdemo.so");
        assert_eq!(get(&document, "s", "source"), PATH);
    }

    #[test]
    fn interpolate_builtins_in_defaults() {
        let document = parse("[DEFAULT]\nlib = %(HERE)s/lib\n[s]\npath = %(lib)s/libdemo.so\n");

        assert_eq!(get(&document, DEFAULT_SECTION, "lib"), "/etc/caravan/lib");
        assert_eq!(get(&document, "s", "path"), "/etc/caravan/lib/libdemo.so");
    }

    #[test]
    fn interpolate_relative_path_made_absolute() {
        let document = Document::parse("[s]\nfile = %(__file__)s\n", Path::new("caravan.ini")).unwrap();

        let expected = std::env::current_dir().unwrap().join("caravan.ini");
        assert_eq!(get(&document, "s", "file"), expected.to_str().unwrap());
        assert_eq!(document.path(), expected);
    }

    #[test]
    fn interpolate_name_from_section() {
        let document = parse("[s]\nenv = prod\ntask_list = orders-%(ENV)s\n");

        assert_eq!(get(&document, "s", "task_list"), "orders-prod");
    }

    #[test]
    fn interpolate_name_from_defaults() {
        let document = parse("[DEFAULT]\nenv = prod\n[s]\ntask_list = orders-%(env)s\n");

        assert_eq!(get(&document, "s", "task_list"), "orders-prod");
    }

    #[test]
    fn interpolate_default_value_in_section_context() {
        let document = parse("[DEFAULT]\nenv = prod\ntask_list = orders-%(env)s\n[a]\n[b]\nenv = test\n");

        assert_eq!(get(&document, "a", "task_list"), "orders-prod");
        assert_eq!(get(&document, "b", "task_list"), "orders-test");
    }

    #[test]
    fn interpolate_percent_escape() {
        let document = parse("[s]\nrate = 100%%\nnested = %(rate)s done\n");

        assert_eq!(get(&document, "s", "rate"), "100%");
        assert_eq!(get(&document, "s", "nested"), "100% done");
    }

    #[test]
    fn interpolate_ten_levels() {
        let mut text = String::from("[s]\n");
        for level in 1..10 {
            text.push_str(&format!("k{level} = %(k{})s\n", level + 1));
        }
        text.push_str("k10 = end %%\n");
        let document = parse(&text);

        assert_eq!(get(&document, "s", "k1"), "end %");
    }

    #[test]
    fn interpolate_eleven_levels_too_deep() {
        let mut text = String::from("[s]\n");
        for level in 1..11 {
            text.push_str(&format!("k{level} = %(k{})s\n", level + 1));
        }
        text.push_str("k11 = end %%\n");
        let document = parse(&text);

        let error = get_error(&document, "s", "k1");
        assert!(error.message.contains("more than 10 levels"), "{}", error.message);
        assert_eq!(error.line(), 11);
    }

    #[test]
    fn interpolate_missing_name() {
        let document = parse("[s]\n\npath = %(plugin_dir)s/libdemo.so\n");

        let error = get_error(&document, "s", "path");
        assert_eq!(error.line(), 3);
        assert_eq!(
            error.message,
            "interpolation name 'plugin_dir' not found in the value of 'path' in [s]"
        );
        assert!(
            error
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("define 'plugin_dir' in [s]"),
            "{:?}",
            error.hint
        );
    }

    #[test]
    fn interpolate_missing_name_escaped() {
        let document = parse("[s]\npath = %(plugin\n  _dir)s/libdemo.so\n");

        let error = get_error(&document, "s", "path");
        assert_eq!(
            error.message,
            r"interpolation name 'plugin\n_dir' not found in the value of 'path' in [s]"
        );
        assert!(
            error
                .hint
                .as_deref()
                .unwrap_or("")
                .starts_with(r"define 'plugin\n_dir' in [s]"),
            "{:?}",
            error.hint
        );
    }

    #[test]
    fn interpolate_missing_name_in_default_value() {
        let document = parse("[DEFAULT]\nbase = %(root)s/lib\n[s]\npath = %(base)s/x.so\n");

        let error = get_error(&document, "s", "path");
        assert_eq!(error.line(), 2);
        assert_eq!(
            error.message,
            "interpolation name 'root' not found in the value of 'base', which 'path' in [s] uses"
        );
    }

    #[test]
    fn interpolate_invalid_percent() {
        let document = parse("[s]\nrate = 100%\nformat = %(name)d\nopen = %(name\n");

        for (key, line) in [("rate", 2), ("format", 3), ("open", 4)] {
            let error = get_error(&document, "s", key);
            assert_eq!(error.line(), line, "{key}");
            assert!(error.message.starts_with("invalid '%'"), "{key}: {}", error.message);
        }
    }

    #[test]
    fn interpolate_loop() {
        let document = parse("[s]\na = %(b)s\nb = x %(c)s\nc = %(A)s\n");

        let error = get_error(&document, "s", "a");
        assert_eq!(
            error.message,
            "interpolation loop in the value of 'c', which 'a' in [s] uses: a -> b -> c -> a"
        );
        assert_eq!(error.line(), 4);
    }

    #[test]
    fn interpolate_self_reference() {
        let document = parse("[s]\na = %(a)s\n");

        let error = get_error(&document, "s", "a");
        assert_eq!(error.message, "interpolation loop in the value of 'a' in [s]: a -> a");
    }

    #[test]
    fn interpolate_only_when_read() {
        let document = parse("[formatter_plain]\nformat = %(asctime)s %(message)s\n");

        assert_eq!(
            document.raw("formatter_plain", "format").unwrap().value,
            "%(asctime)s %(message)s"
        );
    }
}
