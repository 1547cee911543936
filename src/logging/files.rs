//! Log files: plain, rotated by size as Python's `RotatingFileHandler` does, and rotated by time
//! through tracing-appender. The `watched` module has the plain file that follows its path.
//!
//! tracing-appender 0.2.5 rotates by time only, so caravan rotates by size with its own writer.
//! The crates made for size rotation did not fit. file-rotate 0.8 panics when it cannot create
//! the folder and drops lines when it cannot open the file. logroller 0.1 renames the old files
//! on a background thread, so `.1` may not exist yet when the daemon exits.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};

use super::settings::{Destination, Period};
use super::watched::WatchedFile;

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
    pub(super) fn new(path: &Path, source: io::Error) -> OpenError {
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
        Destination::WatchedFile { path, truncate } => WatchedFile::open(path, *truncate).map(boxed),
        Destination::SizeRotating {
            path,
            max_bytes,
            backup_count,
        } => SizeRotatingFile::open(path, *max_bytes, *backup_count).map(boxed),
        Destination::TimeRotating {
            path,
            period,
            backup_count,
        } => TimeRotatingFile::open(path, *period, *backup_count).map(boxed),
        Destination::Stderr | Destination::Stdout | Destination::Discard => return None,
    };

    let path = destination.path()?;
    Some(opened.map(|writer| boxed(ReportingFile::new(path, writer))))
}

/// Checks that the file of a file destination could be opened, without creating, emptying or
/// writing it. An existing file must open for appending, and the folder of a missing one must
/// let caravan's user create it. Returns `None` for the other destinations.
pub fn check(destination: &Destination) -> Option<Result<(), OpenError>> {
    let path = destination.path()?;
    let checked = match destination {
        Destination::TimeRotating { .. } => check_time_rotating(path),
        _ => check_writable(path),
    };
    Some(checked)
}

fn check_writable(path: &Path) -> Result<(), OpenError> {
    // O_NONBLOCK keeps a FIFO without a reader from blocking the check.
    let opened = OpenOptions::new()
        .append(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path);
    match opened {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let folder = path.parent().unwrap_or(Path::new("/"));
            check_creatable(folder).map_err(|error| OpenError::new(path, error))
        }
        Err(error) => Err(OpenError::new(path, error)),
    }
}

/// Checks the folder and the symlink at `path` as [`open_time_rotating`] does, and that caravan's
/// user can create the dated files.
fn check_time_rotating(path: &Path) -> Result<(), OpenError> {
    let (folder, _) = split_path(path)?;
    check_folder(path, folder)?;
    check_not_plain_file(path)?;
    check_creatable(folder).map_err(|error| OpenError::new(path, error))
}

/// Checks that the effective user can create files in `folder`.
fn check_creatable(folder: &Path) -> io::Result<()> {
    let access = rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK;
    rustix::fs::accessat(rustix::fs::CWD, folder, access, rustix::fs::AtFlags::EACCESS)?;
    Ok(())
}

fn boxed(writer: impl Write + Send + 'static) -> Box<dyn Write + Send> {
    Box::new(writer)
}

/// A log file writer that reports on stderr when writing starts to fail and when it works again.
///
/// The log writer threads of tracing-appender 0.2.5 drop a line that fails to be written without
/// a word, so a full disk would otherwise lose log lines silently.
struct ReportingFile {
    path: PathBuf,
    inner: Box<dyn Write + Send>,
    /// Whether the last write failed, so that a failure is reported once and not per line.
    failing: bool,
}

impl ReportingFile {
    fn new(path: &Path, inner: Box<dyn Write + Send>) -> ReportingFile {
        ReportingFile {
            path: path.to_path_buf(),
            inner,
            failing: false,
        }
    }

    fn report<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        let message = match (&result, self.failing) {
            (Err(error), false) => format!(
                "caravan: cannot write to log file '{}', so log lines are lost until it works again: {error}",
                self.path.display()
            ),
            (Ok(_), true) => format!("caravan: writing to log file '{}' works again", self.path.display()),
            _ => return result,
        };
        self.failing = result.is_err();
        // A failed write to stderr is ignored, because there is nowhere else to report it.
        let _ = writeln!(io::stderr(), "{message}");
        result
    }
}

impl Write for ReportingFile {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buffer);
        self.report(result)
    }

    /// Reports a failed flush, but a flush that writes nothing does not show that writing works.
    fn flush(&mut self) -> io::Result<()> {
        match self.inner.flush() {
            Ok(()) => Ok(()),
            failed => self.report(failed),
        }
    }
}

/// Opens a log file for appending, emptied first when `truncate` is set. Mode `w` appends too,
/// unlike Python, so that after logrotate's `copytruncate` empties the file the next line starts
/// at its beginning, with no hole of zero bytes before it.
pub(super) fn open_plain(path: &Path, truncate: bool) -> Result<File, OpenError> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    if truncate {
        // std rejects `truncate(true)` together with `append(true)`, so the flag is set directly.
        options.custom_flags(rustix::fs::OFlags::TRUNC.bits() as i32);
    }
    options.open(path).map_err(|error| OpenError::new(path, error))
}

/// Opens a file that tracing-appender starts anew each period. The files are named
/// `NAME.2024-05-01` (with `-13` for the hour and `-13-45` for the minute), in UTC as
/// tracing-appender names them, and `NAME` is a symbolic link to the current one.
fn open_time_rotating(path: &Path, period: Period) -> Result<RollingFileAppender, OpenError> {
    let (folder, name) = split_path(path)?;
    check_folder(path, folder)?;

    check_not_plain_file(path)?;

    let rotation = match period {
        Period::Minutely => Rotation::MINUTELY,
        Period::Hourly => Rotation::HOURLY,
        Period::Daily => Rotation::DAILY,
        Period::Weekly => Rotation::WEEKLY,
    };
    // tracing-appender's own `max_log_files` is left unset, because it deletes every old file whose
    // name starts with NAME. `TimeRotatingFile` deletes the old files instead.
    RollingFileAppender::builder()
        .rotation(rotation)
        .filename_prefix(name)
        .latest_symlink(name)
        .build(folder)
        .map_err(|error| OpenError::new(path, io::Error::other(error)))
}

/// A file that tracing-appender starts anew each period, and whose old files past `backup_count`
/// caravan deletes.
///
/// tracing-appender 0.2.5 can delete old files itself, but it takes every regular file whose name
/// starts with NAME for one of its own, such as `NAME.old` or another handler's `NAME.errors`.
/// caravan deletes only names of the form tracing-appender gives its dated files.
pub struct TimeRotatingFile {
    appender: RollingFileAppender,
    path: PathBuf,
    period: Period,
    /// Old files kept besides the current one; 0 keeps all.
    backup_count: u32,
    /// The period, as [`period_number`] counts it, whose file the old files were last deleted for.
    pruned_period: Option<i64>,
}

impl TimeRotatingFile {
    pub fn open(path: &Path, period: Period, backup_count: u32) -> Result<TimeRotatingFile, OpenError> {
        let appender = open_time_rotating(path, period)?;
        let mut file = TimeRotatingFile {
            appender,
            path: path.to_path_buf(),
            period,
            backup_count,
            pruned_period: None,
        };
        file.delete_old_files();
        Ok(file)
    }

    /// Deletes the oldest dated files past `backup_count`, once per period, after tracing-appender
    /// has created the period's file.
    fn delete_old_files(&mut self) {
        let now = jiff::Timestamp::now();
        let number = period_number(self.period, now.as_second());
        if self.backup_count == 0 || self.pruned_period == Some(number) {
            return;
        }
        let current = dated_name(&self.path, self.period, now);
        if !current.exists() {
            // tracing-appender starts the period's file at its next write.
            return;
        }
        self.pruned_period = Some(number);

        let mut dated = dated_files(&self.path, self.period);
        dated.sort();
        let keep = self.backup_count as usize + 1;
        let excess = dated.len().saturating_sub(keep);
        for old in &dated[..excess] {
            if let Err(error) = std::fs::remove_file(old) {
                // A failed write to stderr is ignored, because there is nowhere else to report it.
                let _ = writeln!(
                    io::stderr(),
                    "caravan: cannot delete old log file '{}': {error}",
                    old.display()
                );
            }
        }
    }
}

impl Write for TimeRotatingFile {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let written = self.appender.write(buffer)?;
        self.delete_old_files();
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.appender.flush()
    }
}

/// Numbers the periods since the Unix epoch in UTC, as tracing-appender starts them: minutes,
/// hours, days, or weeks that start on Sunday.
fn period_number(period: Period, seconds: i64) -> i64 {
    const DAY: i64 = 86_400;
    match period {
        Period::Minutely => seconds.div_euclid(60),
        Period::Hourly => seconds.div_euclid(3_600),
        Period::Daily => seconds.div_euclid(DAY),
        // 1970-01-01 was a Thursday, four days after a Sunday.
        Period::Weekly => (seconds.div_euclid(DAY) + 4).div_euclid(7),
    }
}

/// Returns the strftime format of the dates in the names of tracing-appender's files, and the
/// length of such a date.
fn date_format(period: Period) -> (&'static str, usize) {
    match period {
        Period::Minutely => ("%Y-%m-%d-%H-%M", 16),
        Period::Hourly => ("%Y-%m-%d-%H", 13),
        Period::Daily | Period::Weekly => ("%Y-%m-%d", 10),
    }
}

/// Returns the name of the file that tracing-appender writes at `now`, such as
/// `caravan.log.2024-05-01` for a daily file.
fn dated_name(path: &Path, period: Period, now: jiff::Timestamp) -> PathBuf {
    let start = match period {
        // A week's file is named after the Sunday that starts it.
        Period::Weekly => {
            let days = now.as_second().div_euclid(86_400);
            let since_sunday = (days + 4).rem_euclid(7);
            jiff::Timestamp::from_second((days - since_sunday) * 86_400).unwrap_or(now)
        }
        Period::Minutely | Period::Hourly | Period::Daily => now,
    };
    let (format, _) = date_format(period);
    let mut name = path.as_os_str().to_os_string();
    name.push(format!(".{}", start.strftime(format)));
    PathBuf::from(name)
}

/// Lists the regular files in the folder of `path` named `NAME.DATE` with a date in the period's
/// format. Their names sort in date order.
fn dated_files(path: &Path, period: Period) -> Vec<PathBuf> {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name().and_then(|name| name.to_str())) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };

    let prefix = format!("{name}.");
    let (_, length) = date_format(period);
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(date) = file_name.to_str().and_then(|file_name| file_name.strip_prefix(&prefix)) else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|file_type| file_type.is_file());
        if is_file && is_date(date, length) {
            files.push(entry.path());
        }
    }
    files
}

/// Returns whether `text` is digits with `-` at positions 4, 7, 10 and 13 and `length` long, as
/// `2024-05-01-13-45` is.
fn is_date(text: &str, length: usize) -> bool {
    text.len() == length
        && text.bytes().enumerate().all(|(index, byte)| match index {
            4 | 7 | 10 | 13 => byte == b'-',
            _ => byte.is_ascii_digit(),
        })
}

/// Rejects a file at the link's path. tracing-appender replaces the link with `remove_file`,
/// which would also delete a log file of the same name, such as one that a FileHandler wrote
/// before.
fn check_not_plain_file(path: &Path) -> Result<(), OpenError> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if metadata.file_type().is_symlink() {
        return Ok(());
    }

    let error = io::Error::new(
        io::ErrorKind::AlreadyExists,
        "it exists and is not a symbolic link, which caravan would replace with a link to the current dated file",
    );
    let mut error = OpenError::new(path, error);
    error.hint = "move the file away, for example to NAME.old".to_string();
    Err(error)
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
            Destination::WatchedFile {
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
    fn copytruncate_leaves_no_hole() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");

        for truncate in [false, true] {
            let mut file = open_plain(&path, truncate).unwrap();
            file.write_all(b"before rotation\n").unwrap();

            // logrotate's `copytruncate` copies the file, then empties it in place.
            File::options().write(true).open(&path).unwrap().set_len(0).unwrap();
            file.write_all(b"after\n").unwrap();

            assert_eq!(read(&path), "after\n", "truncate: {truncate}");
        }
    }

    #[test]
    fn time_rotation_links_the_current_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let mut file = TimeRotatingFile::open(&path, Period::Daily, 3).unwrap();

        file.write_all(b"hello\n").unwrap();
        file.flush().unwrap();

        let target = std::fs::read_link(&path).unwrap();
        let target_name = target.file_name().unwrap().to_string_lossy().into_owned();
        assert!(target_name.starts_with("caravan.log.20"), "{target_name}");
        assert_eq!(read(&path), "hello\n");
    }

    #[test]
    fn dated_names_match_tracing_appender() {
        let path = Path::new("/var/log/caravan.log");
        // A Wednesday; the Sunday before it is 2024-04-28.
        let now: jiff::Timestamp = "2024-05-01T13:45:12Z".parse().unwrap();
        let cases = [
            (Period::Minutely, "/var/log/caravan.log.2024-05-01-13-45"),
            (Period::Hourly, "/var/log/caravan.log.2024-05-01-13"),
            (Period::Daily, "/var/log/caravan.log.2024-05-01"),
            (Period::Weekly, "/var/log/caravan.log.2024-04-28"),
        ];

        for (period, name) in cases {
            assert_eq!(dated_name(path, period, now), PathBuf::from(name), "{period:?}");
        }
    }

    #[test]
    fn periods_start_at_utc_boundaries() {
        let second = |text: &str| text.parse::<jiff::Timestamp>().unwrap().as_second();
        let saturday = second("2024-05-04T23:59:59Z");
        let sunday = second("2024-05-05T00:00:00Z");

        assert_eq!(
            period_number(Period::Weekly, saturday) + 1,
            period_number(Period::Weekly, sunday)
        );
        assert_eq!(
            period_number(Period::Daily, saturday) + 1,
            period_number(Period::Daily, sunday)
        );
        assert_eq!(
            period_number(Period::Hourly, second("2024-05-01T13:00:00Z")),
            period_number(Period::Hourly, second("2024-05-01T13:59:59Z"))
        );
    }

    #[test]
    fn time_rotation_deletes_only_dated_files() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        let others = [
            "caravan.log.old",
            "caravan.log.errors",
            "caravan.log.2000-01-01.gz",
            "other.log",
        ];
        for name in others {
            std::fs::write(folder.path().join(name), "kept\n").unwrap();
        }
        for day in ["2000-01-01", "2000-01-02", "2000-01-03"] {
            std::fs::write(folder.path().join(format!("caravan.log.{day}")), "old\n").unwrap();
        }

        let mut file = TimeRotatingFile::open(&path, Period::Daily, 1).unwrap();
        file.write_all(b"new\n").unwrap();
        file.flush().unwrap();

        for name in others {
            assert!(folder.path().join(name).exists(), "{name} was deleted");
        }
        assert!(!folder.path().join("caravan.log.2000-01-01").exists());
        assert!(!folder.path().join("caravan.log.2000-01-02").exists());
        assert!(
            folder.path().join("caravan.log.2000-01-03").exists(),
            "one old file is kept"
        );
        assert_eq!(read(&path), "new\n");
    }

    #[test]
    fn time_rotation_keeps_plain_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.log");
        std::fs::write(&path, "written by a FileHandler\n").unwrap();

        let error = TimeRotatingFile::open(&path, Period::Hourly, 0).err().unwrap();

        assert!(error.to_string().contains("is not a symbolic link"), "{error}");
        assert_eq!(read(&path), "written by a FileHandler\n");
    }
}
