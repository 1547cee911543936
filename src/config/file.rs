//! Reading a config file: only a regular file is read, and only up to [`MAX_CONFIG_BYTES`].

use std::fs::{File, FileType, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use super::error::ConfigError;

/// Maximum size of a config file in bytes (16 MiB).
///
/// Config files are a few kilobytes, so even a generated one stays far below this. The limit only
/// stops a wrong path, such as a log file or a disk image, from being read into memory whole.
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// Reads the config file at `path` as UTF-8 text.
///
/// A path that is not a regular file is rejected before anything is read, because a device such
/// as `/dev/zero` never ends and a named pipe waits for a writer. So is a file larger than
/// [`MAX_CONFIG_BYTES`].
pub fn read_file(path: &Path) -> Result<String, ConfigError> {
    let file = open_nonblocking(path).map_err(|error| read_error(path, &error))?;
    let metadata = file.metadata().map_err(|error| read_error(path, &error))?;
    check_regular_file(path, metadata.file_type())?;
    if metadata.len() > MAX_CONFIG_BYTES {
        return Err(too_large(path));
    }

    // The size can be wrong, as for a file that grows after the check or a /proc file that reports
    // 0, so the read stops one byte past the limit.
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| read_error(path, &error))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(path));
    }

    String::from_utf8(bytes).map_err(|error| {
        ConfigError::new(
            None,
            format!(
                "failed to read config file '{}': it is not valid UTF-8: {error}",
                path.display()
            ),
        )
        .with_hint("save the file as UTF-8")
    })
}

/// Opens `path` for reading with `O_NONBLOCK`, so that opening a named pipe returns at once rather
/// than waiting for a writer. The flag has no effect on reads from a regular file.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

/// Rejects a config path whose file type is not a regular file, naming the type it has.
fn check_regular_file(path: &Path, file_type: FileType) -> Result<(), ConfigError> {
    if file_type.is_file() {
        return Ok(());
    }

    let kind = if file_type.is_dir() {
        "a folder"
    } else if file_type.is_fifo() {
        "a named pipe"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "another kind of file"
    };
    let message = format!("config file '{}' is not a regular file but {kind}", path.display());
    Err(ConfigError::new(None, message).with_hint(
        "give the path of a regular file: caravan reads no devices or named pipes, because reading one may block or never end",
    ))
}

fn too_large(path: &Path) -> ConfigError {
    let message = format!(
        "config file '{}' is larger than the maximum of {MAX_CONFIG_BYTES} bytes (16 MiB)",
        path.display()
    );
    ConfigError::new(None, message).with_hint("check the path: a config file is a few kilobytes")
}

fn read_error(path: &Path, error: &io::Error) -> ConfigError {
    let message = format!("failed to read config file '{}': {error}", path.display());
    let config_error = ConfigError::new(None, message);

    match error.kind() {
        io::ErrorKind::PermissionDenied => {
            config_error.with_hint("the user that runs caravan needs read permission on the file")
        }
        _ => config_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<String, ConfigError>) -> String {
        result.expect_err("the file is rejected").message
    }

    #[test]
    fn regular_file_read() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.ini");
        std::fs::write(&path, "[caravan]\n").unwrap();

        assert_eq!(read_file(&path), Ok("[caravan]\n".to_string()));
    }

    #[test]
    fn character_device_rejected() {
        let message = message(read_file(Path::new("/dev/zero")));

        assert_eq!(
            message,
            "config file '/dev/zero' is not a regular file but a character device"
        );
    }

    #[test]
    fn named_pipe_rejected_without_waiting() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.ini");
        let mode = rustix::fs::Mode::from_raw_mode(0o600);
        rustix::fs::mknodat(rustix::fs::CWD, &path, rustix::fs::FileType::Fifo, mode, 0).unwrap();

        // A read that waits for a writer would never return, so it runs on a thread of its own.
        let (sender, receiver) = std::sync::mpsc::channel();
        let reader_path = path.clone();
        std::thread::spawn(move || sender.send(read_file(&reader_path)));
        let result = receiver
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the read returns rather than waiting for a writer");
        let message = message(result);

        assert_eq!(
            message,
            format!(
                "config file '{}' is not a regular file but a named pipe",
                path.display()
            )
        );
    }

    #[test]
    fn folder_rejected() {
        let folder = tempfile::tempdir().unwrap();

        let message = message(read_file(folder.path()));

        assert!(message.ends_with("is not a regular file but a folder"), "{message}");
    }

    #[test]
    fn oversized_file_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.ini");
        // A sparse file: its size is past the limit, but it takes no disk space.
        File::create(&path).unwrap().set_len(MAX_CONFIG_BYTES + 1).unwrap();

        let message = message(read_file(&path));

        assert_eq!(
            message,
            format!(
                "config file '{}' is larger than the maximum of 16777216 bytes (16 MiB)",
                path.display()
            )
        );
    }

    #[test]
    fn file_at_limit_read() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.ini");
        File::create(&path).unwrap().set_len(MAX_CONFIG_BYTES).unwrap();

        let text = read_file(&path).unwrap();

        assert_eq!(text.len() as u64, MAX_CONFIG_BYTES);
    }

    #[test]
    fn invalid_utf8_rejected() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("caravan.ini");
        std::fs::write(&path, b"[caravan]\nregion = \xff\n").unwrap();

        let error = read_file(&path).unwrap_err();

        assert!(error.message.contains("is not valid UTF-8"), "{}", error.message);
        assert_eq!(error.hint.as_deref(), Some("save the file as UTF-8"));
    }
}
