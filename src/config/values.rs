//! Checks and conversions of single values, shared by the config file and command-line flags.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::error::{ConfigError, Location, escape, quote};

/// SWF's maximum length of a domain, task list or worker identity, in characters.
pub const MAX_SWF_NAME_CHARS: usize = 256;

/// Python configparser's boolean words, matched case-insensitively.
const TRUE_WORDS: [&str; 4] = ["true", "yes", "on", "1"];
const FALSE_WORDS: [&str; 4] = ["false", "no", "off", "0"];

/// Minimum strsim Jaro-Winkler similarity for a did-you-mean suggestion.
const MIN_SIMILARITY: f64 = 0.8;

/// Reason and hint for an invalid value, not yet tied to a key or a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Description of the problem and of the allowed values, as in "expected a whole number from 1 to 100".
    pub reason: String,
    pub hint: Option<String>,
}

impl Invalid {
    pub fn new(reason: impl Into<String>) -> Invalid {
        Invalid {
            reason: reason.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Invalid {
        self.hint = Some(hint.into());
        self
    }

    /// Builds the error for `value` of `key`, which is in `section` when it came from the file.
    pub fn into_error(self, key: &str, section: Option<&str>, value: &str, location: Option<Location>) -> ConfigError {
        let message = format!(
            "invalid value {} for {}: {}",
            quote(value),
            describe_key(key, section),
            self.reason
        );
        ConfigError {
            location,
            message,
            hint: self.hint,
        }
    }
}

/// Names a key for messages: `'key' in [section]`, or `'key'` for a command-line value. Both
/// names are escaped like any other text from the file.
pub fn describe_key(key: &str, section: Option<&str>) -> String {
    match section {
        Some(section) => format!("{} in [{}]", quote(key), escape(section)),
        None => quote(key),
    }
}

/// Parses a boolean the way Python's configparser does, case-insensitively.
pub fn parse_bool(text: &str) -> Result<bool, Invalid> {
    let word = text.to_lowercase();
    if TRUE_WORDS.contains(&word.as_str()) {
        return Ok(true);
    }
    if FALSE_WORDS.contains(&word.as_str()) {
        return Ok(false);
    }

    Err(Invalid::new(format!(
        "expected {} for true, or {} for false",
        TRUE_WORDS.join(", "),
        FALSE_WORDS.join(", ")
    )))
}

/// Parses a decimal whole number within `range`. Signs, spaces and underscores are rejected.
pub fn parse_integer<T>(text: &str, range: &RangeInclusive<T>) -> Result<T, Invalid>
where
    T: FromStr + PartialOrd + Display,
{
    let allowed = format!("from {} to {}", range.start(), range.end());
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(Invalid::new(format!("expected a whole number {allowed}")));
    }

    // With only digits, parsing fails only when the number does not fit the type.
    match text.parse::<T>() {
        Ok(number) if range.contains(&number) => Ok(number),
        _ => Err(Invalid::new(format!("out of range, must be {allowed}"))),
    }
}

/// Parses a decimal number such as `0.05` within `range`.
pub fn parse_decimal(text: &str, range: &RangeInclusive<f64>) -> Result<f64, Invalid> {
    let allowed = format!("from {} to {}", range.start(), range.end());
    let is_decimal = !text.is_empty()
        && text.bytes().all(|byte| byte.is_ascii_digit() || byte == b'.')
        && text.bytes().any(|byte| byte.is_ascii_digit());

    match text.parse::<f64>() {
        Ok(number) if is_decimal && range.contains(&number) => Ok(number),
        Ok(_) if is_decimal => Err(Invalid::new(format!("out of range, must be {allowed}"))),
        _ => Err(Invalid::new(format!(
            "expected a decimal number {allowed}, such as 0.05"
        ))),
    }
}

/// Checks a number that came typed from a command-line flag.
pub fn check_range<T: PartialOrd + Display>(number: T, range: &RangeInclusive<T>) -> Result<(), Invalid> {
    if range.contains(&number) {
        return Ok(());
    }
    Err(Invalid::new(format!(
        "out of range, must be from {} to {}",
        range.start(),
        range.end()
    )))
}

/// Checks SWF's rule for domain and task list names.
pub fn check_swf_name(name: &str) -> Result<(), Invalid> {
    let length = name.chars().count();
    if length == 0 || length > MAX_SWF_NAME_CHARS {
        return Err(Invalid::new(format!(
            "must be 1 to {MAX_SWF_NAME_CHARS} characters long, found {length}"
        )));
    }

    if name.trim() != name {
        return Err(Invalid::new("must not start or end with whitespace"));
    }

    if let Some(character) = name.chars().find(|character| matches!(character, ':' | '/' | '|')) {
        return Err(Invalid::new(format!("must not contain '{character}'"))
            .with_hint("SWF names may not contain ':', '/' or '|'"));
    }

    // SWF's control characters are U+0000-U+001F and U+007F-U+009F, which is Unicode's Cc.
    if let Some(character) = name.chars().find(|character| character.is_control()) {
        return Err(Invalid::new(format!(
            "must not contain the control character U+{:04X}",
            u32::from(character)
        )));
    }

    if name == "arn" {
        return Err(Invalid::new("must not be the literal 'arn'"));
    }
    Ok(())
}

/// Checks the shape of an AWS region name such as `us-east-1`, without a list of regions, so that
/// new regions need no update.
pub fn check_region(region: &str) -> Result<(), Invalid> {
    let valid = !region.is_empty()
        && region
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if valid {
        return Ok(());
    }
    Err(Invalid::new(
        "expected an AWS region name of lowercase letters, digits and hyphens, such as us-east-1",
    ))
}

/// Checks an AWS shared-config profile name, which may contain any printable character.
pub fn check_profile(profile: &str) -> Result<(), Invalid> {
    if profile.is_empty() {
        return Err(Invalid::new("must not be empty"));
    }
    if profile.chars().any(char::is_control) {
        return Err(Invalid::new("must not contain control characters"));
    }
    Ok(())
}

/// Checks a worker identity against SWF's length limit.
pub fn check_identity(identity: &str) -> Result<(), Invalid> {
    let length = identity.chars().count();
    if (1..=MAX_SWF_NAME_CHARS).contains(&length) {
        return Ok(());
    }
    Err(Invalid::new(format!(
        "must be 1 to {MAX_SWF_NAME_CHARS} characters long, found {length}"
    )))
}

/// Reads the address of the local endpoint, such as `127.0.0.1:8577` or `[::1]:8577`. Port 0 is
/// rejected: the endpoint would listen on a port that the command-line tools cannot know.
pub fn parse_socket_address(text: &str) -> Result<std::net::SocketAddr, Invalid> {
    let address: std::net::SocketAddr = text.parse().map_err(|_| {
        Invalid::new("expected an IP address and a port, such as 127.0.0.1:8577")
            .with_hint("use 127.0.0.1 to accept connections from this machine only")
    })?;
    if address.port() == 0 {
        return Err(
            Invalid::new("port 0 is not allowed, because the command-line tools could not find the endpoint")
                .with_hint("choose a fixed port, such as 127.0.0.1:8577"),
        );
    }
    Ok(address)
}

/// Checks that an endpoint is an `http://` or `https://` URL with a host and, if given, a port.
pub fn check_endpoint_url(url: &str) -> Result<(), Invalid> {
    let example = "use a URL such as https://swf.us-east-1.amazonaws.com or http://localhost:8080";
    if url.is_empty() {
        return Err(Invalid::new("must not be empty").with_hint(example));
    }

    let scheme_length = ["http://", "https://"]
        .iter()
        .find(|scheme| {
            url.get(..scheme.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(scheme))
        })
        .map(|scheme| scheme.len());
    let Some(scheme_length) = scheme_length else {
        return Err(Invalid::new("expected a URL that starts with http:// or https://").with_hint(example));
    };

    if url
        .chars()
        .any(|character| character.is_whitespace() || character.is_control())
    {
        return Err(Invalid::new("must not contain whitespace or control characters"));
    }

    let rest = &url[scheme_length..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_and_port = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = split_host_port(host_and_port);
    if host.is_empty() {
        return Err(Invalid::new("missing host").with_hint(example));
    }

    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(Invalid::new(format!(
            "invalid port {}, expected a number from 0 to 65535",
            quote(port)
        )));
    }
    Ok(())
}

/// Splits `host:port`, where the host may be an IPv6 address in brackets.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(close) => {
                let port = authority[close + 1..].strip_prefix(':');
                (&authority[..=close], port)
            }
            None => ("", None),
        };
    }

    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

/// Resolves a plugin library path. A relative path is taken relative to `base`, the config file's
/// folder or the working folder for a command-line flag.
pub fn resolve_plugin_path(path: &Path, base: &Path) -> Result<PathBuf, Invalid> {
    if path.starts_with("~") {
        return Err(Invalid::new("'~' is not expanded to the home folder")
            .with_hint("write the full path, or a path relative to the config file's folder using %(here)s"));
    }

    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    Ok(base.join(path))
}

/// Splits a `plugins` value into names. Names are separated by whitespace, newlines and commas.
pub fn split_plugin_list(text: &str) -> Vec<&str> {
    text.split(|character: char| character == ',' || character.is_whitespace())
        .filter(|name| !name.is_empty())
        .collect()
}

/// Finds the candidate that `word` was most likely meant to be, for a did-you-mean hint.
///
/// A candidate matches when it equals `word` ignoring case, when `word` is one of its
/// `_`-separated parts (`timeout` for `shutdown_timeout_secs`), or when it is similar enough.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();

    let same_but_case = candidates.iter().find(|candidate| candidate.to_lowercase() == word);
    if let Some(candidate) = same_but_case {
        return Some(candidate);
    }

    let contains_word = candidates
        .iter()
        .find(|candidate| candidate.split('_').any(|part| part == word));
    if let Some(candidate) = contains_word {
        return Some(candidate);
    }

    candidates
        .iter()
        .map(|candidate| (*candidate, strsim::jaro_winkler(&word, &candidate.to_lowercase())))
        .filter(|(_, similarity)| *similarity >= MIN_SIMILARITY)
        .max_by(|left, right| left.1.total_cmp(&right.1))
        .map(|(candidate, _)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bool_accepts_python_words() {
        for word in ["1", "yes", "TRUE", "On"] {
            assert_eq!(parse_bool(word), Ok(true), "{word}");
        }
        for word in ["0", "No", "false", "OFF"] {
            assert_eq!(parse_bool(word), Ok(false), "{word}");
        }
    }

    #[test]
    fn bool_rejects_other_words() {
        let invalid = parse_bool("enabled").unwrap_err();

        assert_eq!(
            invalid.reason,
            "expected true, yes, on, 1 for true, or false, no, off, 0 for false"
        );
    }

    #[test]
    fn integer_in_range() {
        assert_eq!(parse_integer("1", &(1..=100u32)), Ok(1));
        assert_eq!(parse_integer("100", &(1..=100u32)), Ok(100));
        assert_eq!(parse_integer("0075", &(1..=3600u64)), Ok(75));
    }

    #[test]
    fn integer_not_a_number() {
        for text in ["", "-1", "+1", "1.5", "1_000", "ten", "1 0"] {
            let invalid = parse_integer(text, &(1..=100u32)).unwrap_err();
            assert_eq!(invalid.reason, "expected a whole number from 1 to 100", "{text}");
        }
    }

    #[test]
    fn integer_out_of_range() {
        for text in ["0", "101", "99999999999999999999999"] {
            let invalid = parse_integer(text, &(1..=100u32)).unwrap_err();
            assert_eq!(invalid.reason, "out of range, must be from 1 to 100", "{text}");
        }
    }

    #[test]
    fn decimal_in_range() {
        assert_eq!(parse_decimal("0.05", &(0.0..=1.0)), Ok(0.05));
        assert_eq!(parse_decimal("1", &(0.0..=1.0)), Ok(1.0));
        assert_eq!(parse_decimal(".5", &(0.0..=1.0)), Ok(0.5));
    }

    #[test]
    fn decimal_out_of_range() {
        let error = parse_decimal("1.5", &(0.0..=1.0)).expect_err("over 1");

        assert_eq!(error.reason, "out of range, must be from 0 to 1");
    }

    #[test]
    fn decimal_not_a_number() {
        for text in ["", ".", "-0.1", "1e-2", "nan", "inf", "5%", "0..1"] {
            let error = parse_decimal(text, &(0.0..=1.0)).expect_err(text);

            assert_eq!(
                error.reason, "expected a decimal number from 0 to 1, such as 0.05",
                "{text}"
            );
        }
    }

    #[test]
    fn swf_name_valid() {
        let longest = "n".repeat(256);
        for name in ["orders", "Orders 2", "a", "ärn", "arn-prod", longest.as_str()] {
            assert_eq!(check_swf_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn swf_name_invalid() {
        let too_long = "n".repeat(257);
        let cases = [
            ("", "must be 1 to 256 characters long, found 0"),
            (too_long.as_str(), "must be 1 to 256 characters long, found 257"),
            (" orders", "must not start or end with whitespace"),
            ("orders\t", "must not start or end with whitespace"),
            ("a:b", "must not contain ':'"),
            ("a/b", "must not contain '/'"),
            ("a|b", "must not contain '|'"),
            ("a\u{0}b", "must not contain the control character U+0000"),
            ("a\nb", "must not contain the control character U+000A"),
            ("a\u{7f}b", "must not contain the control character U+007F"),
            ("a\u{9f}b", "must not contain the control character U+009F"),
            ("arn", "must not be the literal 'arn'"),
        ];

        for (name, reason) in cases {
            assert_eq!(
                check_swf_name(name).map_err(|invalid| invalid.reason),
                Err(reason.to_string()),
                "{name:?}"
            );
        }
    }

    #[test]
    fn region_shape() {
        assert_eq!(check_region("us-east-1"), Ok(()));
        assert!(check_region("US-EAST-1").is_err());
        assert!(check_region("us east 1").is_err());
        assert!(check_region("").is_err());
    }

    #[test]
    fn identity_length() {
        assert_eq!(check_identity(&"é".repeat(256)), Ok(()));
        assert!(check_identity(&"é".repeat(257)).is_err());
        assert!(check_identity("").is_err());
    }

    #[test]
    fn endpoint_url_valid() {
        let urls = [
            "https://swf.us-east-1.amazonaws.com",
            "HTTP://localhost:8080/",
            "http://127.0.0.1:9000/path?query",
            "http://[::1]:8080",
            "http://user@localhost",
        ];
        for url in urls {
            assert_eq!(check_endpoint_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn endpoint_url_invalid() {
        let cases = [
            (
                "swf.us-east-1.amazonaws.com",
                "expected a URL that starts with http:// or https://",
            ),
            ("ftp://localhost", "expected a URL that starts with http:// or https://"),
            ("http://", "missing host"),
            ("http://:8080", "missing host"),
            ("http:///path", "missing host"),
            (
                "http://localhost:80a",
                "invalid port '80a', expected a number from 0 to 65535",
            ),
            (
                "http://localhost:",
                "invalid port '', expected a number from 0 to 65535",
            ),
            ("http://local host", "must not contain whitespace or control characters"),
        ];

        for (url, reason) in cases {
            assert_eq!(
                check_endpoint_url(url).map_err(|invalid| invalid.reason),
                Err(reason.to_string()),
                "{url}"
            );
        }
    }

    #[test]
    fn plugin_path_relative_and_absolute() {
        let base = Path::new("/etc/caravan");

        let resolve = |text: &str| resolve_plugin_path(Path::new(text), base);

        assert_eq!(
            resolve("lib/libdemo.so"),
            Ok(PathBuf::from("/etc/caravan/lib/libdemo.so"))
        );
        assert_eq!(resolve("/opt/libdemo.so"), Ok(PathBuf::from("/opt/libdemo.so")));
        assert_eq!(
            resolve("~demo/libdemo.so"),
            Ok(PathBuf::from("/etc/caravan/~demo/libdemo.so"))
        );
        assert!(resolve("~/libdemo.so").is_err());
        assert!(resolve("~").is_err());
    }

    #[test]
    fn plugin_list_separators() {
        assert_eq!(split_plugin_list("a, b,c\n  d\te,,"), ["a", "b", "c", "d", "e"]);
        assert!(split_plugin_list(" , ").is_empty());
    }

    #[test]
    fn closest_match() {
        let keys = ["domain", "task_list", "plugins", "pollers", "failed_decision_policy"];

        assert_eq!(closest("taks_list", &keys), Some("task_list"));
        assert_eq!(closest("plugin", &keys), Some("plugins"));
        assert_eq!(closest("policy", &keys), Some("failed_decision_policy"));
        assert_eq!(closest("DOMAIN", &keys), Some("domain"));
        assert_eq!(closest("region", &keys), None);
    }
}
