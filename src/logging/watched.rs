//! A log file that is opened again when something else renames or deletes it, as Python's
//! `WatchedFileHandler` does, so that logrotate can rotate it in its default `create` mode.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::files::{OpenError, open_plain};

/// A log file that checks, before each record, that its path still names the file it writes.
///
/// When the path names no file, or one with another device or inode number, the file is opened
/// again at the path, and created if needed. The check is one `stat` per record, as in Python. It
/// runs on the handler's writer thread, so the threads that log never wait for it.
pub struct WatchedFile {
    path: PathBuf,
    file: File,
    /// Device and inode numbers of `file`.
    identity: (u64, u64),
    /// Whether the last attempt to open the file again failed, so that the failure is reported
    /// once and not per line.
    reopen_failed: bool,
}

impl WatchedFile {
    /// Opens the file at `path`, emptying it first when `truncate` is set.
    pub fn open(path: &Path, truncate: bool) -> Result<WatchedFile, OpenError> {
        let file = open_plain(path, truncate)?;
        let identity = identity_of(&file).map_err(|error| OpenError::new(path, error))?;

        Ok(WatchedFile {
            path: path.to_path_buf(),
            file,
            identity,
            reopen_failed: false,
        })
    }

    /// Returns whether the path no longer names the open file. A `stat` that fails for another
    /// reason than a missing file, such as a folder without search permission, keeps the open file.
    fn is_replaced(&self) -> bool {
        match std::fs::metadata(&self.path) {
            Ok(metadata) => (metadata.dev(), metadata.ino()) != self.identity,
            Err(error) => error.kind() == io::ErrorKind::NotFound,
        }
    }

    /// Opens the file at the path again, in append mode even when the handler's mode is `w`, so
    /// that lines that another process wrote to a new file at the path are kept.
    fn reopen(&mut self) -> io::Result<()> {
        let file = open_plain(&self.path, false).map_err(|error| error.source)?;
        let identity = identity_of(&file)?;

        // The records that were written to the old file reach the disk before it is closed.
        self.file.flush()?;
        self.file = file;
        self.identity = identity;
        Ok(())
    }
}

fn identity_of(file: &File) -> io::Result<(u64, u64)> {
    let metadata = file.metadata()?;
    Ok((metadata.dev(), metadata.ino()))
}

impl Write for WatchedFile {
    /// Writes one record. The non-blocking writer hands over each record in one call.
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        if self.is_replaced() {
            match self.reopen() {
                Ok(()) => self.reopen_failed = false,
                // Lines keep going to the old file, and the next record tries again.
                Err(error) if !self.reopen_failed => {
                    self.reopen_failed = true;
                    // A failed write to stderr is ignored, because there is nowhere else to report it.
                    let _ = writeln!(
                        io::stderr(),
                        "caravan: cannot open log file '{}' again after it was renamed, deleted or replaced, \
                         so lines go on to the old file: {error}",
                        self.path.display()
                    );
                }
                Err(_) => {}
            }
        }

        self.file.write_all(buffer)?;
        Ok(buffer.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    #[test]
    fn unchanged_file_appended() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        std::fs::write(&path, "old\n").unwrap();
        let mut file = WatchedFile::open(&path, false).unwrap();

        file.write_all(b"first\n").unwrap();
        file.write_all(b"second\n").unwrap();

        assert_eq!(read(&path), "old\nfirst\nsecond\n");
    }

    #[test]
    fn truncate_empties_the_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        std::fs::write(&path, "old\n").unwrap();
        let mut file = WatchedFile::open(&path, true).unwrap();

        file.write_all(b"new\n").unwrap();

        assert_eq!(read(&path), "new\n");
    }

    #[test]
    fn renamed_file_reopened() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let rotated = folder.path().join("caravan.log.1");
        let mut file = WatchedFile::open(&path, false).unwrap();
        file.write_all(b"before\n").unwrap();

        std::fs::rename(&path, &rotated).unwrap();
        file.write_all(b"after\n").unwrap();

        assert_eq!(read(&rotated), "before\n");
        assert_eq!(read(&path), "after\n");
    }

    #[test]
    fn file_created_by_rotation_appended() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let rotated = folder.path().join("caravan.log.1");
        let mut file = WatchedFile::open(&path, true).unwrap();
        file.write_all(b"before\n").unwrap();

        // logrotate's `create` mode renames the file, then creates an empty one at the path.
        std::fs::rename(&path, &rotated).unwrap();
        std::fs::write(&path, "written by another process\n").unwrap();
        file.write_all(b"after\n").unwrap();

        assert_eq!(read(&rotated), "before\n");
        assert_eq!(read(&path), "written by another process\nafter\n");
    }

    #[test]
    fn deleted_file_created_anew() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let mut file = WatchedFile::open(&path, false).unwrap();
        file.write_all(b"before\n").unwrap();

        std::fs::remove_file(&path).unwrap();
        file.write_all(b"after\n").unwrap();

        assert_eq!(read(&path), "after\n");
    }

    #[test]
    fn failed_reopen_keeps_the_old_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let link = folder.path().join("old-file");
        let mut file = WatchedFile::open(&path, false).unwrap();
        std::fs::hard_link(&path, &link).unwrap();

        // A folder at the path cannot be opened as a log file.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        let written = file.write_all(b"kept\n");

        assert!(written.is_ok(), "{written:?}");
        assert!(file.reopen_failed);
        assert_eq!(read(&link), "kept\n");

        std::fs::remove_dir(&path).unwrap();
        file.write_all(b"new\n").unwrap();

        assert!(!file.reopen_failed);
        assert_eq!(read(&path), "new\n");
        assert_eq!(read(&link), "kept\n");
    }
}
