//! Checks that only root and the user caravan runs as can change a plugin, in the manner of sshd's
//! `StrictModes`, because a plugin runs with all of caravan's rights.
//!
//! A plugin is accepted when the file, every folder on its path up to `/` and every symlink on the
//! way are owned by root or by caravan's effective user. Neither the file nor a folder may be
//! writable by its group or by others. The path is resolved one component at a time, as the kernel
//! resolves it, so the folders that a symlink leads through are checked too. The owner of each
//! symlink is checked as well, because the owner of a symlink can replace it. Symlinks have no mode
//! of their own to check.
//!
//! A folder with the sticky bit, such as `/tmp`, is accepted even when others can write to it.
//! Others can add entries to it but cannot rename or remove the entries they do not own, and the
//! entry on the plugin's path must be owned by root or caravan's user like everything else.
//!
//! The file's own owner and mode come from `fstat` on the descriptor whose bytes are loaded, so
//! they describe exactly what is loaded. The path is walked after the file is opened and must end
//! at the same file (device and inode). Only root and caravan's user can change a folder that
//! passes the check, so a path that passes still leads to the opened file.
//!
//! NOTE: access control lists and Linux capabilities are not looked at: a folder whose mode bits
//! pass can still be writable by another user through an ACL entry.

use std::ffi::OsString;
use std::fmt;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// Maximum number of symlinks followed on one path, as Linux's own limit (`MAXSYMLINKS`).
const MAX_SYMLINKS: u32 = 40;

const GROUP_WRITE: u32 = 0o020;
const OTHERS_WRITE: u32 = 0o002;
const STICKY: u32 = 0o1000;

/// Something that users other than root and caravan's own could change on the path of a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionProblem {
    /// The plugin path as configured.
    pub plugin: PathBuf,
    pub subject: Subject,
    pub reason: Reason,
}

/// The file, folder or symlink that a [`PermissionProblem`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The plugin file, by its real path: the configured path with every symlink resolved.
    File(PathBuf),
    Folder(PathBuf),
    /// A symlink on the path, and the target it stores.
    Symlink {
        path: PathBuf,
        target: PathBuf,
    },
}

/// The reason a [`Subject`] is unsafe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Writable by the group, by others, or both; `mode` is the permission bits.
    Writable { group: bool, others: bool, mode: u32 },
    /// Owned by `owner`, who is neither root nor `euid`, caravan's effective user.
    Owner { owner: u32, euid: u32 },
    /// The path led to another file than the one opened, so it changed during loading.
    Replaced,
}

/// Failure to inspect a path component while checking the path of a plugin.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("cannot read the metadata of {path}: {source}")]
    Metadata { path: PathBuf, source: std::io::Error },
    #[error("cannot read symlink {path}: {source}")]
    ReadLink { path: PathBuf, source: std::io::Error },
    #[error("more than {MAX_SYMLINKS} symlinks on the path")]
    TooManySymlinks,
    #[error("{path} is not a folder, but the path goes on below it")]
    NotAFolder { path: PathBuf },
    #[error("cannot read the working folder: {0}")]
    WorkingFolder(std::io::Error),
}

/// Returns caravan's effective user id, which may own plugins and their folders besides root.
pub fn effective_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Checks the opened plugin file, as `fstat` on its descriptor returned it. `real_path` is where
/// [`check_path`] found it.
pub fn check_file(plugin: &Path, real_path: &Path, opened: &Metadata, euid: u32) -> Vec<PermissionProblem> {
    let mut problems = Vec::new();
    let mut push = |reason| {
        problems.push(PermissionProblem {
            plugin: plugin.to_path_buf(),
            subject: Subject::File(real_path.to_path_buf()),
            reason,
        })
    };

    if let Some(reason) = owner_problem(opened, euid) {
        push(reason);
    }
    if let Some(reason) = write_problem(opened) {
        push(reason);
    }
    problems
}

/// The outcome of walking a plugin's path: its real path and the problems on the way to it.
pub struct PathReport {
    pub real_path: PathBuf,
    pub problems: Vec<PermissionProblem>,
}

/// Resolves `plugin` one component at a time from `/`, checks every folder and symlink on the way,
/// and checks that the path ends at the `opened` file.
pub fn check_path(plugin: &Path, opened: &Metadata, euid: u32) -> Result<PathReport, WalkError> {
    let mut problems = Vec::new();
    let mut push = |subject, reason| {
        problems.push(PermissionProblem {
            plugin: plugin.to_path_buf(),
            subject,
            reason,
        })
    };

    let absolute = if plugin.is_absolute() {
        plugin.to_path_buf()
    } else {
        std::env::current_dir().map_err(WalkError::WorkingFolder)?.join(plugin)
    };

    // Components still to resolve, the next one last.
    let mut pending: Vec<OsString> = Vec::new();
    push_components(&mut pending, &absolute);
    let mut resolved = PathBuf::from("/");
    check_folder(&resolved, euid, &mut push)?;
    let mut symlinks = 0;

    let (real_path, final_metadata) = loop {
        let Some(name) = pending.pop() else {
            // The path ends at a folder, as in `lib/..`: the open found no regular file there
            // either, but report what the walk found.
            return Err(WalkError::NotAFolder { path: resolved });
        };
        if name == ".." {
            // `resolved` contains no symlinks, so its parent is the folder the kernel goes to.
            resolved.pop();
            continue;
        }

        let candidate = resolved.join(&name);
        let metadata = std::fs::symlink_metadata(&candidate).map_err(|source| WalkError::Metadata {
            path: candidate.clone(),
            source,
        })?;

        if metadata.file_type().is_symlink() {
            symlinks += 1;
            if symlinks > MAX_SYMLINKS {
                return Err(WalkError::TooManySymlinks);
            }
            let target = std::fs::read_link(&candidate).map_err(|source| WalkError::ReadLink {
                path: candidate.clone(),
                source,
            })?;
            if let Some(reason) = owner_problem(&metadata, euid) {
                let subject = Subject::Symlink {
                    path: candidate.clone(),
                    target: target.clone(),
                };
                push(subject, reason);
            }
            if target.is_absolute() {
                resolved = PathBuf::from("/");
            }
            push_components(&mut pending, &target);
            continue;
        }

        if pending.is_empty() {
            break (candidate, metadata);
        }
        if !metadata.is_dir() {
            return Err(WalkError::NotAFolder { path: candidate });
        }
        folder_problems(&candidate, &metadata, euid, &mut push);
        resolved = candidate;
    };

    let same_file = final_metadata.dev() == opened.dev() && final_metadata.ino() == opened.ino();
    if !same_file {
        push(Subject::File(real_path.clone()), Reason::Replaced);
    }
    Ok(PathReport { real_path, problems })
}

/// Pushes the components of `path` onto the stack so that the first one is popped first. The root
/// and `.` components are left out: the caller handles an absolute path.
fn push_components(pending: &mut Vec<OsString>, path: &Path) {
    let names = path.components().filter_map(|component| match component {
        Component::Normal(name) => Some(name.to_os_string()),
        Component::ParentDir => Some(OsString::from("..")),
        Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
    });
    let names: Vec<OsString> = names.collect();
    pending.extend(names.into_iter().rev());
}

fn check_folder(folder: &Path, euid: u32, push: &mut impl FnMut(Subject, Reason)) -> Result<(), WalkError> {
    let metadata = std::fs::symlink_metadata(folder).map_err(|source| WalkError::Metadata {
        path: folder.to_path_buf(),
        source,
    })?;
    folder_problems(folder, &metadata, euid, push);
    Ok(())
}

fn folder_problems(folder: &Path, metadata: &Metadata, euid: u32, push: &mut impl FnMut(Subject, Reason)) {
    if let Some(reason) = owner_problem(metadata, euid) {
        push(Subject::Folder(folder.to_path_buf()), reason);
    }
    // Others cannot rename or remove an entry they do not own in a sticky folder.
    let sticky = metadata.mode() & STICKY != 0;
    if !sticky && let Some(reason) = write_problem(metadata) {
        push(Subject::Folder(folder.to_path_buf()), reason);
    }
}

fn owner_problem(metadata: &Metadata, euid: u32) -> Option<Reason> {
    let owner = metadata.uid();
    (owner != 0 && owner != euid).then_some(Reason::Owner { owner, euid })
}

fn write_problem(metadata: &Metadata) -> Option<Reason> {
    let mode = metadata.mode() & 0o7777;
    let group = mode & GROUP_WRITE != 0;
    let others = mode & OTHERS_WRITE != 0;
    (group || others).then_some(Reason::Writable { group, others, mode })
}

impl fmt::Display for PermissionProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plugin = self.plugin.display();
        let (what, path) = match &self.subject {
            Subject::File(real_path) if *real_path == self.plugin => {
                write!(formatter, "plugin file {plugin} ")?;
                (String::new(), real_path.clone())
            }
            Subject::File(real_path) => {
                write!(formatter, "plugin file {plugin}: ")?;
                (format!("its real file {} ", real_path.display()), real_path.clone())
            }
            Subject::Folder(folder) => {
                write!(formatter, "plugin file {plugin}: ")?;
                (format!("folder {} ", folder.display()), folder.clone())
            }
            Subject::Symlink { path, target } => {
                write!(formatter, "plugin file {plugin}: ")?;
                (
                    format!("symlink {} (to {}) ", path.display(), target.display()),
                    path.clone(),
                )
            }
        };
        let path_text = path.display();
        let symlink = matches!(self.subject, Subject::Symlink { .. });

        match &self.reason {
            Reason::Writable { group, others, mode } => {
                let (whom, bits) = match (group, others) {
                    (true, true) => ("its group and others", "go-w"),
                    (true, false) => ("its group", "g-w"),
                    _ => ("others", "o-w"),
                };
                write!(
                    formatter,
                    "{what}is writable by {whom} (mode {mode:04o}); remove that write permission: chmod {bits} {path_text}"
                )
            }
            Reason::Owner { owner, euid } => {
                let change = if symlink { "chown -h" } else { "chown" };
                write!(
                    formatter,
                    "{what}is owned by uid {owner}, but only root or uid {euid}, which caravan runs as, may own it; \
                     change its owner: {change} root {path_text}"
                )
            }
            Reason::Replaced => write!(
                formatter,
                "{what}changed while caravan was loading it: the path now leads to another file; start again once it is in place"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    /// Creates a temporary folder at mode 0755 with a file `lib.so` at mode 0644.
    fn safe_folder() -> (tempfile::TempDir, PathBuf) {
        let folder = tempfile::tempdir().expect("temporary folder");
        std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let file = folder.path().join("lib.so");
        std::fs::write(&file, b"plugin").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        (folder, file)
    }

    fn walk(path: &Path, file: &Path) -> Result<PathReport, WalkError> {
        let opened = std::fs::metadata(file).expect("metadata");
        check_path(path, &opened, effective_uid())
    }

    #[test]
    fn parent_folder_after_symlink_is_physical() {
        let (folder, file) = safe_folder();
        let nested = folder.path().join("a/b");
        std::fs::create_dir_all(&nested).expect("create folders");
        for path in [folder.path().join("a"), nested.clone()] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        // `link/..` is the physical parent of a/b, which is a, not the folder of the link.
        symlink(&nested, folder.path().join("link")).expect("symlink");
        std::fs::rename(&file, folder.path().join("a/lib.so")).expect("move");
        let real = folder.path().join("a/lib.so");

        let report = walk(&folder.path().join("link/../lib.so"), &real).expect("walk");

        assert_eq!(report.real_path, real);
        assert_eq!(report.problems, []);
    }

    #[test]
    fn symlink_loop_is_an_error() {
        let (folder, file) = safe_folder();
        symlink("loop-b", folder.path().join("loop-a")).expect("symlink");
        symlink("loop-a", folder.path().join("loop-b")).expect("symlink");

        let error = walk(&folder.path().join("loop-a"), &file).err().expect("an error");

        assert!(matches!(error, WalkError::TooManySymlinks), "{error}");
    }

    #[test]
    fn other_file_at_path_is_replaced() {
        let (folder, file) = safe_folder();
        let opened = std::fs::metadata(&file).expect("metadata");
        std::fs::rename(&file, folder.path().join("old.so")).expect("move");
        std::fs::write(&file, b"other").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");

        let report = check_path(&file, &opened, effective_uid()).expect("walk");

        assert_eq!(report.problems.len(), 1);
        assert_eq!(report.problems[0].reason, Reason::Replaced);
    }

    #[test]
    fn sticky_writable_folder_passes() {
        let (folder, file) = safe_folder();
        std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o1777)).expect("chmod");

        let report = walk(&file, &file).expect("walk");

        assert_eq!(report.problems, []);
    }

    #[test]
    fn relative_path_starts_at_working_folder() {
        let (_folder, file) = safe_folder();
        let working = std::env::current_dir().expect("working folder");
        let relative: PathBuf = working
            .components()
            .skip(1)
            .map(|_| Component::ParentDir.as_os_str())
            .collect::<PathBuf>()
            .join(file.strip_prefix("/").expect("absolute"));

        let report = walk(&relative, &file).expect("walk");

        assert_eq!(report.real_path, file);
    }
}
