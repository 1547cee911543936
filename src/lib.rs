//! caravan: a light and fast daemon and command-line toolkit for Amazon SWF (Simple Workflow Service).
//!
//! `caravan run CONFIG.ini` loads plugins (cdylibs built with the `caravan-plugin` SDK), polls SWF for
//! decision and activity tasks on the configured task lists, and responds with the plugins' decisions
//! and activity results.
//! The other subcommands register domains and start, signal, terminate, cancel, list and describe
//! executions. They also print histories, replay a history through a plugin, and run the local SWF
//! endpoint.
//!
//! # Layout
//!
//! - [`cli`]: the binary's commands, argument parsing, logging set-up and exit codes.
//! - [`config`]: the INI file (Paster semantics) read into a typed, validated config, errors collected.
//! - [`logging`]: the config file's Python logging sections turned into the tracing subscriber.
//! - [`supervisor`]: loads plugins, registers workflow types, runs and drains the poll loops.
//! - [`decider`]: one poll loop: long poll, history pages, plugin call, response with retries.
//! - [`worker`]: activity workers: pollers bounded by a concurrency limit, plugin calls, heartbeats,
//!   responses.
//! - [`plugin`]: loading cdylibs and calling them through the C ABI; the only `unsafe` code.
//! - [`swf`]: the SWF client, SWF's own JSON on both sides of a call, and error classification.
//! - [`local`]: caravan's own SWF endpoint (the `caravan-local` crate) run in this process.
//! - [`signals`]: Unix signals turned into stop and reload intents.
//! - [`identity`], [`backoff`], [`text`]: small helpers.

pub mod backoff;
pub mod cli;
pub mod config;
pub mod decider;
pub mod identity;
pub mod local;
pub mod logging;
pub mod notify;
pub mod plugin;
pub mod signals;
pub mod supervisor;
pub mod swf;
pub mod text;
pub mod worker;
