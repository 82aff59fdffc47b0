//! Passwords (argon2id), signed tokens (HMAC-SHA256) and one-time tickets.

use crate::domain::Millis;
use crate::ids::{OperatorId, SiteKey, VisitorId, WorkspaceId};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).expect("the OS random source is available");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any input")
        .to_string()
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to verify against when the email is unknown, so a login takes as long either way.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("parlor-decoy-password"))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Claims {
    /// An operator's session, for the HTTP API. Tokens signed before sessions had ids carry
    /// neither `session` nor `issued_at` (see `Claims::session_ref`).
    Session {
        workspace: WorkspaceId,
        operator: OperatorId,
        /// Random: what signing out this one session names.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        session: String,
        #[serde(default)]
        issued_at: Millis,
        expires_at: Millis,
    },
    /// A visitor of one site, kept by the widget across page loads.
    Visitor {
        workspace: WorkspaceId,
        site: SiteKey,
        visitor: VisitorId,
        expires_at: Millis,
    },
    /// A file its holder may put in a message: granted for an upload (`checked` false: storage is
    /// looked at before the message is stored), or for a file already sent, to send it again.
    Upload {
        workspace: WorkspaceId,
        holder: Holder,
        attachment: Box<crate::domain::Attachment>,
        checked: bool,
        /// For a file already sent: the dialog it was sent in, the only one it may be sent again
        /// in (an operator a dialog is transferred away from cannot carry its files elsewhere).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sent_in: Option<crate::ids::DialogId>,
        expires_at: Millis,
    },
}

/// Who may use an upload token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Holder {
    Operator(OperatorId),
    Visitor(VisitorId),
}

impl Claims {
    pub fn expires_at(&self) -> Millis {
        match self {
            Self::Session { expires_at, .. }
            | Self::Visitor { expires_at, .. }
            | Self::Upload { expires_at, .. } => *expires_at,
        }
    }

    /// The session a session token names (`None` for other tokens). A token signed before
    /// sessions had ids is named by a digest of the token itself, and taken to be issued `ttl`
    /// before it expires.
    pub fn session_ref(&self, token: &str, ttl: Millis) -> Option<crate::domain::SessionRef> {
        use sha2::Digest;
        let Self::Session {
            session,
            issued_at,
            expires_at,
            ..
        } = self
        else {
            return None;
        };
        let id = if session.is_empty() {
            let digest = Sha256::digest(token.as_bytes());
            format!("legacy_{}", B64.encode(&digest[..16]))
        } else {
            session.clone()
        };
        let issued_at = if *issued_at == 0 {
            expires_at - ttl
        } else {
            *issued_at
        };
        Some(crate::domain::SessionRef {
            id,
            issued_at,
            expires_at: *expires_at,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's signature is wrong")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
}

/// Signs and checks tokens with a secret key that never leaves the server.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    pub const MIN_KEY_BYTES: usize = 32;

    pub fn new(key: impl Into<Vec<u8>>) -> Result<Self, String> {
        let key = key.into();
        if key.len() < Self::MIN_KEY_BYTES {
            return Err(format!(
                "the signing key must hold at least {} bytes",
                Self::MIN_KEY_BYTES
            ));
        }
        Ok(Self { key })
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac
    }

    /// `base64url(json).base64url(hmac)`.
    pub fn sign(&self, claims: &Claims) -> String {
        let payload = B64.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let sig = B64.encode(self.mac(&payload).finalize().into_bytes());
        format!("{payload}.{sig}")
    }

    pub fn verify(&self, token: &str, now: Millis) -> Result<Claims, TokenError> {
        let (payload, sig) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let sig = B64.decode(sig).map_err(|_| TokenError::Malformed)?;
        self.mac(payload)
            .verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        let json = B64.decode(payload).map_err(|_| TokenError::Malformed)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
        if claims.expires_at() <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("s3cret");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "s3cret"));
        assert!(!verify_password(&h, "s3creT"));
        assert!(!verify_password("garbage", "s3cret"));
    }

    #[test]
    fn tokens_reject_forgery_and_expiry() {
        let signer = Signer::new(vec![7u8; 32]).unwrap();
        let claims = Claims::Session {
            workspace: WorkspaceId::from_trusted("ws_a"),
            operator: OperatorId::from_trusted("op_a"),
            session: "ses_a".into(),
            issued_at: 10,
            expires_at: 1000,
        };
        let token = signer.sign(&claims);
        assert_eq!(signer.verify(&token, 999), Ok(claims));
        assert_eq!(signer.verify(&token, 1000), Err(TokenError::Expired));
        let other = Signer::new(vec![8u8; 32]).unwrap();
        assert_eq!(other.verify(&token, 1), Err(TokenError::BadSignature));
        let (payload, sig) = token.split_once('.').unwrap();
        let forged = format!("{}x.{sig}", payload);
        assert!(signer.verify(&forged, 1).is_err());
        assert_eq!(signer.verify("nodot", 1), Err(TokenError::Malformed));
        assert!(Signer::new(vec![1u8; 8]).is_err());
    }

    #[test]
    fn a_session_is_named_by_its_id_or_else_by_its_token() {
        let signer = Signer::new(vec![7u8; 32]).unwrap();
        let new = Claims::Session {
            workspace: WorkspaceId::from_trusted("ws_a"),
            operator: OperatorId::from_trusted("op_a"),
            session: "ses_a".into(),
            issued_at: 10,
            expires_at: 1000,
        };
        let named = new.session_ref(&signer.sign(&new), 900).unwrap();
        assert_eq!((named.id.as_str(), named.issued_at), ("ses_a", 10));

        // A token signed before sessions had ids still parses, and is told apart by its bytes.
        let old = |exp: Millis| {
            serde_json::from_value::<Claims>(serde_json::json!({
                "kind": "session", "workspace": "ws_a", "operator": "op_a", "expires_at": exp
            }))
            .unwrap()
        };
        let (a, b) = (old(1000), old(1001));
        let ra = a.session_ref(&signer.sign(&a), 900).unwrap();
        let rb = b.session_ref(&signer.sign(&b), 900).unwrap();
        assert_eq!(
            ra.issued_at, 100,
            "issued a session's lifetime before it expires"
        );
        assert_ne!(ra.id, rb.id);
        assert_eq!(ra, a.session_ref(&signer.sign(&a), 900).unwrap());
    }
}
