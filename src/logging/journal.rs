//! Console output that the systemd journal reads well.
//!
//! systemd sets `JOURNAL_STREAM` to `DEVICE:INODE` of the stream that connects a service's stdout
//! or stderr to the journal (`systemd.exec(5)`). When the stream caravan writes to has those
//! numbers, lines start with the priority prefix of `sd-daemon(3)`, such as `<6>` for info. The
//! journal turns the prefix into the entry's priority. Lines leave the time out, because the
//! journal records its own.

use std::os::fd::AsFd;

use tracing::Level;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Returns whether `stream` is the one that `JOURNAL_STREAM` names.
pub fn is_journal_stream(stream: impl AsFd) -> bool {
    let Ok(value) = std::env::var("JOURNAL_STREAM") else {
        return false;
    };
    matches_journal_stream(&value, stream)
}

fn matches_journal_stream(value: &str, stream: impl AsFd) -> bool {
    let Some((device, inode)) = value.trim().split_once(':') else {
        return false;
    };
    let (Ok(device), Ok(inode)) = (device.parse::<u64>(), inode.parse::<u64>()) else {
        return false;
    };

    match rustix::fs::fstat(stream) {
        Ok(stat) => stat.st_dev == device && stat.st_ino == inode,
        Err(_) => false,
    }
}

/// Returns the `sd-daemon(3)` prefix of a level: `<3>` error, `<4>` warning, `<6>` info, `<7>`
/// debug. tracing's TRACE has no priority of its own and gets debug's.
pub fn priority_prefix(level: Level) -> &'static str {
    match level {
        Level::ERROR => "<3>",
        Level::WARN => "<4>",
        Level::INFO => "<6>",
        Level::DEBUG | Level::TRACE => "<7>",
    }
}

/// An event format that writes the priority prefix before each line of the inner format.
///
/// NOTE: a message with line breaks becomes several journal entries, and only the first one
/// carries the record's priority.
pub struct PriorityPrefix<F>(pub F);

impl<S, N, F> FormatEvent<S, N> for PriorityPrefix<F>
where
    S: tracing::Subscriber + for<'lookup> LookupSpan<'lookup>,
    N: for<'writer> FormatFields<'writer> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        writer.write_str(priority_prefix(*event.metadata().level()))?;
        self.0.format_event(context, writer, event)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    #[test]
    fn journal_stream_matches_device_and_inode() {
        let file = tempfile::tempfile().unwrap();
        let metadata = file.metadata().unwrap();
        let value = format!("{}:{}", metadata.dev(), metadata.ino());

        assert!(matches_journal_stream(&value, &file));
        assert!(!matches_journal_stream(
            &format!("{}:{}", metadata.dev(), metadata.ino() + 1),
            &file
        ));
        assert!(!matches_journal_stream("", &file));
        assert!(!matches_journal_stream("8", &file));
        assert!(!matches_journal_stream("a:b", &file));
    }

    #[test]
    fn priorities_follow_sd_daemon() {
        assert_eq!(priority_prefix(Level::ERROR), "<3>");
        assert_eq!(priority_prefix(Level::WARN), "<4>");
        assert_eq!(priority_prefix(Level::INFO), "<6>");
        assert_eq!(priority_prefix(Level::DEBUG), "<7>");
        assert_eq!(priority_prefix(Level::TRACE), "<7>");
    }
}
