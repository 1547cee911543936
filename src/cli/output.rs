//! Printing command results as a plain table or as JSON, and reading times from the command line.

use std::io::Write;

use aws_smithy_types::DateTime;
use comfy_table::presets::NOTHING;
use comfy_table::{ContentArrangement, Table as ComfyTable};
use serde_json::Value;

use super::{Failure, OutputFormat};

/// Rows of text under a header.
pub struct Table {
    inner: ComfyTable,
    rows: usize,
}

impl Table {
    pub fn new<const N: usize>(header: [&str; N]) -> Table {
        let mut inner = ComfyTable::new();
        inner
            .load_style(NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(header);
        Table { inner, rows: 0 }
    }

    pub fn push<const N: usize>(&mut self, row: [String; N]) {
        self.inner.add_row(row);
        self.rows += 1;
    }
}

/// Prints `table`, or `json` with `--output json`. An empty table prints "No results.".
pub fn print_table(format: OutputFormat, table: Table, json: Value) -> Result<(), Failure> {
    if format.is_json() {
        print_json(&json)
    } else if table.rows == 0 {
        print_line("No results.")
    } else {
        print_line(&table.render())
    }
}

impl Table {
    /// Returns true when no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Formats the header and rows as aligned columns.
    pub fn render(&self) -> String {
        // comfy-table pads the first and last column with a space; the columns are what matters.
        let text = self.inner.trim_fmt();
        let trimmed: Vec<&str> = text
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect();
        trimmed.join("\n")
    }
}

/// Prints a one-line confirmation, or SWF's response JSON with `--output json`.
pub fn print_message(format: OutputFormat, message: &str, json: Value) -> Result<(), Failure> {
    if format.is_json() {
        print_json(&json)
    } else {
        print_line(message)
    }
}

/// Prints `label: value` lines with the values aligned, or `json` with `--output json`.
pub fn print_fields(format: OutputFormat, fields: &[(&str, String)], json: Value) -> Result<(), Failure> {
    if format.is_json() {
        return print_json(&json);
    }
    let width = fields.iter().map(|(label, _)| label.len()).max().unwrap_or(0) + 1;
    let lines: Vec<String> = fields
        .iter()
        .map(|(label, value)| {
            format!("{:<width$} {value}", format!("{label}:"))
                .trim_end()
                .to_string()
        })
        .collect();
    print_line(&lines.join("\n"))
}

/// Appends the array `key` of one response page to `items`.
pub fn extend_array(items: &mut Vec<Value>, mut page: Value, key: &str) {
    if let Some(Value::Array(values)) = page.get_mut(key).map(Value::take) {
        items.extend(values);
    }
}

pub fn print_json(json: &Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(json).unwrap_or_else(|_| json.to_string());
    print_line(&text)
}

/// Writes a line to stdout. A closed pipe (`caravan list | head`) is not an error worth reporting,
/// but any other write error is, because the output is lost.
pub fn print_line(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Failure::Runtime(anyhow::anyhow!("cannot write the output: {error}"))),
    }
}

/// Writes a line to stderr and ignores a failed write, because stderr is where caravan would
/// report that failure. A closed pipe, as in `caravan check CONFIG 2>&1 | head -1`, then leaves
/// the exit code as it is instead of causing a panic.
pub fn print_error_line(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{text}");
}

/// Formats an SWF timestamp as RFC 3339 in UTC, to the second.
pub fn format_time(time: &DateTime) -> String {
    match jiff::Timestamp::from_second(time.secs()) {
        Ok(timestamp) => timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => time.secs().to_string(),
    }
}

/// Formats a time in SWF's JSON, epoch seconds with a fraction, as RFC 3339 in UTC to the
/// millisecond. A value out of range is printed as it is.
pub fn format_epoch_seconds(seconds: f64) -> String {
    let milliseconds = (seconds * 1000.0).round();
    if !milliseconds.is_finite() || milliseconds.abs() > i64::MAX as f64 {
        return seconds.to_string();
    }
    match jiff::Timestamp::from_millisecond(milliseconds as i64) {
        Ok(timestamp) => timestamp.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => seconds.to_string(),
    }
}

/// Reads a time given on the command line: a date (UTC midnight), a date and time without offset
/// (UTC), or an RFC 3339 time with an offset.
pub fn parse_time(text: &str) -> Result<jiff::Timestamp, String> {
    let text = text.trim();
    let parsed = if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        Some(timestamp)
    } else if let Ok(datetime) = text.parse::<jiff::civil::DateTime>() {
        jiff::tz::TimeZone::UTC.to_timestamp(datetime).ok()
    } else if let Ok(date) = text.parse::<jiff::civil::Date>() {
        jiff::tz::TimeZone::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .ok()
    } else {
        return Err(format!(
            "\"{text}\" is not a date (2015-01-01) or a time (2015-01-01T10:00:00Z)"
        ));
    };

    // SWF takes epoch seconds, so times before 1970 cannot be sent.
    match parsed {
        Some(timestamp) if timestamp.as_second() >= 0 && timestamp < jiff::Timestamp::MAX => Ok(timestamp),
        _ => Err(format!(
            "\"{text}\" is out of range: use a time from 1970-01-01 to 9999-12-30"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_time_accepts_date() {
        let time = parse_time("2015-01-01").expect("a date");
        assert_eq!(time.as_second(), 1_420_070_400);
    }

    #[test]
    fn parse_time_accepts_rfc3339() {
        let time = parse_time("2015-01-01T01:00:00+01:00").expect("a time");
        assert_eq!(time.as_second(), 1_420_070_400);
    }

    #[test]
    fn parse_time_accepts_civil_datetime_as_utc() {
        let time = parse_time("2015-01-01T00:00:10").expect("a time");
        assert_eq!(time.as_second(), 1_420_070_410);
    }

    #[test]
    fn parse_time_rejects_out_of_range() {
        assert!(parse_time("1969-12-31").unwrap_err().contains("out of range"));
        assert!(parse_time("9999-12-31").unwrap_err().contains("out of range"));
    }

    #[test]
    fn parse_time_rejects_garbage() {
        let error = parse_time("yesterday").unwrap_err();
        assert!(error.contains("\"yesterday\""), "{error}");
    }

    #[test]
    fn format_epoch_seconds_keeps_milliseconds() {
        assert_eq!(format_epoch_seconds(1_420_070_400.25), "2015-01-01T00:00:00.250Z");
        assert_eq!(format_epoch_seconds(1_420_070_400.0), "2015-01-01T00:00:00.000Z");
        assert!(!format_epoch_seconds(1e300).contains('T'));
    }

    #[test]
    fn extend_array_appends_items() {
        let mut items = vec![serde_json::json!(1)];
        extend_array(
            &mut items,
            serde_json::json!({"executionInfos": [2, 3]}),
            "executionInfos",
        );
        assert_eq!(
            items,
            vec![serde_json::json!(1), serde_json::json!(2), serde_json::json!(3)]
        );
    }
}
