//! Retry delays, retry timers and transient failures.
