//! The progress details an activity records, kept for the next heartbeat.

use std::sync::Mutex;

use crate::text::truncate_chars;

/// SWF's limit on a heartbeat's details, in characters.
pub const MAX_DETAILS_CHARS: usize = 2048;

/// The latest progress details an activity recorded, which the next heartbeat sends.
#[derive(Debug, Default)]
pub struct HeartbeatDetails {
    latest: Mutex<Option<String>>,
}

impl HeartbeatDetails {
    /// Stores the details a plugin handed over, cut to SWF's 2,048 characters without splitting a
    /// character. Bytes that are not UTF-8 become U+FFFD.
    pub fn record(&self, details: &[u8]) {
        // The first 2,048 characters of valid UTF-8 fit in 4 bytes each, so a longer input is
        // never decoded whole.
        let prefix = &details[..details.len().min(MAX_DETAILS_CHARS * 4)];
        let text = String::from_utf8_lossy(prefix);
        let truncated = truncate_chars(&text, MAX_DETAILS_CHARS);

        if let Ok(mut latest) = self.latest.lock() {
            let slot = latest.get_or_insert_with(String::new);
            slot.clear();
            slot.push_str(truncated);
        }
    }

    /// Returns the details recorded last, if any.
    pub fn latest(&self) -> Option<String> {
        self.latest.lock().ok().and_then(|latest| latest.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_keep_the_latest() {
        let details = HeartbeatDetails::default();
        assert_eq!(details.latest(), None);

        details.record(b"1 of 3");
        details.record("2 of 3 ✓".as_bytes());

        assert_eq!(details.latest().as_deref(), Some("2 of 3 ✓"));
    }

    #[test]
    fn details_cut_between_characters() {
        let details = HeartbeatDetails::default();
        // 2,047 one-byte characters, then four-byte ones: a cut at 2,048 bytes would split one.
        let text = format!("{}{}", "s".repeat(2047), "🚀".repeat(3000));

        details.record(text.as_bytes());

        let latest = details.latest().expect("details");
        assert_eq!(latest.chars().count(), MAX_DETAILS_CHARS);
        assert_eq!(latest, format!("{}🚀", "s".repeat(2047)));
    }

    #[test]
    fn details_of_four_byte_characters_keep_2048() {
        let details = HeartbeatDetails::default();

        details.record("🚀".repeat(5000).as_bytes());

        let latest = details.latest().expect("details");
        assert_eq!(latest.chars().count(), MAX_DETAILS_CHARS);
        assert!(latest.chars().all(|character| character == '🚀'));
    }

    #[test]
    fn details_replace_invalid_utf8() {
        let details = HeartbeatDetails::default();

        details.record(b"step \xff 3");

        assert_eq!(details.latest().as_deref(), Some("step \u{fffd} 3"));
    }
}
