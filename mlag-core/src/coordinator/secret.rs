//! The pair's shared ICCP secret (a documented extension: RouterOS has no such property).
//!
//! With a secret set on both peers every ICCP frame on the peer-link carries an HMAC-SHA256
//! of the frame under it (`iccp`'s L2 framing authentication, `SessionConfig::key`) and a frame
//! without a valid tag is refused before anything in it is read: a damaged or forged frame can
//! then neither reset nor silence the session. Peers whose secrets differ (or where only one
//! has one) never connect; each counts the other's frames in the monitor's
//! `iccp.rx_auth_failed`, which is how the mismatch shows (no configuration summary can be
//! exchanged to compare them: that needs a session).
//!
//! The secret is never shown: its `Debug` prints `<redacted>` and it is not part of the monitor
//! or of any configuration diff.

use alloc::vec::Vec;
use core::fmt;

/// A validated ICCP shared secret: [`IccpSecret::MIN_LEN`]..=[`IccpSecret::MAX_LEN`] printable
/// ASCII characters other than space (so it survives a RouterOS-syntax file unquoted).
#[derive(Clone, PartialEq, Eq)]
pub struct IccpSecret(Vec<u8>);

/// Why a secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Shorter than [`IccpSecret::MIN_LEN`] or longer than [`IccpSecret::MAX_LEN`].
    #[error("iccp-secret must be 8..=64 characters, not {0}")]
    Length(usize),
    /// A character outside printable ASCII, or a space.
    #[error("iccp-secret may hold only printable ASCII without spaces")]
    Character,
}

impl IccpSecret {
    /// Fewest characters: shorter secrets are guessable offline from one captured frame.
    pub const MIN_LEN: usize = 8;
    /// Most characters (HMAC-SHA256's block size).
    pub const MAX_LEN: usize = 64;

    /// Validates `s`.
    ///
    /// # Errors
    /// [`SecretError`] when `s` is too short, too long or holds other than printable ASCII.
    pub fn new(s: &str) -> Result<Self, SecretError> {
        let len = s.len();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(SecretError::Length(s.chars().count()));
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(SecretError::Character);
        }
        Ok(Self(s.as_bytes().to_vec()))
    }

    /// The key octets (for `iccp::SessionConfig::key`).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for IccpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IccpSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_and_redaction() {
        assert_eq!(IccpSecret::new("short"), Err(SecretError::Length(5)));
        assert_eq!(
            IccpSecret::new(&"x".repeat(65)),
            Err(SecretError::Length(65))
        );
        assert_eq!(IccpSecret::new("with space"), Err(SecretError::Character));
        assert_eq!(IccpSecret::new("naïve-secret"), Err(SecretError::Character));
        let s = IccpSecret::new("s3cret-Pair!").unwrap();
        assert_eq!(s.as_bytes(), b"s3cret-Pair!");
        let shown = alloc::format!("{s:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}
