//! Writes tracing events in a handler's Python format.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use tracing::field::{Field, Visit};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use super::format::{Record, RecordFormat};
use super::journal::priority_prefix;

/// The event format of a handler with a Python format.
pub struct PythonFormat {
    format: RecordFormat,
    /// Whether lines go to the journal: with the priority prefix, and without the time.
    journal: bool,
    /// When logging was set up, for `%(relativeCreated)`.
    started: Instant,
    /// `%(processName)`: the name the program was started under.
    process_name: Arc<str>,
}

impl PythonFormat {
    pub fn new(format: &RecordFormat, journal: bool, started: Instant, process_name: Arc<str>) -> PythonFormat {
        let format = match journal {
            true => format.without_time(),
            false => format.clone(),
        };
        PythonFormat {
            format,
            journal,
            started,
            process_name,
        }
    }
}

impl<S, N> FormatEvent<S, N> for PythonFormat
where
    S: tracing::Subscriber + for<'lookup> LookupSpan<'lookup>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());

        let mut visitor = MessageVisitor {
            message: String::new(),
            fields: String::new(),
            from_log: normalized.is_some(),
        };
        event.record(&mut visitor);
        let mut message = visitor.message + &visitor.fields;
        append_span_fields(context, &mut message);

        let logger = metadata.target().replace("::", ".");
        let thread = std::thread::current();
        let record = Record {
            time: jiff::ZonedDateTime::now(),
            level: *metadata.level(),
            logger: &logger,
            message: &message,
            file: metadata.file().unwrap_or_default(),
            line: metadata.line().unwrap_or(0),
            process_id: std::process::id(),
            process_name: &self.process_name,
            thread_id: i64::from(rustix::thread::gettid().as_raw_nonzero().get()),
            thread_name: thread.name().unwrap_or("unnamed"),
            relative_created_ms: self.started.elapsed().as_secs_f64() * 1000.0,
        };

        let mut line = String::new();
        if self.journal {
            line.push_str(priority_prefix(record.level));
        }
        self.format.render(&record, &mut line);
        line.push('\n');
        writer.write_str(&line)
    }
}

/// Appends the fields of the event's spans, outermost first, such as the domain and task list of
/// a poller and the workflow id of a task.
fn append_span_fields<S, N>(context: &FmtContext<'_, S, N>, message: &mut String)
where
    S: tracing::Subscriber + for<'lookup> LookupSpan<'lookup>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    let Some(scope) = context.event_scope() else {
        return;
    };
    for span in scope.from_root() {
        let extensions = span.extensions();
        if let Some(fields) = extensions.get::<FormattedFields<N>>()
            && !fields.is_empty()
        {
            message.push(' ');
            message.push_str(fields);
        }
    }
}

/// Collects the message, and the other fields as ` key=value`.
struct MessageVisitor {
    message: String,
    fields: String,
    /// Whether the event came from the `log` crate, whose `log.*` fields are its metadata.
    from_log: bool,
}

impl MessageVisitor {
    fn skip(&self, field: &Field) -> bool {
        self.from_log && field.name().starts_with("log.")
    }
}

impl Visit for MessageVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else if !self.skip(field) {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else if !self.skip(field) {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}
