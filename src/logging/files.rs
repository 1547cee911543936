//! Log files: plain, rotated by size as Python's `RotatingFileHandler` does, and rotated by time
//! through tracing-appender.
//!
//! tracing-appender 0.2.5 rotates by time only, so caravan rotates by size with its own writer.
//! The crates made for size rotation did not fit. file-rotate 0.8 panics when it cannot create
//! the folder and drops lines when it cannot open the file. logroller 0.1 renames the old files
//! on a background thread, so `.1` may not exist yet when the daemon exits.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};

use super::settings::{Destination, Period};

/// A log file that cannot be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open log file '{}': {source}", path.display())]
pub struct OpenError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
    pub hint: String,
}

impl OpenError {
    fn new(path: &Path, source: io::Error) -> OpenError {
        let hint = match source.kind() {
            io::ErrorKind::PermissionDenied => {
                "give the user that runs caravan write permission on the file and its folder"
            }
            io::ErrorKind::NotFound => "create the folder, and give the user that runs caravan write permission on it",
            _ => "check the path in the handler's args",
        };
        OpenError {
            path: path.to_path_buf(),
            source,
            hint: hint.to_string(),
        }
    }
}

/// Opens the file of a file destination. Returns `None` for the other destinations.
pub fn open(destination: &Destination) -> Option<Result<Box<dyn Write + Send>, OpenError>> {
    let opened = match destination {
        Destination::File { path, truncate } => open_plain(path, *truncate).map(boxed),
        Destination::SizeRotating {
            path,
            max_bytes,
            backup_count,
        } => SizeRotatingFile::open(path, *max_bytes, *backup_count).map(boxed),
        Destination::TimeRotating {
            path,
            period,
            backup_count,
        } => open_time_rotating(path, *period, *backup_count).map(boxed),
        Destination::Stderr | Destination::Stdout | Destination::Discard => return None,
    };
    Some(opened)
}

fn boxed(writer: impl Write + Send + 'static) -> Box<dyn Write + Send> {
    Box::new(writer)
}

fn open_plain(path: &Path, truncate: bool) -> Result<File, OpenError> {
    let mut options = OpenOptions::new();
    options.create(true);
    if truncate {
        options.write(true).truncate(true);
    } else {
        options.append(true);
    }
    options.open(path).map_err(|error| OpenError::new(path, error))
}

/// Opens a file that tracing-appender starts anew each period. The files are named
/// `NAME.2024-05-01` (with `-13` for the hour and `-13-45` for the minute), in UTC as
/// tracing-appender names them, and `NAME` is a symbolic link to the current one.
fn open_time_rotating(path: &Path, period: Period, backup_count: u32) -> Result<RollingFileAppender, OpenError> {
    let (folder, name) = split_path(path)?;
    check_folder(path, folder)?;

    // tracing-appender replaces the link with `remove_file`, which would also delete a log file
    // of the same name, such as one that a FileHandler wrote before.
    if let Ok(metadata) = std::fs::symlink_metadata(path)
        && !metadata.file_type().is_symlink()
    {
        let error = io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it exists and is not a symbolic link, which caravan would replace with a link to the current dated file",
        );
        let mut error = OpenError::new(path, error);
        error.hint = "move the file away, for example to NAME.old".to_string();
        return Err(error);
    }

    let rotation = match period {
        Period::Minutely => Rotation::MINUTELY,
        Period::Hourly => Rotation::HOURLY,
        Period::Daily => Rotation::DAILY,
        Period::Weekly => Rotation::WEEKLY,
    };
    let mut builder = RollingFileAppender::builder()
        .rotation(rotation)
        .filename_prefix(name)
        .latest_symlink(name);
    if backup_count > 0 {
        // tracing-appender counts the current file too.
        builder = builder.max_log_files(backup_count as usize + 1);
    }
    builder
        .build(folder)
        .map_err(|error| OpenError::new(path, io::Error::other(error)))
}

fn split_path(path: &Path) -> Result<(&Path, &str), OpenError> {
    let folder = path.parent().unwrap_or(Path::new("/"));
    let name = path.file_name().and_then(|name| name.to_str()).ok_or_else(|| {
        OpenError::new(
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "the file name is missing or not UTF-8"),
        )
    })?;
    Ok((folder, name))
}

/// Checks that the folder exists, because tracing-appender would create it where Python fails.
fn check_folder(path: &Path, folder: &Path) -> Result<(), OpenError> {
    match std::fs::metadata(folder) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(OpenError::new(
            path,
            io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("'{}' is not a folder", folder.display()),
            ),
        )),
        Err(error) => Err(OpenError::new(
            path,
            io::Error::new(error.kind(), format!("folder '{}': {error}", folder.display())),
        )),
    }
}

/// A file renamed to `NAME.1` before a record would make it reach `max_bytes`, as Python's
/// `RotatingFileHandler` does: `NAME.1` becomes `NAME.2` and so on, and the file past
/// `backup_count` is deleted.
///
/// Unlike Python, an empty file is never rotated, so a record longer than `max_bytes` gets a
/// file of its own rather than leaving an empty `.1` behind.
pub struct SizeRotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    max_bytes: u64,
    backup_count: u32,
    /// Whether the last rotation failed, so that the failure is reported once and not per line.
    rotation_failed: bool,
}

impl SizeRotatingFile {
    pub fn open(path: &Path, max_bytes: u64, backup_count: u32) -> Result<SizeRotatingFile, OpenError> {
        let file = open_plain(path, false)?;
        let size = file.metadata().map_err(|error| OpenError::new(path, error))?.len();

        Ok(SizeRotatingFile {
            path: path.to_path_buf(),
            file,
            size,
            max_bytes,
            backup_count,
            rotation_failed: false,
        })
    }

    /// Returns whether a record of `length` bytes would make the file reach `max_bytes`.
    ///
    /// The size is counted, and read from the file only when the count reaches the limit, so
    /// that a file that someone else emptied is not rotated.
    fn is_full(&mut self, length: u64) -> bool {
        if self.size == 0 || self.size.saturating_add(length) < self.max_bytes {
            return false;
        }
        if let Ok(metadata) = self.file.metadata() {
            self.size = metadata.len();
        }
        self.size > 0 && self.size.saturating_add(length) >= self.max_bytes
    }

    /// Renames the old files one number up and the current one to `.1`, then opens a new file.
    /// A file that is missing is skipped, as Python skips it, so that a deleted log file is
    /// created anew.
    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;

        for number in (1..self.backup_count).rev() {
            let source = numbered(&self.path, number);
            if source.exists() {
                std::fs::rename(&source, numbered(&self.path, number + 1))?;
            }
        }
        if self.path.exists() {
            std::fs::rename(&self.path, numbered(&self.path, 1))?;
        }

        self.file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

fn numbered(path: &Path, number: u32) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{number}"));
    PathBuf::from(name)
}

impl Write for SizeRotatingFile {
    /// Writes one record. The non-blocking writer hands over each record in one call.
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let length = buffer.len() as u64;
        if self.is_full(length) {
            match self.rotate() {
                Ok(()) => self.rotation_failed = false,
                // Lines keep going to the current file rather than being lost.
                Err(error) if !self.rotation_failed => {
                    self.rotation_failed = true;
                    // A failed write to stderr is ignored, because there is nowhere else to report it.
                    let _ = writeln!(
                        io::stderr(),
                        "caravan: cannot rotate log file '{}', writing on to it: {error}",
                        self.path.display()
                    );
                }
                Err(_) => {}
            }
        }

        self.file.write_all(buffer)?;
        self.size = self.size.saturating_add(length);
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
    fn size_rotation_keeps_backup_count_files() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let mut file = SizeRotatingFile::open(&path, 20, 2).unwrap();

        for number in 1..=7 {
            file.write_all(format!("line {number:02} ......\n").as_bytes()).unwrap();
        }

        assert_eq!(read(&path), "line 07 ......\n");
        assert_eq!(read(&numbered(&path, 1)), "line 06 ......\n");
        assert_eq!(read(&numbered(&path, 2)), "line 05 ......\n");
        assert!(!numbered(&path, 3).exists());
    }

    #[test]
    fn size_rotation_before_reaching_max_bytes() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let mut file = SizeRotatingFile::open(&path, 10, 1).unwrap();

        file.write_all(b"abcd\n").unwrap();
        file.write_all(b"efgh\n").unwrap();

        assert_eq!(
            read(&path),
            "efgh\n",
            "5 + 5 bytes reach max_bytes, so the file rotates first"
        );
        assert_eq!(read(&numbered(&path, 1)), "abcd\n");
    }

    #[test]
    fn size_rotation_continues_an_existing_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        std::fs::write(&path, "old line\n").unwrap();
        let mut file = SizeRotatingFile::open(&path, 12, 3).unwrap();

        file.write_all(b"new line\n").unwrap();

        assert_eq!(read(&numbered(&path, 1)), "old line\n");
        assert_eq!(read(&path), "new line\n");
    }

    #[test]
    fn long_record_gets_its_own_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let mut file = SizeRotatingFile::open(&path, 4, 3).unwrap();

        file.write_all(b"a long record\n").unwrap();
        file.write_all(b"another one\n").unwrap();

        assert_eq!(read(&numbered(&path, 1)), "a long record\n");
        assert_eq!(read(&path), "another one\n");
        assert!(!numbered(&path, 2).exists());
    }

    #[test]
    fn deleted_file_created_anew() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let mut file = SizeRotatingFile::open(&path, 10, 2).unwrap();
        file.write_all(b"first\n").unwrap();
        std::fs::write(numbered(&path, 1), "older\n").unwrap();

        std::fs::remove_file(&path).unwrap();
        file.write_all(b"second\n").unwrap();

        assert_eq!(read(&path), "second\n");
        assert_eq!(read(&numbered(&path, 2)), "older\n");
        assert!(!numbered(&path, 1).exists());
    }

    #[test]
    fn emptied_file_not_rotated() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let mut file = SizeRotatingFile::open(&path, 10, 2).unwrap();
        file.write_all(b"first\n").unwrap();

        std::fs::File::create(&path).unwrap();
        file.write_all(b"second\n").unwrap();

        assert_eq!(read(&path), "second\n");
        assert!(!numbered(&path, 1).exists());
    }

    #[test]
    fn open_errors_name_the_path() {
        let folder = tempfile::tempdir().unwrap();
        let missing = folder.path().join("missing").join("caravan.log");
        let destinations = [
            Destination::File {
                path: missing.clone(),
                truncate: false,
            },
            Destination::SizeRotating {
                path: missing.clone(),
                max_bytes: 10,
                backup_count: 1,
            },
            Destination::TimeRotating {
                path: missing.clone(),
                period: Period::Daily,
                backup_count: 1,
            },
        ];

        for destination in &destinations {
            let error = match open(destination) {
                Some(Err(error)) => error,
                _ => panic!("{destination:?} opened"),
            };
            assert_eq!(error.path, missing);
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("cannot open log file '{}': ", missing.display())),
                "{error}"
            );
            assert!(error.hint.starts_with("create the folder"), "{}", error.hint);
        }
    }

    #[test]
    fn truncate_empties_the_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        std::fs::write(&path, "old\n").unwrap();

        let mut appended = open_plain(&path, false).unwrap();
        appended.write_all(b"kept\n").unwrap();
        assert_eq!(read(&path), "old\nkept\n");

        let mut truncated = open_plain(&path, true).unwrap();
        truncated.write_all(b"new\n").unwrap();
        assert_eq!(read(&path), "new\n");
    }

    #[test]
    fn time_rotation_links_the_current_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let mut file = open_time_rotating(&path, Period::Daily, 3).unwrap();

        file.write_all(b"hello\n").unwrap();
        file.flush().unwrap();

        let target = std::fs::read_link(&path).unwrap();
        let target_name = target.file_name().unwrap().to_string_lossy().into_owned();
        assert!(target_name.starts_with("caravan.log.20"), "{target_name}");
        assert_eq!(read(&path), "hello\n");
    }

    #[test]
    fn time_rotation_keeps_plain_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        std::fs::write(&path, "written by a FileHandler\n").unwrap();

        let error = open_time_rotating(&path, Period::Hourly, 0).err().unwrap();

        assert!(error.to_string().contains("is not a symbolic link"), "{error}");
        assert_eq!(read(&path), "written by a FileHandler\n");
    }
}
