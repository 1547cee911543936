//! The worker identity sent with every poll and recorded in SWF's history.

use crate::text::last_chars;

/// SWF's limit on the identity, in characters.
pub const MAX_IDENTITY_CHARS: usize = 256;

/// Returns the configured identity, or `HOST:PID`. A default longer than SWF allows keeps its end,
/// where the process id is.
pub fn worker_identity(configured: Option<&str>) -> String {
    if let Some(identity) = configured {
        return identity.to_string();
    }

    let host = hostname::get()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "unknown-host".to_string());
    default_identity(&host, std::process::id())
}

fn default_identity(host: &str, pid: u32) -> String {
    let identity = format!("{host}:{pid}");
    last_chars(&identity, MAX_IDENTITY_CHARS).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_host_and_pid() {
        assert_eq!(default_identity("worker-1", 4711), "worker-1:4711");
    }

    #[test]
    fn long_default_keeps_the_end() {
        let host = "h".repeat(300);
        let identity = default_identity(&host, 4711);

        assert_eq!(identity.chars().count(), MAX_IDENTITY_CHARS);
        assert!(identity.ends_with(":4711"));
    }

    #[test]
    fn configured_identity_wins() {
        assert_eq!(worker_identity(Some("blue")), "blue");
    }
}
