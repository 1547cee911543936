//! A plugin built for a future ABI, for the host's integration tests.
//!
//! It exports `caravan_plugin_descriptor` by hand, returning a header with the right magic
//! and ABI version 2.0. The host must reject it after reading the header, because nothing
//! after the header follows the version 1 layout.

use caravan_plugin::abi::{AbiHeader, MAGIC};

static HEADER: AbiHeader = AbiHeader {
    magic: MAGIC,
    abi_major: 2,
    abi_minor: 0,
    reserved: 0,
};

/// Returns the header of a version 2.0 descriptor, with no descriptor behind it.
#[allow(unsafe_code)] // `no_mangle` is an unsafe attribute; exporting the symbol is the point.
#[unsafe(no_mangle)]
pub extern "C" fn caravan_plugin_descriptor() -> *const AbiHeader {
    &HEADER
}
