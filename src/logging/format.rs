//! Log line formats written as Python's `logging.Formatter` reads them: `%(name)s` fields of a
//! `LogRecord` with printf-style flags, width, precision and conversion, such as
//! `%(asctime)s %(levelname)-5.5s [%(name)s] %(message)s`.
//!
//! The format is checked when the config is read, so a misspelled field or a conversion that does
//! not fit the field is a config error, where Python would fail on the first record.

use std::fmt::Write as _;

use jiff::ZonedDateTime;
use jiff::fmt::strtime;

/// A field of Python's `LogRecord` that a format can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    AscTime,
    Created,
    FileName,
    FuncName,
    LevelName,
    LevelNo,
    LineNo,
    Message,
    Module,
    Msecs,
    Name,
    PathName,
    Process,
    ProcessName,
    RelativeCreated,
    Thread,
    ThreadName,
    /// A field that Python fills from its own call stack or exceptions (`exc_info`, `exc_text`,
    /// `stack_info`, `taskName`, `args`). tracing events carry none of these, so it is written
    /// as `None`, as Python writes it for a record without one.
    Absent,
}

/// The fields by their names in a format, as Python's `LogRecord` names its attributes.
const FIELDS: [(&str, Field); 22] = [
    ("asctime", Field::AscTime),
    ("created", Field::Created),
    ("filename", Field::FileName),
    ("funcName", Field::FuncName),
    ("levelname", Field::LevelName),
    ("levelno", Field::LevelNo),
    ("lineno", Field::LineNo),
    ("message", Field::Message),
    ("msg", Field::Message),
    ("module", Field::Module),
    ("msecs", Field::Msecs),
    ("name", Field::Name),
    ("pathname", Field::PathName),
    ("process", Field::Process),
    ("processName", Field::ProcessName),
    ("relativeCreated", Field::RelativeCreated),
    ("thread", Field::Thread),
    ("threadName", Field::ThreadName),
    ("exc_info", Field::Absent),
    ("exc_text", Field::Absent),
    ("stack_info", Field::Absent),
    ("taskName", Field::Absent),
];

/// Kind of a field's value, which decides the conversions it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Float,
}

impl Field {
    fn kind(self) -> Kind {
        match self {
            Field::LevelNo | Field::LineNo | Field::Process | Field::Thread => Kind::Integer,
            Field::Created | Field::Msecs | Field::RelativeCreated => Kind::Float,
            _ => Kind::Text,
        }
    }
}

/// One `%(name)…` specifier.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Specifier {
    field: Field,
    /// The name as written, for messages.
    name: String,
    left_align: bool,
    zero_pad: bool,
    /// `+` or ` `: the character written before a positive number.
    sign: Option<char>,
    alternate: bool,
    width: Option<usize>,
    precision: Option<usize>,
    conversion: char,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Text(String),
    Field(Specifier),
}

/// A checked log line format and its date format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFormat {
    segments: Vec<Segment>,
    /// strftime format of `%(asctime)s`; Python's default is used when it is `None`.
    date_format: Option<String>,
}

/// A format or date format that caravan cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct FormatError {
    pub reason: String,
    pub hint: Option<String>,
}

impl FormatError {
    fn new(reason: impl Into<String>, hint: impl Into<String>) -> FormatError {
        FormatError {
            reason: reason.into(),
            hint: Some(hint.into()),
        }
    }
}

/// The format of a handler without a formatter, and of a formatter without `format`, as in Python.
pub const DEFAULT_FORMAT: &str = "%(message)s";

impl Default for RecordFormat {
    fn default() -> RecordFormat {
        RecordFormat {
            segments: vec![Segment::Field(Specifier {
                field: Field::Message,
                name: "message".to_string(),
                left_align: false,
                zero_pad: false,
                sign: None,
                alternate: false,
                width: None,
                precision: None,
                conversion: 's',
            })],
            date_format: None,
        }
    }
}

impl RecordFormat {
    /// Parses and checks a format and an optional strftime date format.
    pub fn parse(format: &str, date_format: Option<&str>) -> Result<RecordFormat, FormatError> {
        let segments = parse_segments(format)?;
        if !segments.iter().any(|segment| matches!(segment, Segment::Field(_))) {
            return Err(FormatError::new(
                "the format has no %(name)s field",
                "name at least one field of the log record, such as %(message)s",
            ));
        }

        if let Some(date_format) = date_format {
            check_date_format(date_format)?;
        }
        Ok(RecordFormat {
            segments,
            date_format: date_format.map(str::to_string),
        })
    }

    /// Returns whether the format writes the time, so a journal variant has something to drop.
    pub fn uses_time(&self) -> bool {
        self.segments
            .iter()
            .any(|segment| matches!(segment, Segment::Field(specifier) if specifier.field == Field::AscTime))
    }

    /// Returns the format without `%(asctime)…`, for lines that the journal timestamps itself.
    /// The spaces after each time field go with it, and so do brackets directly around it, so
    /// `[%(asctime)s] %(message)s` becomes `%(message)s`.
    pub fn without_time(&self) -> RecordFormat {
        let mut segments: Vec<Segment> = Vec::new();
        let mut drop_leading_space = false;

        for segment in &self.segments {
            match segment {
                Segment::Field(specifier) if specifier.field == Field::AscTime => {
                    if let Some(Segment::Text(text)) = segments.last_mut()
                        && let Some(stripped) = text.strip_suffix(['[', '('])
                    {
                        *text = stripped.to_string();
                    }
                    drop_leading_space = true;
                }
                Segment::Text(text) if drop_leading_space => {
                    let rest = text.strip_prefix([']', ')']).unwrap_or(text).trim_start();
                    if !rest.is_empty() {
                        segments.push(Segment::Text(rest.to_string()));
                    }
                    drop_leading_space = false;
                }
                other => {
                    segments.push(other.clone());
                    drop_leading_space = false;
                }
            }
        }

        segments.retain(|segment| !matches!(segment, Segment::Text(text) if text.is_empty()));
        RecordFormat {
            segments,
            date_format: self.date_format.clone(),
        }
    }

    /// Appends the line for `record`, without a line break.
    pub fn render(&self, record: &Record<'_>, output: &mut String) {
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => output.push_str(text),
                Segment::Field(specifier) => {
                    let value = self.value(specifier.field, record);
                    write_value(specifier, &value, output);
                }
            }
        }
    }

    fn value(&self, field: Field, record: &Record<'_>) -> Value {
        let seconds = record.time.timestamp().as_second();
        let nanoseconds = record.time.timestamp().subsec_nanosecond();
        match field {
            Field::AscTime => Value::Text(self.asctime(&record.time)),
            Field::Created => Value::Float(seconds as f64 + f64::from(nanoseconds) / 1e9),
            Field::Msecs => Value::Float(f64::from(nanoseconds / 1_000_000)),
            Field::RelativeCreated => Value::Float(record.relative_created_ms),
            Field::FileName => Value::Text(file_name(record.file).to_string()),
            Field::PathName => Value::Text(record.file.to_string()),
            Field::Module => Value::Text(module_name(record.file).to_string()),
            Field::FuncName => Value::Text("(unknown function)".to_string()),
            Field::LevelName => Value::Text(level_name(record.level).to_string()),
            Field::LevelNo => Value::Integer(level_number(record.level)),
            Field::LineNo => Value::Integer(i64::from(record.line)),
            Field::Message => Value::Text(record.message.to_string()),
            Field::Name => Value::Text(record.logger.to_string()),
            Field::Process => Value::Integer(i64::from(record.process_id)),
            Field::ProcessName => Value::Text(record.process_name.to_string()),
            Field::Thread => Value::Integer(record.thread_id),
            Field::ThreadName => Value::Text(record.thread_name.to_string()),
            Field::Absent => Value::Text("None".to_string()),
        }
    }

    /// Writes the time as Python's `Formatter.formatTime` does: with the date format, or else as
    /// `2024-05-01 13:45:12,345`.
    fn asctime(&self, time: &ZonedDateTime) -> String {
        match &self.date_format {
            Some(date_format) => strtime::format(date_format, time).unwrap_or_default(),
            None => {
                let milliseconds = time.timestamp().subsec_nanosecond() / 1_000_000;
                format!("{},{milliseconds:03}", time.strftime("%Y-%m-%d %H:%M:%S"))
            }
        }
    }
}

/// The values of one tracing event that a format can write.
pub struct Record<'a> {
    pub time: ZonedDateTime,
    pub level: tracing::Level,
    /// Python's logger name: the tracing target with `.` in place of `::`.
    pub logger: &'a str,
    /// The message, then the event's fields and the fields of its spans as `key=value`.
    pub message: &'a str,
    /// Source file that logged the event, or an empty string.
    pub file: &'a str,
    pub line: u32,
    pub process_id: u32,
    pub process_name: &'a str,
    pub thread_id: i64,
    pub thread_name: &'a str,
    /// Milliseconds since logging was set up.
    pub relative_created_ms: f64,
}

/// Python's name of a level. tracing's TRACE, which Python lacks, keeps its name.
pub fn level_name(level: tracing::Level) -> &'static str {
    match level {
        tracing::Level::ERROR => "ERROR",
        tracing::Level::WARN => "WARNING",
        tracing::Level::INFO => "INFO",
        tracing::Level::DEBUG => "DEBUG",
        tracing::Level::TRACE => "TRACE",
    }
}

/// Python's number of a level; TRACE gets 5, below DEBUG.
fn level_number(level: tracing::Level) -> i64 {
    match level {
        tracing::Level::ERROR => 40,
        tracing::Level::WARN => 30,
        tracing::Level::INFO => 20,
        tracing::Level::DEBUG => 10,
        tracing::Level::TRACE => 5,
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Returns the file name without its extension, as Python names a module.
fn module_name(path: &str) -> &str {
    let name = file_name(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

enum Value {
    Text(String),
    Integer(i64),
    Float(f64),
}

fn parse_segments(format: &str) -> Result<Vec<Segment>, FormatError> {
    let mut segments = Vec::new();
    let mut text = String::new();
    let mut rest = format;

    while let Some(percent) = rest.find('%') {
        text.push_str(&rest[..percent]);
        rest = &rest[percent + 1..];

        if let Some(after) = rest.strip_prefix('%') {
            text.push('%');
            rest = after;
            continue;
        }

        let (specifier, after) = parse_specifier(rest)?;
        if !text.is_empty() {
            segments.push(Segment::Text(std::mem::take(&mut text)));
        }
        segments.push(Segment::Field(specifier));
        rest = after;
    }

    text.push_str(rest);
    if !text.is_empty() {
        segments.push(Segment::Text(text));
    }
    Ok(segments)
}

/// Parses the specifier after a `%`: `(name)`, flags, width, precision and conversion.
fn parse_specifier(text: &str) -> Result<(Specifier, &str), FormatError> {
    let invalid = |found: &str| {
        FormatError::new(
            format!(
                "invalid '%' in the format before '{}'",
                crate::text::truncate_chars(found, 20)
            ),
            "write %(name)s for a field of the log record, or %% for a literal '%'",
        )
    };

    let Some(inner) = text.strip_prefix('(') else {
        return Err(invalid(text));
    };
    let Some(close) = inner.find(')') else {
        return Err(invalid(text));
    };
    let name = &inner[..close];
    let field = find_field(name)?;
    let mut rest = &inner[close + 1..];

    let mut specifier = Specifier {
        field,
        name: name.to_string(),
        left_align: false,
        zero_pad: false,
        sign: None,
        alternate: false,
        width: None,
        precision: None,
        conversion: 's',
    };
    while let Some(flag) = rest.chars().next().filter(|character| "#0+ -".contains(*character)) {
        match flag {
            '-' => specifier.left_align = true,
            '0' => specifier.zero_pad = true,
            '#' => specifier.alternate = true,
            '+' => specifier.sign = Some('+'),
            _ => specifier.sign = specifier.sign.or(Some(' ')),
        }
        rest = &rest[1..];
    }
    (specifier.width, rest) = parse_number(rest);
    if let Some(after_dot) = rest.strip_prefix('.') {
        let (precision, after) = parse_number(after_dot);
        specifier.precision = Some(precision.unwrap_or(0));
        rest = after;
    }

    let Some(conversion) = rest.chars().next() else {
        return Err(FormatError::new(
            format!("missing conversion after %({name})"),
            format!("end the field with a conversion, as in %({name})s"),
        ));
    };
    check_conversion(&specifier, conversion)?;
    specifier.conversion = conversion;
    Ok((specifier, &rest[conversion.len_utf8()..]))
}

fn parse_number(text: &str) -> (Option<usize>, &str) {
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    // A number too large for a usize cannot be a sensible width, so it counts as none.
    (text[..digits].parse().ok(), &text[digits..])
}

fn find_field(name: &str) -> Result<Field, FormatError> {
    if let Some((_, field)) = FIELDS.iter().find(|(known, _)| *known == name) {
        return Ok(*field);
    }

    let names: Vec<&str> = FIELDS.iter().map(|(known, _)| *known).collect();
    let closest = names
        .iter()
        .map(|known| {
            (
                strsim::damerau_levenshtein(&name.to_lowercase(), &known.to_lowercase()),
                known,
            )
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance);
    let hint = match closest {
        Some((_, known)) => format!("did you mean %({known})s?"),
        None => format!("the fields are {}", names.join(", ")),
    };
    Err(FormatError::new(format!("unknown field %({name}) in the format"), hint))
}

/// Checks that the conversion exists and fits the field's kind.
fn check_conversion(specifier: &Specifier, conversion: char) -> Result<(), FormatError> {
    let name = &specifier.name;
    let kind = specifier.field.kind();
    match conversion {
        's' | 'r' | 'a' => Ok(()),
        'd' | 'i' | 'u' | 'f' | 'F' | 'x' | 'X' | 'o' if kind == Kind::Text => Err(FormatError::new(
            format!("%({name}){conversion} needs a number, but {name} is text"),
            format!("write %({name})s"),
        )),
        'x' | 'X' | 'o' if kind == Kind::Float => Err(FormatError::new(
            format!("%({name}){conversion} needs a whole number, but {name} has a fraction"),
            format!("write %({name})d or %({name})f"),
        )),
        'd' | 'i' | 'u' | 'f' | 'F' | 'x' | 'X' | 'o' => Ok(()),
        'e' | 'E' | 'g' | 'G' | 'c' => Err(FormatError::new(
            format!("conversion '{conversion}' of %({name}) is not supported by caravan"),
            "use s, r, a, d, i, u, f, F, x, X or o",
        )),
        _ => Err(FormatError::new(
            format!("unknown conversion '{conversion}' after %({name})"),
            format!("end the field with a conversion such as s, as in %({name})s"),
        )),
    }
}

/// Formats a sample time with the date format, so that an invalid one is found at start-up.
fn check_date_format(date_format: &str) -> Result<(), FormatError> {
    let sample = ZonedDateTime::now();
    strtime::format(date_format, &sample).map(|_| ()).map_err(|error| {
        FormatError::new(
            format!("invalid date format: {error}"),
            "use strftime fields such as %Y-%m-%d %H:%M:%S",
        )
    })
}

/// Writes one value as Python's `%` operator does with the specifier's flags.
fn write_value(specifier: &Specifier, value: &Value, output: &mut String) {
    let body = match (specifier.conversion, value) {
        ('s', Value::Text(text)) => text.clone(),
        ('r', Value::Text(text)) => python_repr(text, false),
        ('a', Value::Text(text)) => python_repr(text, true),
        ('s' | 'r' | 'a', Value::Integer(number)) => number.to_string(),
        ('s' | 'r' | 'a', Value::Float(number)) => python_float(*number),
        ('f' | 'F', Value::Integer(number)) => format_float(specifier, *number as f64),
        ('f' | 'F', Value::Float(number)) => format_float(specifier, *number),
        (conversion, Value::Integer(number)) => format_integer(specifier, conversion, *number),
        (conversion, Value::Float(number)) => format_integer(specifier, conversion, number.trunc() as i64),
        (_, Value::Text(text)) => text.clone(),
    };

    let body = match (specifier.precision, value) {
        (Some(precision), Value::Text(_)) if matches!(specifier.conversion, 's' | 'r' | 'a') => {
            body.chars().take(precision).collect()
        }
        _ => body,
    };
    pad(specifier, &body, !matches!(value, Value::Text(_)), output);
}

/// Writes text as Python's `repr` does, or as its `ascii` does when `ascii_only` is set. The text
/// is quoted, and the quote, backslashes, line breaks and other characters that do not print are
/// escaped, so a message stays on one line. `ascii` also escapes every character outside ASCII.
///
/// NOTE: Python also escapes format characters (Unicode category Cf, such as U+200B) and unassigned
/// code points. Rust's standard library has no Unicode categories, so those pass unescaped.
fn python_repr(text: &str, ascii_only: bool) -> String {
    // Python picks double quotes when that avoids escaping a single quote.
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut output = String::with_capacity(text.len() + 2);
    output.push(quote);

    for character in text.chars() {
        match character {
            '\\' => output.push_str("\\\\"),
            '\n' => output.push_str("\\n"),
            '\r' => output.push_str("\\r"),
            '\t' => output.push_str("\\t"),
            _ if character == quote => {
                output.push('\\');
                output.push(character);
            }
            _ if is_printable(character) && (character.is_ascii() || !ascii_only) => output.push(character),
            _ => {
                let code = u32::from(character);
                let _ = match code {
                    0..=0xff => write!(output, "\\x{code:02x}"),
                    0x100..=0xffff => write!(output, "\\u{code:04x}"),
                    _ => write!(output, "\\U{code:08x}"),
                };
            }
        }
    }

    output.push(quote);
    output
}

/// Returns whether Python's `str.isprintable` holds for the character, as far as Rust can tell:
/// control characters and separators other than the space do not print.
fn is_printable(character: char) -> bool {
    character == ' ' || !(character.is_control() || character.is_whitespace())
}

/// Python's `str` of a float: the shortest text that reads back the same, with `.0` on whole numbers.
fn python_float(number: f64) -> String {
    if number.is_finite() && number.fract() == 0.0 && number.abs() < 1e16 {
        format!("{number:.1}")
    } else {
        number.to_string()
    }
}

fn format_float(specifier: &Specifier, number: f64) -> String {
    let precision = specifier.precision.unwrap_or(6);
    let body = format!("{:.*}", precision, number.abs());
    let body = if specifier.alternate && precision == 0 {
        format!("{body}.")
    } else {
        body
    };
    with_sign(specifier, number.is_sign_negative() && number != 0.0, body)
}

fn format_integer(specifier: &Specifier, conversion: char, number: i64) -> String {
    let magnitude = number.unsigned_abs();
    let mut digits = match conversion {
        'x' => format!("{magnitude:x}"),
        'X' => format!("{magnitude:X}"),
        'o' => format!("{magnitude:o}"),
        _ => magnitude.to_string(),
    };
    if let Some(precision) = specifier.precision
        && digits.len() < precision
    {
        digits = format!("{}{digits}", "0".repeat(precision - digits.len()));
    }
    if specifier.alternate {
        let prefix = match conversion {
            'x' => "0x",
            'X' => "0X",
            'o' => "0o",
            _ => "",
        };
        digits = format!("{prefix}{digits}");
    }
    with_sign(specifier, number < 0, digits)
}

fn with_sign(specifier: &Specifier, negative: bool, body: String) -> String {
    match (negative, specifier.sign) {
        (true, _) => format!("-{body}"),
        (false, Some(sign)) => format!("{sign}{body}"),
        (false, None) => body,
    }
}

/// Pads to the width: on the right with `-`, with zeros after the sign for numbers with `0`,
/// otherwise with spaces on the left, as Python does for text too.
fn pad(specifier: &Specifier, body: &str, numeric: bool, output: &mut String) {
    let length = body.chars().count();
    let width = specifier.width.unwrap_or(0);
    if length >= width {
        output.push_str(body);
        return;
    }

    let filler = width - length;
    if specifier.left_align {
        let _ = write!(output, "{body}{}", " ".repeat(filler));
    } else if specifier.zero_pad && numeric {
        let sign_length = body
            .find(|character: char| character.is_ascii_alphanumeric())
            .unwrap_or(0);
        let (sign, digits) = body.split_at(sign_length);
        let _ = write!(output, "{sign}{}{digits}", "0".repeat(filler));
    } else {
        let _ = write!(output, "{}{body}", " ".repeat(filler));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(message: &str) -> Record<'_> {
        let time: ZonedDateTime = "2024-05-01T13:45:12.345678+02:00[+02:00]".parse().unwrap();
        Record {
            time,
            level: tracing::Level::WARN,
            logger: "caravan.decider",
            message,
            file: "src/decider/fetch.rs",
            line: 42,
            process_id: 4242,
            process_name: "caravan",
            thread_id: 77,
            thread_name: "tokio-runtime-worker",
            relative_created_ms: 1500.25,
        }
    }

    fn render(format: &str, date_format: Option<&str>) -> String {
        let format = RecordFormat::parse(format, date_format).unwrap();
        let mut output = String::new();
        format.render(&record("poll failed"), &mut output);
        output
    }

    #[test]
    fn render_pyramid_format() {
        let line = render(
            "%(asctime)s %(levelname)-5.5s [%(name)s:%(lineno)s][%(threadName)s] %(message)s",
            None,
        );

        assert_eq!(
            line,
            "2024-05-01 13:45:12,345 WARNI [caravan.decider:42][tokio-runtime-worker] poll failed"
        );
    }

    #[test]
    fn render_fields() {
        let cases = [
            ("%(levelname)s", "WARNING"),
            ("%(levelname)8s|", " WARNING|"),
            ("%(levelname)-8s|", "WARNING |"),
            ("%(levelno)d %(levelno)03d %(levelno)+d", "30 030 +30"),
            ("%(lineno)5d|%(lineno)-5d|", "   42|42   |"),
            (
                "%(process)d %(process)x %(process)#X %(process)o",
                "4242 1092 0X1092 10222",
            ),
            ("%(thread)d", "77"),
            (
                "%(module)s %(filename)s %(pathname)s",
                "fetch fetch.rs src/decider/fetch.rs",
            ),
            ("%(funcName)s", "(unknown function)"),
            ("%(exc_text)s %(taskName)s", "None None"),
            ("%(msecs)d %(msecs)03d", "345 345"),
            ("%(relativeCreated)d %(relativeCreated).1f", "1500 1500.2"),
            ("%(created)f", "1714563912.345678"),
            ("%(created)d", "1714563912"),
            ("%(name)r", "'caravan.decider'"),
            ("%(message).4s", "poll"),
            ("100%% %(processName)s", "100% caravan"),
            ("%(msg)s", "poll failed"),
        ];

        for (format, expected) in cases {
            assert_eq!(render(format, None), expected, "{format}");
        }
    }

    #[test]
    fn repr_and_ascii_as_python() {
        // Each expected value is what Python 3.11 writes for '%(message)r' and '%(message)a'.
        let cases = [
            ("plain", "'plain'", "'plain'"),
            ("it's", "\"it's\"", "\"it's\""),
            ("it's \"q\"", "'it\\'s \"q\"'", "'it\\'s \"q\"'"),
            ("a\nb\tc\rd\\e", "'a\\nb\\tc\\rd\\\\e'", "'a\\nb\\tc\\rd\\\\e'"),
            (
                "h\u{e9}llo \u{20ac} \u{1f600}",
                "'h\u{e9}llo \u{20ac} \u{1f600}'",
                "'h\\xe9llo \\u20ac \\U0001f600'",
            ),
            (
                "bell\u{7}del\u{7f}nbsp\u{a0}ls\u{2028}",
                "'bell\\x07del\\x7fnbsp\\xa0ls\\u2028'",
                "'bell\\x07del\\x7fnbsp\\xa0ls\\u2028'",
            ),
        ];

        for (message, repr, ascii) in cases {
            let mut output = String::new();
            RecordFormat::parse("%(message)r|%(message)a", None)
                .unwrap()
                .render(&record(message), &mut output);
            assert_eq!(output, format!("{repr}|{ascii}"), "{message:?}");
        }
    }

    #[test]
    fn render_date_format() {
        assert_eq!(render("%(asctime)s", Some("%H:%M:%S")), "13:45:12");
        assert_eq!(
            render("%(asctime)s", Some("%Y-%m-%dT%H:%M:%S%z")),
            "2024-05-01T13:45:12+0200"
        );
    }

    #[test]
    fn parse_errors() {
        let cases = [
            (
                "%(mesage)s",
                "unknown field %(mesage) in the format",
                "did you mean %(message)s?",
            ),
            (
                "%(bogus)s",
                "unknown field %(bogus) in the format",
                "the fields are asctime,",
            ),
            (
                "%(name)d",
                "%(name)d needs a number, but name is text",
                "write %(name)s",
            ),
            (
                "%(created)x",
                "%(created)x needs a whole number, but created has a fraction",
                "write %(created)d",
            ),
            (
                "%(levelno)e",
                "conversion 'e' of %(levelno) is not supported by caravan",
                "use s, r,",
            ),
            ("%(name)q", "unknown conversion 'q' after %(name)", "end the field"),
            ("%(name)", "missing conversion after %(name)", "end the field"),
            (
                "50% done %(message)s",
                "invalid '%' in the format before ' done %(message)s'",
                "write %(name)s",
            ),
            ("%(name", "invalid '%' in the format before '(name'", "write %(name)s"),
            (
                "plain text",
                "the format has no %(name)s field",
                "name at least one field",
            ),
        ];

        for (format, reason, hint) in cases {
            let error = RecordFormat::parse(format, None).expect_err(format);
            assert_eq!(error.reason, reason, "{format}");
            assert!(
                error.hint.as_deref().unwrap_or("").starts_with(hint),
                "{format}: {:?}",
                error.hint
            );
        }
    }

    #[test]
    fn invalid_date_format_rejected() {
        let error = RecordFormat::parse("%(asctime)s", Some("%Y-%m-%d %")).unwrap_err();

        assert!(error.reason.starts_with("invalid date format: "), "{}", error.reason);
    }

    #[test]
    fn without_time_drops_the_time_field() {
        let cases = [
            ("%(asctime)s %(levelname)s %(message)s", "WARNING poll failed"),
            ("[%(asctime)s] %(message)s", "poll failed"),
            ("%(levelname)s (%(asctime)s) %(message)s", "WARNING poll failed"),
            ("%(message)s at %(asctime)s", "poll failed at "),
            ("%(message)s", "poll failed"),
        ];

        for (format, expected) in cases {
            let format = RecordFormat::parse(format, None).unwrap().without_time();
            let mut output = String::new();
            format.render(&record("poll failed"), &mut output);
            assert_eq!(output, expected);
            assert!(!format.uses_time());
        }
    }

    #[test]
    fn default_format_is_the_message() {
        assert_eq!(
            RecordFormat::default(),
            RecordFormat::parse(DEFAULT_FORMAT, None).unwrap()
        );
    }
}
