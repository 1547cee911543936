//! Routing of records to handlers by the rules of Python's logger hierarchy.
//!
//! A tracing target such as `caravan::decider::fetch` is the logger `caravan.decider.fetch`, a
//! child of `caravan.decider`, of `caravan` and of the root. A record passes when its level is
//! at least the effective level of its logger: the level of the closest configured logger, itself
//! included, that sets one. It then goes to that logger's handlers and up to the handlers of each
//! parent, until a logger with `propagate = 0`. Each handler also checks its own level. As in
//! Python, the parents' levels play no part once the record passed its own logger.

use std::collections::HashMap;
use std::sync::Arc;

use tracing::Metadata;
use tracing::subscriber::Interest;
use tracing_log::NormalizeEvent;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Filter};

use super::settings::{LoggerSettings, LoggingConfig};

/// The configured loggers by tracing target.
#[derive(Debug)]
pub struct Routing {
    root: LoggerSettings,
    loggers: HashMap<String, LoggerSettings>,
    /// Whether the loggers' levels apply. They do not when `RUST_LOG` or `--verbose`/`--debug`
    /// set the levels instead.
    logger_levels: bool,
    /// Level of each handler, by index.
    handler_levels: Vec<LevelFilter>,
}

impl Routing {
    pub fn new(config: &LoggingConfig, logger_levels: bool) -> Routing {
        let loggers = config
            .loggers
            .iter()
            .map(|logger| (logger.target.clone(), logger.clone()))
            .collect();
        Routing {
            root: config.root.clone(),
            loggers,
            logger_levels,
            handler_levels: config.handlers.iter().map(|handler| handler.level).collect(),
        }
    }

    /// Returns whether `handler` writes a record of `target` at `level`.
    pub fn handler_writes(&self, handler: usize, target: &str, level: tracing::Level) -> bool {
        let handler_level = self.handler_levels.get(handler).copied().unwrap_or(LevelFilter::OFF);
        if level > handler_level {
            return false;
        }

        let mut effective_level: Option<LevelFilter> = None;
        let mut reaches_handler = false;
        let mut propagating = true;
        for logger in self.chain(target) {
            if effective_level.is_none() {
                effective_level = logger.level;
            }
            if propagating && logger.handlers.contains(&handler) {
                reaches_handler = true;
            }
            propagating = propagating && logger.propagate;
        }

        let effective_level = effective_level.unwrap_or(LevelFilter::TRACE);
        reaches_handler && (!self.logger_levels || level <= effective_level)
    }

    /// Returns the configured loggers from `target` up to the root, closest first.
    fn chain<'a>(&'a self, target: &'a str) -> impl Iterator<Item = &'a LoggerSettings> + 'a {
        let mut current = Some(target);
        let ancestors = std::iter::from_fn(move || {
            loop {
                let name = current?;
                current = name.rfind("::").map(|end| &name[..end]);
                if let Some(logger) = self.loggers.get(name) {
                    return Some(logger);
                }
            }
        });
        ancestors.chain(std::iter::once(&self.root))
    }
}

/// The per-layer filter of one handler's layer.
pub struct HandlerFilter {
    pub routing: Arc<Routing>,
    pub handler: usize,
}

impl HandlerFilter {
    fn writes(&self, metadata: &Metadata<'_>) -> bool {
        self.routing
            .handler_writes(self.handler, metadata.target(), *metadata.level())
    }
}

/// Target of the callsites through which `tracing-log` passes records of the `log` crate. Their
/// real target is known only per record.
const LOG_CALLSITE_TARGET: &str = "log";

impl<S> Filter<S> for HandlerFilter {
    fn enabled(&self, metadata: &Metadata<'_>, _context: &Context<'_, S>) -> bool {
        // Every span is recorded, so that records carry the fields of their spans.
        metadata.is_span() || metadata.target() == LOG_CALLSITE_TARGET || self.writes(metadata)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.is_span() {
            return Interest::always();
        }
        if metadata.target() == LOG_CALLSITE_TARGET {
            return Interest::sometimes();
        }
        match self.writes(metadata) {
            true => Interest::always(),
            false => Interest::never(),
        }
    }

    fn event_enabled(&self, event: &tracing::Event<'_>, _context: &Context<'_, S>) -> bool {
        match event.normalized_metadata() {
            Some(metadata) => self.writes(&metadata),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use tracing::Level;

    use super::*;
    use crate::config::Location;
    use crate::logging::format::RecordFormat;
    use crate::logging::settings::{Destination, HandlerSettings};

    fn logger(target: &str, level: Option<LevelFilter>, handlers: &[usize], propagate: bool) -> LoggerSettings {
        LoggerSettings {
            target: target.to_string(),
            level,
            handlers: handlers.to_vec(),
            propagate,
        }
    }

    fn handler(name: &str, level: LevelFilter) -> HandlerSettings {
        HandlerSettings {
            name: name.to_string(),
            destination: Destination::Stderr,
            level,
            format: RecordFormat::default(),
            location: Location {
                file: PathBuf::from("/etc/caravan/caravan.ini"),
                line: 1,
            },
        }
    }

    /// Builds three loggers. The root is at WARN and writes to the console (0). `caravan` is at
    /// DEBUG and writes to a file (1). `caravan::local` is at NOTSET, does not propagate, and
    /// writes to an errors file (2) that takes ERROR only.
    fn config() -> LoggingConfig {
        LoggingConfig {
            root: logger("", Some(LevelFilter::WARN), &[0], true),
            loggers: vec![
                logger("caravan", Some(LevelFilter::DEBUG), &[1], true),
                logger("caravan::local", None, &[2], false),
            ],
            handlers: vec![
                handler("console", LevelFilter::TRACE),
                handler("file", LevelFilter::TRACE),
                handler("errors", LevelFilter::ERROR),
            ],
        }
    }

    #[test]
    fn records_follow_the_hierarchy() {
        let routing = Routing::new(&config(), true);
        let cases = [
            ("caravan::decider", Level::DEBUG, [true, true, false]),
            ("caravan::decider", Level::TRACE, [false, false, false]),
            ("caravan", Level::INFO, [true, true, false]),
            ("hyper::proto", Level::INFO, [false, false, false]),
            ("hyper::proto", Level::WARN, [true, false, false]),
            ("caravan_local::server", Level::INFO, [false, false, false]),
            ("caravan::local", Level::DEBUG, [false, false, false]),
            ("caravan::local::lambda", Level::ERROR, [false, false, true]),
        ];

        for (target, level, expected) in cases {
            let written: Vec<bool> = (0..3)
                .map(|index| routing.handler_writes(index, target, level))
                .collect();
            assert_eq!(written, expected, "{target} {level}");
        }
    }

    #[test]
    fn notset_takes_the_parent_level() {
        let routing = Routing::new(&config(), true);

        assert!(routing.handler_writes(2, "caravan::local", Level::ERROR));
        assert!(
            !routing.handler_writes(1, "caravan::local", Level::ERROR),
            "propagation stops"
        );
    }

    #[test]
    fn overridden_levels_ignore_logger_levels() {
        let routing = Routing::new(&config(), false);

        assert!(routing.handler_writes(0, "hyper::proto", Level::TRACE));
        assert!(routing.handler_writes(1, "caravan::decider", Level::TRACE));
        assert!(
            !routing.handler_writes(2, "caravan::local", Level::WARN),
            "handler levels still apply"
        );
    }
}
