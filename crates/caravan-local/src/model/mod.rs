//! In-memory records of domains, types, executions and their histories. The engine changes them; the
//! API layer reads them to build responses.

pub(crate) mod decisions;
pub(crate) mod domain;
pub(crate) mod events;
pub(crate) mod execution;
pub(crate) mod values;
