//! Random identifiers: run ids, task tokens, page tokens and request ids.
//!
//! All of them come from the thread-local CSPRNG of `rand`, so a client cannot guess another client's
//! token. Clients must treat them as opaque; their format is not part of the protocol.

use rand::RngCore;

const BASE64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Creates a run id: 44 characters of base64 with `/`, `+` and `=` in them, like the run ids of SWF
/// itself, so that clients which mishandle those characters fail here as they would against AWS.
pub(crate) fn run_id() -> String {
    base64(&random_bytes::<32>())
}

/// Creates a task token of 128 characters (SWF allows up to 1,024).
pub(crate) fn task_token() -> String {
    base64(&random_bytes::<96>())
}

/// Creates a page token of 64 characters (SWF allows up to 2,048).
pub(crate) fn page_token() -> String {
    base64(&random_bytes::<48>())
}

/// Creates a request id in the UUID version 4 format that AWS uses for `x-amzn-RequestId`.
pub(crate) fn request_id() -> String {
    let mut bytes = random_bytes::<16>();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;

    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// Encodes `bytes` as standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = match chunk {
            [a, b, c] => u32::from_be_bytes([0, *a, *b, *c]),
            [a, b] => u32::from_be_bytes([0, *a, *b, 0]),
            [a] => u32::from_be_bytes([0, *a, 0, 0]),
            _ => continue,
        };
        let symbols = chunk.len() + 1;
        for index in 0..4 {
            if index < symbols {
                let sextet = (group >> (18 - 6 * index)) & 0x3f;
                text.push(char::from(BASE64_ALPHABET[sextet as usize]));
            } else {
                text.push('=');
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];

        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected, "input {input:?}");
        }
    }

    #[test]
    fn ids_have_documented_lengths() {
        assert_eq!(run_id().len(), 44);
        assert_eq!(task_token().len(), 128);
        assert_eq!(page_token().len(), 64);
        assert_eq!(request_id().len(), 36);
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(task_token(), task_token());
    }
}
