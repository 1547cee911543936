//! Integration tests: real caravan processes, real plugins built by cargo, and moto's SWF server on
//! loopback as the endpoint.

mod support;

mod bad_input;
mod cli;
mod demo;
mod paging;
mod plugin_failures;
mod shutdown;
