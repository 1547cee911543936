//! Loading plugins (cdylibs) and calling them: the one place where caravan uses `unsafe`.
//!
//! A plugin exports one symbol, `caravan_plugin_descriptor`, that returns a pointer to a static
//! descriptor. Its header (magic value, ABI major and minor) is checked before anything else is read:
//! the major version must equal the host's and the minor must not be newer. Data crosses the
//! boundary as UTF-8 JSON; buffers the plugin returns are freed by the plugin.
//!
//! Each plugin is loaded from a private in-memory copy of its file (a memfd). An operator can then
//! overwrite or replace the installed file while the daemon runs, and no copy is left behind on
//! disk. The file is opened once, and its bytes and the owner and mode that [`permissions`] checks
//! come from that one descriptor. A truncated file is rejected before the copy is loaded, because
//! it would crash the loader.
//! NOTE: a file that mixes the bytes of two builds passes the checks and can crash the process
//! when loaded. A copy that writes over the old file without truncating it first leaves such a
//! file while it runs.
//!
//! Because of the copy, `$ORIGIN` in a plugin's run path does not point at the plugin's folder: a
//! plugin's own dependencies must be found through the system's library path. Libraries are never
//! unloaded: the descriptor and its function pointers live as long as the process.

#![allow(unsafe_code)]

mod host;
mod permissions;

use std::ffi::c_void;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use caravan_plugin::abi::{self, AbiHeader, ActivityHost, Buffer, PluginV1, PluginV1Activities, PluginV1Heartbeats};
use caravan_plugin::manifest::Manifest;

pub use permissions::{PermissionProblem, Reason, Subject};

use crate::config::PluginPermissions;

/// A plugin that passed every check and returned a valid manifest.
pub struct LoadedPlugin {
    path: PathBuf,
    manifest: Manifest,
    /// Plugin ABI major and minor version, from the descriptor's header.
    abi_version: (u16, u16),
    /// Permission problems found and accepted because the check was relaxed.
    permission_problems: Vec<PermissionProblem>,
    descriptor: &'static PluginV1,
    /// `None` for a plugin built for ABI 1.0, which has no activities.
    activity_fn: Option<ActivityFn>,
    /// SHA-256 of the file's bytes as loaded, which distinguishes a replaced file from an unchanged one.
    digest: [u8; 32],
}

/// A plugin's function that runs an activity task, by the ABI version that added it.
#[derive(Clone, Copy)]
enum ActivityFn {
    /// ABI 1.1: the activity receives the cancellation flag and cannot send heartbeat details.
    CancelOnly(unsafe extern "C" fn(*const u8, usize, *const AtomicBool, *mut Buffer) -> u32),
    /// ABI 1.2 and later: the activity receives an `ActivityHost`.
    WithHost(unsafe extern "C" fn(*const u8, usize, *const ActivityHost, *mut Buffer) -> u32),
}

/// Receives the heartbeat details an activity records, as the plugin sent them: UTF-8 bytes,
/// unless the plugin is faulty. It may be called from any thread the plugin uses.
pub type HeartbeatSink<'a> = &'a (dyn Fn(&[u8]) + Sync);

// SAFETY: the descriptor is an immutable static inside a library that is never unloaded, and the ABI
// requires every plugin function to be callable from several threads at once.
unsafe impl Send for LoadedPlugin {}
// SAFETY: as above; `LoadedPlugin` has no interior mutability.
unsafe impl Sync for LoadedPlugin {}

impl fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("path", &self.path)
            .field("name", &self.manifest.name)
            .finish_non_exhaustive()
    }
}

/// Failure to load a plugin file. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read plugin file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("plugin path {path} is not a regular file")]
    NotAFile { path: PathBuf },
    #[error("{}", join_problems(problems))]
    Unsafe {
        path: PathBuf,
        problems: Vec<PermissionProblem>,
    },
    #[error("cannot check the permissions on the path of plugin file {path}: {source}")]
    PathCheck {
        path: PathBuf,
        source: permissions::WalkError,
    },
    #[error("plugin file {path} is {size} bytes, more than the {max} bytes a plugin may have")]
    TooLarge { path: PathBuf, size: u64, max: u64 },
    #[error("{path} is not a valid shared library: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("cannot make a private copy of plugin file {path}: {source}")]
    Copy { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a loadable shared library: {message}")]
    Open { path: PathBuf, message: String },
    #[error(
        "{path} is not a caravan plugin: it does not export the symbol `{}` (build it with caravan_plugin::export_plugin!)",
        abi::DESCRIPTOR_SYMBOL
    )]
    NoDescriptor { path: PathBuf },
    #[error(
        "{path} is not a caravan plugin: the symbol `{}` returned a null pointer",
        abi::DESCRIPTOR_SYMBOL
    )]
    NullDescriptor { path: PathBuf },
    #[error(
        "{path} is not a caravan plugin: the descriptor behind `{}` has the wrong magic value",
        abi::DESCRIPTOR_SYMBOL
    )]
    BadMagic { path: PathBuf },
    #[error(
        "{path} was built for plugin ABI {plugin_major}.{plugin_minor}, but this caravan supports ABI {host_major}.{host_minor} \
         (same major version, minor up to {host_minor}); rebuild the plugin with caravan-plugin {sdk}",
        host_major = abi::ABI_MAJOR,
        host_minor = abi::ABI_MINOR,
        sdk = caravan_plugin::SDK_VERSION
    )]
    AbiMismatch {
        path: PathBuf,
        plugin_major: u16,
        plugin_minor: u16,
    },
    #[error("plugin {path} failed to initialise: {message}")]
    Init { path: PathBuf, message: String },
    #[error("plugin {path} returned an invalid manifest: {message}")]
    Manifest { path: PathBuf, message: String },
}

/// Failure of a decide or activity call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    #[error("plugin returned an error: {0}")]
    Failed(String),
    #[error("plugin panicked: {0}")]
    Panicked(String),
    #[error("plugin returned unknown status {0}")]
    UnknownStatus(u32),
}

fn join_problems(problems: &[PermissionProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    lines.join("; ")
}

impl LoadedPlugin {
    /// Loads the plugin at `path`, checks its permissions and ABI, and reads its manifest.
    ///
    /// With [`PluginPermissions::Strict`] a plugin that users other than root and caravan's own
    /// could change is rejected with [`LoadError::Unsafe`]. With `Relaxed` it is loaded, and
    /// [`LoadedPlugin::permission_problems`] lists what was found, for the caller to warn about.
    pub fn load(path: &Path, permissions: PluginPermissions) -> Result<LoadedPlugin, LoadError> {
        let file = read_checked(path, permissions)?;
        Self::from_file(path, file)
    }

    /// Loads the plugin at `path` like [`LoadedPlugin::load`], unless one of `loaded` came from a
    /// file with the same bytes and the same path: that one is returned instead. A reload then
    /// loads only the plugins whose files changed, because a loaded library is never unloaded.
    pub fn load_reusing(
        path: &Path,
        permissions: PluginPermissions,
        loaded: &[Arc<LoadedPlugin>],
    ) -> Result<Arc<LoadedPlugin>, LoadError> {
        let file = read_checked(path, permissions)?;

        let digest = sha256(&file.bytes);
        let same = loaded
            .iter()
            .find(|plugin| plugin.digest == digest && plugin.path == path);
        if let Some(plugin) = same {
            return Ok(plugin.clone());
        }

        Self::from_file(path, file).map(Arc::new)
    }

    fn from_file(path: &Path, file: PluginFile) -> Result<LoadedPlugin, LoadError> {
        let library = open_private_copy(path, &file.bytes)?;
        let (descriptor, activity_fn, abi_version) = read_descriptor(&library, path)?;

        // The library stays mapped for the life of the process, so the descriptor stays valid.
        std::mem::forget(library);

        // SAFETY: the header was checked, so `init` is a v1 function taking a pointer to a HostV1 that
        // lives as long as the process.
        let status = unsafe { (descriptor.init)(&host::HOST_V1) };
        if status != abi::STATUS_OK {
            let message = format!("init returned status {status}");
            return Err(LoadError::Init {
                path: path.to_path_buf(),
                message,
            });
        }

        let manifest_json = call_for_buffer(descriptor, |out| {
            // SAFETY: `manifest` writes a buffer owned by the plugin into `out` and returns a status.
            unsafe { (descriptor.manifest)(out) }
        });
        let manifest = match manifest_json {
            Ok(bytes) => serde_json::from_slice::<Manifest>(&bytes).map_err(|error| LoadError::Manifest {
                path: path.to_path_buf(),
                message: error.to_string(),
            })?,
            Err(error) => {
                return Err(LoadError::Manifest {
                    path: path.to_path_buf(),
                    message: error.to_string(),
                });
            }
        };
        if activity_fn.is_none() && !manifest.activities.is_empty() {
            return Err(LoadError::Manifest {
                path: path.to_path_buf(),
                message: "it lists activity types, but its ABI 1.0 descriptor has no activity function".to_string(),
            });
        }

        Ok(LoadedPlugin {
            path: path.to_path_buf(),
            manifest,
            abi_version,
            permission_problems: file.problems,
            descriptor,
            activity_fn,
            digest: sha256(&file.bytes),
        })
    }

    /// Returns the SHA-256 of the file's bytes as loaded, in hexadecimal.
    pub fn digest_hex(&self) -> String {
        self.digest.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Returns the plugin ABI version (major, minor) that the plugin was built for.
    pub fn abi_version(&self) -> (u16, u16) {
        self.abi_version
    }

    /// Returns the permission problems that a relaxed check let pass; empty after a strict one.
    pub fn permission_problems(&self) -> &[PermissionProblem] {
        &self.permission_problems
    }

    /// Runs the plugin's decider over one decision task (SWF's DecisionTask JSON, all pages merged)
    /// and returns RespondDecisionTaskCompleted's body without the task token.
    ///
    /// This blocks for as long as the plugin runs, so async callers run it on a blocking thread.
    pub fn decide(&self, task_json: &[u8]) -> Result<Vec<u8>, CallError> {
        let descriptor = self.descriptor;
        call_for_buffer(descriptor, |out| {
            // SAFETY: the task bytes are valid for the duration of the call, and `decide` writes a
            // buffer owned by the plugin into `out`.
            unsafe { (descriptor.decide)(task_json.as_ptr(), task_json.len(), out) }
        })
    }

    /// Runs one activity task (SWF's ActivityTask JSON without the task token) and returns the
    /// outcome JSON that `PluginV1Activities::run_activity` documents. The plugin may read
    /// `cancel` while it runs, and a plugin built for ABI 1.2 or later passes the heartbeat
    /// details its activity records to `heartbeat`. A plugin built for ABI 1.1 never calls it.
    ///
    /// This blocks for as long as the activity runs, so async callers run it on a blocking thread.
    pub fn run_activity(
        &self,
        task_json: &[u8],
        cancel: &AtomicBool,
        heartbeat: HeartbeatSink<'_>,
    ) -> Result<Vec<u8>, CallError> {
        let Some(activity_fn) = self.activity_fn else {
            return Err(CallError::Failed(
                "the plugin was built for ABI 1.0, which has no activities".to_string(),
            ));
        };

        match activity_fn {
            ActivityFn::CancelOnly(run_activity) => call_for_buffer(self.descriptor, |out| {
                // SAFETY: the task bytes and the flag stay valid for the duration of the call, and
                // `run_activity` writes a buffer owned by the plugin into `out`.
                unsafe { run_activity(task_json.as_ptr(), task_json.len(), cancel, out) }
            }),
            ActivityFn::WithHost(run_activity_with_host) => {
                let host = ActivityHost {
                    cancel,
                    context: (&raw const heartbeat).cast::<c_void>(),
                    record_heartbeat: host::record_heartbeat_from_plugin,
                };
                call_for_buffer(self.descriptor, |out| {
                    // SAFETY: the task bytes, `host`, and the flag and the sink it points to stay
                    // valid for the duration of the call, and `run_activity_with_host` writes a
                    // buffer owned by the plugin into `out`.
                    unsafe { run_activity_with_host(task_json.as_ptr(), task_json.len(), &host, out) }
                })
            }
        }
    }
}

/// Larger files are refused before they are read, so that a wrong path such as `/dev/zero` cannot
/// exhaust memory. Real plugins are a few megabytes.
const MAX_PLUGIN_BYTES: u64 = 512 * 1024 * 1024;

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// Reads the plugin file and, with [`PluginPermissions::Strict`], rejects it if anything about its
/// permissions is unsafe.
fn read_checked(path: &Path, permissions: PluginPermissions) -> Result<PluginFile, LoadError> {
    let file = read_plugin_file(path)?;
    if permissions == PluginPermissions::Strict && !file.problems.is_empty() {
        return Err(LoadError::Unsafe {
            path: path.to_path_buf(),
            problems: file.problems,
        });
    }
    Ok(file)
}

/// Checks that `bytes`, read from `path`, are a complete ELF shared library, and opens an in-memory
/// copy of them.
fn open_private_copy(path: &Path, bytes: &[u8]) -> Result<libloading::Library, LoadError> {
    check_elf(bytes).map_err(|message| LoadError::Invalid {
        path: path.to_path_buf(),
        message,
    })?;

    let copy_error = |source: std::io::Error| LoadError::Copy {
        path: path.to_path_buf(),
        source,
    };
    let memfd = rustix::fs::memfd_create("caravan-plugin", rustix::fs::MemfdFlags::CLOEXEC)
        .map_err(|errno| copy_error(errno.into()))?;
    let mut file = std::fs::File::from(memfd);
    std::io::Write::write_all(&mut file, bytes).map_err(copy_error)?;
    let copy_path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&file));

    // SAFETY: loading a library runs its initialisers. caravan only loads files an operator
    // configured as plugins, and a plugin's initialisers are part of what the operator trusts.
    let library = unsafe { libloading::Library::new(&copy_path) }.map_err(|error| LoadError::Open {
        path: path.to_path_buf(),
        message: open_error_message(&error, &copy_path),
    })?;

    // The copy's descriptor stays open for the life of the process. The dynamic loader knows the
    // library by its /proc/self/fd path and returns an already loaded library for a path it has
    // seen, so a descriptor number used again would load the earlier plugin a second time.
    std::mem::forget(file);
    Ok(library)
}

/// The bytes of a plugin file and the permission problems found on its path.
struct PluginFile {
    bytes: Vec<u8>,
    problems: Vec<PermissionProblem>,
}

/// Opens the plugin file once, checks the permissions of the opened file and of its path, and
/// reads its bytes from the same descriptor.
fn read_plugin_file(path: &Path) -> Result<PluginFile, LoadError> {
    let read_error = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };

    // O_NONBLOCK keeps a FIFO at the path from blocking the open. It does not change reads of a
    // regular file, and anything that is not a regular file is rejected below.
    let flags = rustix::fs::OFlags::RDONLY
        | rustix::fs::OFlags::CLOEXEC
        | rustix::fs::OFlags::NONBLOCK
        | rustix::fs::OFlags::NOCTTY;
    let descriptor =
        rustix::fs::open(path, flags, rustix::fs::Mode::empty()).map_err(|errno| read_error(errno.into()))?;
    let file = std::fs::File::from(descriptor);

    // fstat on the descriptor: the owner and mode of exactly the file whose bytes are loaded.
    let metadata = file.metadata().map_err(read_error)?;
    if !metadata.is_file() {
        return Err(LoadError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if metadata.len() > MAX_PLUGIN_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            size: metadata.len(),
            max: MAX_PLUGIN_BYTES,
        });
    }

    let euid = permissions::effective_uid();
    let report = permissions::check_path(path, &metadata, euid).map_err(|source| LoadError::PathCheck {
        path: path.to_path_buf(),
        source,
    })?;
    let mut problems = permissions::check_file(path, &report.real_path, &metadata, euid);
    problems.extend(report.problems);

    // The file may have grown since fstat, so the read stops past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(MAX_PLUGIN_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_PLUGIN_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            max: MAX_PLUGIN_BYTES,
        });
    }
    Ok(PluginFile { bytes, problems })
}

/// Checks that the bytes are an ELF file whose loadable segments all lie inside it: the dynamic
/// loader maps segments past the end of a truncated file, and the process then dies of SIGBUS.
fn check_elf(bytes: &[u8]) -> Result<(), String> {
    use object::{Object, ObjectSegment};

    let file = object::File::parse(bytes).map_err(|error| {
        if bytes.starts_with(b"\x7fELF") {
            format!("a damaged or truncated ELF file ({error})")
        } else {
            format!("not an ELF file ({error})")
        }
    })?;
    if !matches!(file.format(), object::BinaryFormat::Elf) {
        return Err(format!("not an ELF file but {:?}", file.format()));
    }
    for segment in file.segments() {
        let (offset, size) = segment.file_range();
        if offset.saturating_add(size) > bytes.len() as u64 {
            return Err(format!(
                "the file is truncated: a segment needs bytes up to offset {}, but the file has {} bytes",
                offset.saturating_add(size),
                bytes.len()
            ));
        }
    }
    Ok(())
}

/// Returns the dynamic loader's own reason without the private copy's path, because the error
/// names the plugin by its own path already.
fn open_error_message(error: &libloading::Error, copy_path: &str) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text = inner.to_string();
        source = inner.source();
    }
    let text = text.replace(&format!("{copy_path}: "), "");
    text.replace(copy_path, "the plugin")
}

/// The parts of a checked descriptor: the version 1.0 functions, the activity function from ABI 1.1
/// on, and the ABI version (major, minor).
type Descriptor = (&'static PluginV1, Option<ActivityFn>, (u16, u16));

/// Finds the descriptor symbol and checks magic and ABI version before reading anything else.
/// Returns the version 1.0 descriptor, from ABI 1.1 on the newest activity function the
/// descriptor has, and the ABI version.
fn read_descriptor(library: &libloading::Library, path: &Path) -> Result<Descriptor, LoadError> {
    let symbol_name = format!("{}\0", abi::DESCRIPTOR_SYMBOL);
    // SAFETY: every caravan plugin exports this symbol with the `DescriptorFn` signature. The ABI
    // cannot detect a library that exports the name with another type.
    let function: abi::DescriptorFn = unsafe {
        match library.get::<abi::DescriptorFn>(symbol_name.as_bytes()) {
            Ok(symbol) => *symbol,
            Err(_) => {
                return Err(LoadError::NoDescriptor {
                    path: path.to_path_buf(),
                });
            }
        }
    };

    // SAFETY: the descriptor function takes no arguments and returns a pointer to static data.
    let header_ptr: *const AbiHeader = unsafe { function() };
    if header_ptr.is_null() {
        return Err(LoadError::NullDescriptor {
            path: path.to_path_buf(),
        });
    }

    // SAFETY: the pointer is non-null and points at static data in a library that is never unloaded;
    // every ABI version starts with the same header.
    let header: &'static AbiHeader = unsafe { &*header_ptr };
    if header.magic != abi::MAGIC {
        return Err(LoadError::BadMagic {
            path: path.to_path_buf(),
        });
    }
    if header.abi_major != abi::ABI_MAJOR || header.abi_minor > abi::ABI_MINOR {
        return Err(LoadError::AbiMismatch {
            path: path.to_path_buf(),
            plugin_major: header.abi_major,
            plugin_minor: header.abi_minor,
        });
    }

    let version = (header.abi_major, header.abi_minor);
    if header.abi_minor >= abi::ABI_MINOR_HEARTBEATS {
        // SAFETY: the magic value and a minor version of 2 or more show that the header is the
        // first field of a repr(C) `PluginV1Heartbeats`, which starts with a `PluginV1Activities`,
        // which starts with a `PluginV1`.
        let descriptor: &'static PluginV1Heartbeats = unsafe { &*header_ptr.cast::<PluginV1Heartbeats>() };
        let activity_fn = ActivityFn::WithHost(descriptor.run_activity_with_host);
        return Ok((&descriptor.v1_1.v1, Some(activity_fn), version));
    }

    if header.abi_minor >= abi::ABI_MINOR_ACTIVITIES {
        // SAFETY: the magic value and a minor version of 1 show that the header is the first
        // field of a repr(C) `PluginV1Activities`, whose first field is a `PluginV1`, and nothing
        // after it is read.
        let descriptor: &'static PluginV1Activities = unsafe { &*header_ptr.cast::<PluginV1Activities>() };
        return Ok((
            &descriptor.v1,
            Some(ActivityFn::CancelOnly(descriptor.run_activity)),
            version,
        ));
    }

    // SAFETY: the magic value and version 1.0 show that the header is the first field of a
    // repr(C) `PluginV1`, and nothing after it is read.
    Ok((unsafe { &*header_ptr.cast::<PluginV1>() }, None, version))
}

/// Calls a plugin function that fills a buffer, copies the buffer out and hands it back to the plugin.
fn call_for_buffer(descriptor: &PluginV1, call: impl FnOnce(*mut Buffer) -> u32) -> Result<Vec<u8>, CallError> {
    let mut buffer = Buffer::empty();
    let status = call(&mut buffer);

    let bytes = if buffer.ptr.is_null() {
        Vec::new()
    } else {
        // SAFETY: the plugin filled `buffer` with `len` initialised bytes it owns until `free_buffer`.
        let contents = unsafe { std::slice::from_raw_parts(buffer.ptr.cast_const(), buffer.len) }.to_vec();
        // SAFETY: the buffer came from this plugin, and this is its only `free_buffer` call.
        unsafe { (descriptor.free_buffer)(buffer) };
        contents
    };

    match status {
        abi::STATUS_OK => Ok(bytes),
        abi::STATUS_ERROR => Err(CallError::Failed(String::from_utf8_lossy(&bytes).into_owned())),
        abi::STATUS_PANIC => Err(CallError::Panicked(String::from_utf8_lossy(&bytes).into_owned())),
        other => Err(CallError::UnknownStatus(other)),
    }
}
