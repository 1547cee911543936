//! The C ABI between the caravan host and a plugin library, version 1.2.
//!
//! A plugin exports one symbol, [`DESCRIPTOR_SYMBOL`], a function that returns a pointer to
//! a static descriptor. The descriptor starts with an [`AbiHeader`]. The host reads the
//! header first and uses the rest only after it has checked the magic and the version: the
//! major version must equal [`ABI_MAJOR`] and the minor version must not be newer than
//! [`ABI_MINOR`]. For major version 1 the descriptor starts with a [`PluginV1`]. From minor
//! version 1 on it is a [`PluginV1Activities`], which appends the activity function, and from
//! minor version 2 on a [`PluginV1Heartbeats`], which appends an activity function that also
//! receives the host's [`ActivityHost`]. A host reads each appended function only from
//! descriptors whose minor version has it.
//!
//! Data crosses the boundary as UTF-8 JSON in SWF's wire shapes. Memory a plugin returns in
//! a [`Buffer`] belongs to the plugin's allocator, so only the plugin's `free_buffer` may
//! release it.
//!
//! Every function of the descriptor may be called from several threads at once, except
//! `init`, which the host calls once before any other. Plugins keep no state between
//! `decide` calls: each call receives one decision task and returns its decisions.

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::AtomicBool;

/// The first 8 bytes of every descriptor.
pub const MAGIC: [u8; 8] = *b"CARAVAN\0";

/// ABI major version. A change here breaks compatibility in both directions.
pub const ABI_MAJOR: u16 = 1;

/// ABI minor version. A plugin built for a newer minor version may rely on host features
/// that an older host lacks, so the host rejects it. Minor version 1 added activities, and
/// minor version 2 heartbeat details.
pub const ABI_MINOR: u16 = 2;

/// The first minor version whose descriptor is a [`PluginV1Activities`].
pub const ABI_MINOR_ACTIVITIES: u16 = 1;

/// The first minor version whose descriptor is a [`PluginV1Heartbeats`].
pub const ABI_MINOR_HEARTBEATS: u16 = 2;

/// Name of the one symbol a plugin exports, a function of type [`DescriptorFn`].
pub const DESCRIPTOR_SYMBOL: &str = "caravan_plugin_descriptor";

/// Type of the exported descriptor function. It returns a pointer to a descriptor that lives
/// in static memory for as long as the library stays loaded, and never returns null.
pub type DescriptorFn = unsafe extern "C" fn() -> *const AbiHeader;

/// The header of every descriptor, whatever its version.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbiHeader {
    /// Always [`MAGIC`].
    pub magic: [u8; 8],
    pub abi_major: u16,
    pub abi_minor: u16,
    /// Zero; a later minor version may give it a meaning.
    pub reserved: u32,
}

impl AbiHeader {
    /// The header of a descriptor built with this version of the SDK.
    pub const CURRENT: Self = Self {
        magic: MAGIC,
        abi_major: ABI_MAJOR,
        abi_minor: ABI_MINOR,
        reserved: 0,
    };
}

/// The descriptor of ABI major version 1. Each function returns one of the `STATUS_*` codes.
#[repr(C)]
pub struct PluginV1 {
    pub header: AbiHeader,

    /// Connects the plugin to the host. The host calls it once, before any other function.
    /// Further calls return [`STATUS_OK`] and change nothing. `host` must point to a valid
    /// [`HostV1`] during the call. The plugin copies the function pointers out of it, so
    /// those functions must stay callable while the library is loaded. A null `host`
    /// returns [`STATUS_ERROR`].
    pub init: unsafe extern "C" fn(host: *const HostV1) -> u32,

    /// Writes the plugin's manifest as JSON into `*out` (see `caravan_plugin::manifest`).
    /// `out` must be valid for writes. The plugin overwrites `*out` without reading or
    /// freeing what it held, and whatever the status, the host frees it with `free_buffer`.
    /// A null `out` returns [`STATUS_ERROR`] and nothing is written.
    pub manifest: unsafe extern "C" fn(out: *mut Buffer) -> u32,

    /// Decides one decision task. `task` points to `task_len` bytes of UTF-8 JSON, a
    /// `DecisionTask` without `taskToken` and `nextPageToken`, borrowed for the duration of
    /// the call only. On [`STATUS_OK`], `*out` contains the decisions as
    /// `{"decisions":[...],"executionContext":"..."}`. `out` is handled as in `manifest`.
    pub decide: unsafe extern "C" fn(task: *const u8, task_len: usize, out: *mut Buffer) -> u32,

    /// Frees a buffer that this plugin returned. Each buffer must be freed exactly once, and
    /// only by the plugin that returned it. A buffer with a null pointer is ignored.
    pub free_buffer: unsafe extern "C" fn(buffer: Buffer),
}

/// The descriptor of ABI version 1.1 and later minor versions of major version 1: version
/// 1.0's functions followed by the activity function.
#[repr(C)]
pub struct PluginV1Activities {
    pub v1: PluginV1,

    /// Runs one activity task. `task` points to `task_len` bytes of UTF-8 JSON, an
    /// `ActivityTask` as `PollForActivityTask` returns it without `taskToken`, borrowed for
    /// the duration of the call only. `cancel` must be null or point to a flag that stays
    /// valid during the call. The host sets it to request that the activity stop early, and the
    /// plugin only reads it. On [`STATUS_OK`], `*out` contains the outcome as
    /// `{"completed":{"result":"..."}}` or `{"failed":{"reason":"...","details":"..."}}`,
    /// where `result`, `reason` and `details` may be missing. `out` is handled as in
    /// `manifest`. A plugin that exports no activities returns [`STATUS_ERROR`].
    pub run_activity:
        unsafe extern "C" fn(task: *const u8, task_len: usize, cancel: *const AtomicBool, out: *mut Buffer) -> u32,
}

/// The descriptor of ABI version 1.2 and later minor versions of major version 1: version
/// 1.1's functions followed by an activity function that receives an [`ActivityHost`].
#[repr(C)]
pub struct PluginV1Heartbeats {
    pub v1_1: PluginV1Activities,

    /// Runs one activity task like `run_activity`, but receives the host's side of the task in
    /// `host` instead of a bare cancellation flag. `host` must be null or point to an
    /// [`ActivityHost`] that stays valid during the call. A host of version 1.2 or later calls
    /// this function and never `run_activity`, which such a descriptor keeps only for its layout.
    pub run_activity_with_host:
        unsafe extern "C" fn(task: *const u8, task_len: usize, host: *const ActivityHost, out: *mut Buffer) -> u32,
}

/// The host's side of one running activity task, from ABI version 1.2 on. The host builds one
/// per `run_activity_with_host` call, and it is valid only until that call returns.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ActivityHost {
    /// Null, or a flag that the host sets to request that the activity stop early. The plugin
    /// only reads it.
    pub cancel: *const AtomicBool,

    /// The host's data for this task. The plugin passes it back to `record_heartbeat` and never
    /// reads it.
    pub context: *const c_void,

    /// Hands progress details to the host, which sends the latest ones as `details` of its
    /// next `RecordActivityTaskHeartbeat` call, cut to SWF's 2,048 characters. `details` points
    /// to `details_len` bytes of UTF-8, borrowed for the duration of the call only. It returns
    /// at once, without waiting for the network. The plugin may call it from any thread, and
    /// from several threads at once, but only until `run_activity_with_host` returns. It must
    /// not unwind.
    pub record_heartbeat: unsafe extern "C" fn(context: *const c_void, details: *const u8, details_len: usize),
}

/// Functions the host gives the plugin in `init`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct HostV1 {
    /// Writes one log record. `level` is one of the `LOG_*` codes. `target` and `message`
    /// are UTF-8 bytes, borrowed for the duration of the call only. The plugin may call it
    /// from any thread, including threads it started, and from several threads at once. It
    /// must not unwind.
    pub log:
        unsafe extern "C" fn(level: u32, target: *const u8, target_len: usize, message: *const u8, message_len: usize),
}

/// Bytes owned by the plugin: a `Vec<u8>` taken apart into pointer, length and capacity.
/// The host reads it with [`Buffer::as_bytes`] and returns it to the plugin's
/// `free_buffer`. It is not `Clone`, so that it cannot be freed twice by accident.
#[repr(C)]
#[derive(Debug)]
pub struct Buffer {
    pub ptr: *mut u8,
    pub len: usize,
    pub capacity: usize,
}

impl Buffer {
    /// Returns a buffer that owns nothing, for the host to pass as `out`.
    pub const fn empty() -> Self {
        Self {
            ptr: ptr::null_mut(),
            len: 0,
            capacity: 0,
        }
    }

    /// Takes ownership of `bytes`, for a plugin that returns them to the host.
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        Self {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            capacity: bytes.capacity(),
        }
    }

    /// Returns whether the pointer is null, as in [`Buffer::empty`].
    pub fn is_null(&self) -> bool {
        self.ptr.is_null()
    }

    /// Returns the bytes of a buffer that a plugin wrote into `out`, without assuming
    /// anything about how the plugin allocated them. A null pointer reads as no bytes. Copy
    /// what you need before passing the buffer to the plugin's `free_buffer`.
    ///
    /// # Safety
    ///
    /// The buffer must have been written by a plugin function as `*out` and not yet freed,
    /// so that `ptr` points to `len` initialized bytes.
    #[allow(unsafe_code)]
    pub unsafe fn as_bytes(&self) -> &[u8] {
        if self.ptr.is_null() {
            return &[];
        }

        // SAFETY: the caller guarantees that `ptr` points to `len` initialized bytes. They
        // stay allocated while the slice lives, because freeing takes the buffer by value
        // and the slice borrows it.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// `*out` contains the JSON result.
pub const STATUS_OK: u32 = 0;

/// `*out` contains a UTF-8 error message, such as a malformed task or an unknown workflow type.
pub const STATUS_ERROR: u32 = 1;

/// The plugin panicked. `*out` contains a UTF-8 message with the panic message and location,
/// such as `panicked at src/lib.rs:12:9: boom`.
pub const STATUS_PANIC: u32 = 2;

pub const LOG_ERROR: u32 = 1;
pub const LOG_WARN: u32 = 2;
pub const LOG_INFO: u32 = 3;
pub const LOG_DEBUG: u32 = 4;
pub const LOG_TRACE: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<AbiHeader>(), 16);
        assert_eq!(std::mem::offset_of!(PluginV1, header), 0);
        assert_eq!(std::mem::offset_of!(PluginV1Activities, v1), 0);
        assert_eq!(std::mem::offset_of!(PluginV1Heartbeats, v1_1), 0);
    }

    #[test]
    fn buffer_from_vec_reads_back() {
        let buffer = Buffer::from_vec(b"hello".to_vec());

        // SAFETY: the buffer was just built from a live Vec and is not freed yet.
        #[allow(unsafe_code)]
        let bytes = unsafe { buffer.as_bytes() }.to_vec();
        // SAFETY: the buffer came from `Buffer::from_vec` in this crate and is freed once.
        #[allow(unsafe_code)]
        unsafe {
            crate::__export::free_buffer(buffer)
        };

        assert_eq!(bytes, b"hello");
    }

    #[test]
    fn empty_buffer_reads_as_no_bytes() {
        let buffer = Buffer::empty();

        // SAFETY: an empty buffer has a null pointer, which `as_bytes` never dereferences.
        #[allow(unsafe_code)]
        let bytes = unsafe { buffer.as_bytes() };

        assert!(buffer.is_null());
        assert!(bytes.is_empty());
    }
}
