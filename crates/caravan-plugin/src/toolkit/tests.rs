//! Tests of the toolkit over histories built from typed events.
