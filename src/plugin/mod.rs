//! Loading plugins (cdylibs) and calling them: the one place where caravan uses `unsafe`.
//!
//! A plugin exports one symbol, `caravan_plugin_descriptor`, that returns a pointer to a static
//! descriptor. Its header (magic value, ABI major and minor) is checked before anything else is read:
//! the major version must equal the host's and the minor must not be newer. Data crosses the
//! boundary as UTF-8 JSON; buffers the plugin returns are freed by the plugin.
//!
//! Each plugin is loaded from a private in-memory copy of its file (a memfd). An operator can then
//! overwrite or replace the installed file while the daemon runs, and no copy is left behind on
//! disk. A truncated file is rejected before the copy is loaded, because it would crash the loader.
//! NOTE: a file that mixes the bytes of two builds passes the checks and can crash the process
//! when loaded. A copy that writes over the old file without truncating it first leaves such a
//! file while it runs.
//!
//! Because of the copy, `$ORIGIN` in a plugin's run path does not point at the plugin's folder: a
//! plugin's own dependencies must be found through the system's library path. Libraries are never
//! unloaded: the descriptor and its function pointers live as long as the process.

#![allow(unsafe_code)]

mod host;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use caravan_plugin::abi::{self, AbiHeader, Buffer, PluginV1, PluginV1Activities};
use caravan_plugin::manifest::Manifest;

/// A plugin that passed every check and returned a valid manifest.
pub struct LoadedPlugin {
    path: PathBuf,
    manifest: Manifest,
    descriptor: &'static PluginV1,
    /// `None` for a plugin built for ABI 1.0, which has no activities.
    run_activity: Option<RunActivityFn>,
    /// SHA-256 of the file's bytes as loaded, which tells a replaced file from an unchanged one.
    digest: [u8; 32],
}

type RunActivityFn = unsafe extern "C" fn(*const u8, usize, *const AtomicBool, *mut Buffer) -> u32;

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

impl LoadedPlugin {
    /// Loads the plugin at `path`, checks its ABI and reads its manifest.
    pub fn load(path: &Path) -> Result<LoadedPlugin, LoadError> {
        let bytes = read_plugin_file(path)?;
        Self::from_bytes(path, &bytes)
    }

    /// Loads the plugin at `path` like [`LoadedPlugin::load`], unless one of `loaded` came from a
    /// file with the same bytes and the same path: that one is returned instead. A reload then
    /// loads only the plugins whose files changed, because a loaded library is never unloaded.
    pub fn load_reusing(path: &Path, loaded: &[Arc<LoadedPlugin>]) -> Result<Arc<LoadedPlugin>, LoadError> {
        let bytes = read_plugin_file(path)?;

        let digest = sha256(&bytes);
        let same = loaded
            .iter()
            .find(|plugin| plugin.digest == digest && plugin.path == path);
        if let Some(plugin) = same {
            return Ok(plugin.clone());
        }

        Self::from_bytes(path, &bytes).map(Arc::new)
    }

    fn from_bytes(path: &Path, bytes: &[u8]) -> Result<LoadedPlugin, LoadError> {
        let library = open_private_copy(path, bytes)?;
        let (descriptor, run_activity) = read_descriptor(&library, path)?;

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
        if run_activity.is_none() && !manifest.activities.is_empty() {
            return Err(LoadError::Manifest {
                path: path.to_path_buf(),
                message: "it lists activity types, but its ABI 1.0 descriptor has no activity function".to_string(),
            });
        }

        Ok(LoadedPlugin {
            path: path.to_path_buf(),
            manifest,
            descriptor,
            run_activity,
            digest: sha256(bytes),
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
    /// `cancel` while it runs.
    ///
    /// This blocks for as long as the activity runs, so async callers run it on a blocking thread.
    pub fn run_activity(&self, task_json: &[u8], cancel: &AtomicBool) -> Result<Vec<u8>, CallError> {
        let Some(run_activity) = self.run_activity else {
            return Err(CallError::Failed(
                "the plugin was built for ABI 1.0, which has no activities".to_string(),
            ));
        };
        call_for_buffer(self.descriptor, |out| {
            // SAFETY: the task bytes and the flag stay valid for the duration of the call, and
            // `run_activity` writes a buffer owned by the plugin into `out`.
            unsafe { run_activity(task_json.as_ptr(), task_json.len(), cancel, out) }
        })
    }
}

/// Larger files are refused before they are read, so that a wrong path such as `/dev/zero` cannot
/// exhaust memory. Real plugins are a few megabytes.
const MAX_PLUGIN_BYTES: u64 = 512 * 1024 * 1024;

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// Checks that the file's bytes are a complete ELF shared library, and opens an in-memory copy.
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

fn read_plugin_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    let read_error = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(read_error)?;
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
    std::fs::read(path).map_err(read_error)
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

/// Finds the descriptor symbol and checks magic and ABI version before reading anything else.
/// Returns the version 1.0 descriptor and, from ABI 1.1 on, the activity function.
fn read_descriptor(
    library: &libloading::Library,
    path: &Path,
) -> Result<(&'static PluginV1, Option<RunActivityFn>), LoadError> {
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

    if header.abi_minor >= abi::ABI_MINOR_ACTIVITIES {
        // SAFETY: the magic value and a minor version of 1 or more show that the header is the
        // first field of a repr(C) `PluginV1Activities`, whose first field is a `PluginV1`.
        let descriptor: &'static PluginV1Activities = unsafe { &*header_ptr.cast::<PluginV1Activities>() };
        return Ok((&descriptor.v1, Some(descriptor.run_activity)));
    }

    // SAFETY: the magic value and version 1.0 show that the header is the first field of a
    // repr(C) `PluginV1`, and nothing after it is read.
    Ok((unsafe { &*header_ptr.cast::<PluginV1>() }, None))
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
