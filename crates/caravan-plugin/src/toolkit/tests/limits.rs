//! Limit checks of single decisions, builders and whole responses.
