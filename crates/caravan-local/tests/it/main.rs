//! Integration tests: each test starts a real endpoint on a loopback port and drives it with raw JSON
//! requests over HTTP, as SWF clients do.

mod activities;
mod children;
mod decisions;
mod domains;
mod executions;
mod faults;
mod lambdas;
mod paging;
mod polling;
mod protocol;
mod support;
mod timeouts;
mod types;
mod visibility;
