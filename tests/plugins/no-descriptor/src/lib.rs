//! A library that is not a caravan plugin, for the host's integration tests.
//!
//! It exports an unrelated C function and no `caravan_plugin_descriptor`, so the host must
//! report the missing symbol.

/// Returns 42. It exists so that the library exports a symbol other than the descriptor.
#[allow(unsafe_code)] // `no_mangle` is an unsafe attribute; exporting the symbol is the point.
#[unsafe(no_mangle)]
pub extern "C" fn caravan_fixture_answer() -> u32 {
    42
}
