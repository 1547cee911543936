//! Integration tests: real caravan processes, real plugins built by cargo, and two SWF endpoints on
//! loopback: caravan's own local endpoint, standalone or embedded, and moto's SWF server, a third
//! party's reading of the protocol.

/// Turns each listed function, which takes the endpoint `Kind`, into two tests: `local::NAME` runs
/// it against `caravan local` and `moto::NAME` against moto's SWF server.
macro_rules! on_both_endpoints {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(
                #[test]
                fn $name() {
                    super::$name(crate::support::endpoint::Kind::Local);
                }
            )*
        }

        mod moto {
            $(
                #[test]
                fn $name() {
                    super::$name(crate::support::endpoint::Kind::Moto);
                }
            )*
        }
    };
}

mod support;

mod activities;
mod bad_input;
mod check;
mod cli;
mod clients;
mod demo;
mod embedded;
mod exit_codes;
mod faults;
mod history;
mod logging;
mod memory;
mod paging;
mod permissions;
mod pipeline;
mod plugin_failures;
mod reload;
mod shutdown;
mod unit_file;
