//! Web Push, sent by Parlor itself to the browser's push service: the message encrypted for one
//! subscription as RFC 8291 says (content coding `aes128gcm`, RFC 8188), and the request signed
//! with VAPID (RFC 8292: an ES256 JWT naming the push service's origin). Pure Rust (RustCrypto's
//! `p256`, `hkdf`, `aes-gcm`), sent over rustls on ring like every other request Parlor makes.

use crate::domain::PushSubscription;
use crate::ports::{PushError, WebPush};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hkdf::Hkdf;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;
use std::time::Duration;

/// RFC 8188's record size: one record holds the whole message (a push message is at most 4 KB).
const RECORD_SIZE: u32 = 4096;
/// How long a VAPID token is good for; RFC 8292 allows at most 24 hours.
const TOKEN_SECS: u64 = 12 * 3600;
/// A push service that does not answer in this time is given up on (and logged): the message's
/// path waits for it.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// The application server's key pair (VAPID): browsers subscribe with its public half, and every
/// push is signed with the private half.
#[derive(Clone)]
pub struct VapidKey {
    key: SigningKey,
}

/// Never prints the private key.
impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VapidKey({})", self.public_key())
    }
}

impl VapidKey {
    pub fn generate() -> Self {
        Self {
            key: SigningKey::from(random_secret()),
        }
    }

    /// The private key as kept: its 32-byte scalar, base64url without padding.
    pub fn from_base64url(raw: &str) -> Result<Self, String> {
        let bytes = B64
            .decode(raw.trim().trim_end_matches('='))
            .map_err(|_| "the VAPID key is not base64url".to_owned())?;
        let secret = SecretKey::from_slice(&bytes)
            .map_err(|_| "the VAPID key is not a P-256 private key (32 bytes)".to_owned())?;
        Ok(Self {
            key: SigningKey::from(secret),
        })
    }

    pub fn to_base64url(&self) -> String {
        B64.encode(self.key.to_bytes())
    }

    /// The public key as browsers take it (`applicationServerKey`): the uncompressed point,
    /// base64url.
    pub fn public_key(&self) -> String {
        B64.encode(self.key.verifying_key().to_encoded_point(false).as_bytes())
    }

    /// The ES256 JWT for a push service at `audience` (its origin), good until `expires_at`
    /// (seconds since 1970).
    pub fn token(&self, audience: &str, subject: &str, expires_at: u64) -> String {
        let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": audience, "exp": expires_at, "sub": subject });
        let claims = B64.encode(claims.to_string());
        let input = format!("{header}.{claims}");
        let signature: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", B64.encode(signature.to_bytes()))
    }

    /// The `Authorization` header for a push to `endpoint` at `now` (seconds since 1970).
    pub fn authorization(&self, endpoint: &str, subject: &str, now: u64) -> Result<String, String> {
        let audience = origin_of(endpoint)?;
        Ok(format!(
            "vapid t={}, k={}",
            self.token(&audience, subject, now + TOKEN_SECS),
            self.public_key()
        ))
    }
}

/// `scheme://host[:port]` of a URL: the `aud` of a VAPID token.
pub fn origin_of(endpoint: &str) -> Result<String, String> {
    let (scheme, rest) = endpoint
        .split_once("://")
        .ok_or_else(|| "the endpoint is not a URL".to_owned())?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if !matches!(scheme, "https" | "http") || host.is_empty() || host.contains('@') {
        return Err("the endpoint is not an http(s) URL with a host".into());
    }
    Ok(format!("{scheme}://{}", host.to_ascii_lowercase()))
}

fn random_secret() -> SecretKey {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).expect("the OS random source is available");
        // Fails only for zero or a value past the group order: practically never.
        if let Ok(key) = SecretKey::from_slice(&bytes) {
            return key;
        }
    }
}

/// The keys a browser's subscription gives: `p256dh` (its public key) and `auth` (a secret).
pub struct ReceiverKeys {
    pub public: Vec<u8>,
    pub auth: Vec<u8>,
}

impl ReceiverKeys {
    /// From the subscription's base64url `p256dh` and `auth`, checked.
    pub fn parse(p256dh: &str, auth: &str) -> Result<Self, String> {
        let public = B64
            .decode(p256dh.trim_end_matches('='))
            .map_err(|_| "p256dh is not base64url".to_owned())?;
        PublicKey::from_sec1_bytes(&public)
            .map_err(|_| "p256dh is not a P-256 public key".to_owned())?;
        if public.len() != 65 {
            return Err("p256dh is not an uncompressed P-256 point (65 bytes)".into());
        }
        let auth = B64
            .decode(auth.trim_end_matches('='))
            .map_err(|_| "auth is not base64url".to_owned())?;
        if auth.len() != 16 {
            return Err("auth is not 16 bytes".into());
        }
        Ok(Self { public, auth })
    }
}

/// The message body for one subscription (RFC 8291 §3 and §4): a new key pair (`sender`) and
/// `salt` per message, both random but for the RFC's test.
pub fn encrypt(
    plaintext: &[u8],
    to: &ReceiverKeys,
    sender: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, String> {
    let receiver = PublicKey::from_sec1_bytes(&to.public)
        .map_err(|_| "p256dh is not a P-256 public key".to_owned())?;
    let sender_public = sender.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), receiver.as_affine());

    // The input keying material binds the shared secret to the subscription's auth secret and to
    // both public keys.
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(&to.public);
    key_info.extend_from_slice(sender_public.as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&to.auth), shared.raw_secret_bytes().as_slice())
        .expand(&key_info, &mut ikm)
        .map_err(|e| e.to_string())?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|e| e.to_string())?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|e| e.to_string())?;

    // One record, so it is the last: the delimiter 0x02, no padding.
    let mut record = plaintext.to_vec();
    record.push(2);
    if record.len() + 16 > RECORD_SIZE as usize {
        return Err("the push message is too long for one record".into());
    }
    let sealed = Aes128Gcm::new_from_slice(&cek)
        .map_err(|e| e.to_string())?
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &record,
                aad: b"",
            },
        )
        .map_err(|e| e.to_string())?;

    // RFC 8188's header: salt, record size, and the key id, which is the sender's public key.
    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(sender_public.as_bytes().len() as u8);
    body.extend_from_slice(sender_public.as_bytes());
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// What a push carries, and how the push service should treat it.
pub struct Sending {
    pub ttl_secs: u32,
    /// A later message of the same topic replaces one not yet delivered (RFC 8030 §5.4).
    pub topic: Option<String>,
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<bytes::Bytes>>;

/// Sends pushes over HTTPS (and plain HTTP only when allowed: a local stand-in push service).
pub struct WebPushSender {
    key: VapidKey,
    public_key: String,
    subject: String,
    allow_http: bool,
    client: HttpsClient,
}

impl WebPushSender {
    /// `subject` is the VAPID `sub`: a `mailto:` or `https:` URL the push service can reach the
    /// sender at.
    pub fn new(key: VapidKey, subject: &str, allow_http: bool) -> Result<Self, String> {
        if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
            return Err(format!(
                "the push subject {subject:?} is not a mailto: or https: URL"
            ));
        }
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| format!("cannot load the system's root certificates: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            public_key: key.public_key(),
            key,
            subject: subject.to_owned(),
            allow_http,
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    async fn post(
        &self,
        to: &PushSubscription,
        body: Vec<u8>,
        sending: &Sending,
    ) -> Result<u16, String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs();
        let mut request = http::Request::post(&to.endpoint)
            .header(
                "authorization",
                self.key.authorization(&to.endpoint, &self.subject, now)?,
            )
            .header("content-encoding", "aes128gcm")
            .header("content-type", "application/octet-stream")
            .header("ttl", sending.ttl_secs.to_string())
            .header("urgency", "high");
        if let Some(topic) = &sending.topic {
            request = request.header("topic", topic);
        }
        let request = request
            .body(Full::new(bytes::Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(SEND_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| "the push service did not answer in time".to_owned())?
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        // Read the (small) answer so the connection can be reused.
        let _ = tokio::time::timeout(SEND_TIMEOUT, response.into_body().collect()).await;
        Ok(status)
    }
}

#[async_trait]
impl WebPush for WebPushSender {
    fn public_key(&self) -> &str {
        &self.public_key
    }

    fn check_endpoint(&self, endpoint: &str) -> Result<(), String> {
        origin_of(endpoint)?;
        if endpoint.starts_with("https://") || (self.allow_http && endpoint.starts_with("http://"))
        {
            Ok(())
        } else {
            Err("a push endpoint is an https:// URL".into())
        }
    }

    async fn send(
        &self,
        to: &PushSubscription,
        payload: &[u8],
        ttl_secs: u32,
        topic: Option<&str>,
    ) -> Result<(), PushError> {
        self.check_endpoint(&to.endpoint)
            .map_err(PushError::Failed)?;
        let keys = ReceiverKeys::parse(&to.p256dh, &to.auth).map_err(PushError::Failed)?;
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt).expect("the OS random source is available");
        let body = encrypt(payload, &keys, &random_secret(), &salt).map_err(PushError::Failed)?;
        let sending = Sending {
            ttl_secs,
            topic: topic.map(str::to_owned),
        };
        match self
            .post(to, body, &sending)
            .await
            .map_err(PushError::Failed)?
        {
            200..=299 => Ok(()),
            // The subscription expired or was unsubscribed: it will never work again.
            404 | 410 => Err(PushError::Gone),
            status => Err(PushError::Failed(format!(
                "the push service answered {status}"
            ))),
        }
    }
}

/// The receiving side of `encrypt`, written apart from it from RFC 8188 and 8291 (the browser's
/// half): the tests decrypt with it what `encrypt` made, and the RFC's own message.
pub fn decrypt(body: &[u8], receiver: &SecretKey, auth: &[u8]) -> Result<Vec<u8>, String> {
    let short = || "the message is shorter than its header".to_owned();
    let salt = body.get(..16).ok_or_else(short)?;
    let record_size = u32::from_be_bytes(body.get(16..20).ok_or_else(short)?.try_into().unwrap());
    let id_len = usize::from(*body.get(20).ok_or_else(short)?);
    let sender = body.get(21..21 + id_len).ok_or_else(short)?;
    let records = &body[21 + id_len..];
    if records.len() > record_size as usize {
        return Err("more than one record".into());
    }
    let sender = PublicKey::from_sec1_bytes(sender).map_err(|_| "a bad key id".to_owned())?;
    let receiver_public = receiver.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(receiver.to_nonzero_scalar(), sender.as_affine());
    let info = [
        b"WebPush: info\0".as_slice(),
        receiver_public.as_bytes(),
        sender.to_encoded_point(false).as_bytes(),
    ]
    .concat();
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), shared.raw_secret_bytes().as_slice())
        .expand(&info, &mut ikm)
        .map_err(|e| e.to_string())?;
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|e| e.to_string())?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|e| e.to_string())?;
    let mut plain = Aes128Gcm::new_from_slice(&cek)
        .map_err(|e| e.to_string())?
        .decrypt(Nonce::from_slice(&nonce), records)
        .map_err(|_| "the record does not decrypt".to_owned())?;
    // Strip the padding back to the delimiter, which must say "last record".
    while plain.last() == Some(&0) {
        plain.pop();
    }
    match plain.pop() {
        Some(2) => Ok(plain),
        _ => Err("the record has no last-record delimiter".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    fn b64(s: &str) -> Vec<u8> {
        B64.decode(s).unwrap()
    }

    /// RFC 8291 Appendix A: fixed keys and salt give exactly this message.
    const PLAINTEXT: &str = "V2hlbiBJIGdyb3cgdXAsIEkgd2FudCB0byBiZSBhIHdhdGVybWVsb24";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const MESSAGE: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    #[test]
    fn the_rfc_8291_example_encrypts_to_its_message() {
        let sender = SecretKey::from_slice(&b64(AS_PRIVATE)).unwrap();
        assert_eq!(
            sender.public_key().to_encoded_point(false).as_bytes(),
            b64(AS_PUBLIC)
        );
        let to = ReceiverKeys::parse(UA_PUBLIC, AUTH).unwrap();
        let salt: [u8; 16] = b64(SALT).try_into().unwrap();
        let body = encrypt(&b64(PLAINTEXT), &to, &sender, &salt).unwrap();
        assert_eq!(B64.encode(&body), MESSAGE);
    }

    #[test]
    fn the_rfc_8291_message_decrypts_with_the_receivers_key() {
        let receiver = SecretKey::from_slice(&b64(UA_PRIVATE)).unwrap();
        let plain = decrypt(&b64(MESSAGE), &receiver, &b64(AUTH)).unwrap();
        assert_eq!(plain, b"When I grow up, I want to be a watermelon");
        let mut tampered = b64(MESSAGE);
        *tampered.last_mut().unwrap() ^= 1;
        assert!(decrypt(&tampered, &receiver, &b64(AUTH)).is_err());
    }

    #[test]
    fn a_message_to_a_new_subscription_round_trips_with_fresh_keys() {
        let receiver = random_secret();
        let public = B64.encode(receiver.public_key().to_encoded_point(false).as_bytes());
        let auth = B64.encode([7u8; 16]);
        let to = ReceiverKeys::parse(&public, &auth).unwrap();
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt).unwrap();
        let body = encrypt(br#"{"title":"hi"}"#, &to, &random_secret(), &salt).unwrap();
        assert_eq!(
            decrypt(&body, &receiver, &[7u8; 16]).unwrap(),
            br#"{"title":"hi"}"#
        );
        assert!(encrypt(&[b'x'; 4096], &to, &random_secret(), &salt).is_err());
    }

    #[test]
    fn subscription_keys_are_checked() {
        assert!(ReceiverKeys::parse(UA_PUBLIC, AUTH).is_ok());
        assert!(ReceiverKeys::parse("BCVx", AUTH).is_err());
        assert!(ReceiverKeys::parse(UA_PUBLIC, "c2hvcnQ").is_err());
        assert!(ReceiverKeys::parse(&AS_PUBLIC.replace('B', "C"), AUTH).is_err());
    }

    #[test]
    fn the_vapid_token_is_an_es256_jwt_for_the_push_services_origin() {
        let key = VapidKey::generate();
        let again = VapidKey::from_base64url(&key.to_base64url()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert!(!format!("{key:?}").contains(&key.to_base64url()));

        let header = key
            .authorization(
                "https://fcm.example.net/wp/abc?x=1",
                "mailto:ops@example.com",
                1_000,
            )
            .unwrap();
        let (t, k) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .unwrap();
        assert_eq!(k, key.public_key());
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let head: serde_json::Value = serde_json::from_slice(&b64(parts[0])).unwrap();
        assert_eq!(head["alg"], "ES256");
        let claims: serde_json::Value = serde_json::from_slice(&b64(parts[1])).unwrap();
        assert_eq!(claims["aud"], "https://fcm.example.net");
        assert_eq!(claims["sub"], "mailto:ops@example.com");
        let exp = claims["exp"].as_u64().unwrap();
        assert!(exp > 1_000 && exp <= 1_000 + 24 * 3600);
        let verifying = VerifyingKey::from_sec1_bytes(&b64(k)).unwrap();
        let signature = Signature::from_slice(&b64(parts[2])).unwrap();
        verifying
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .unwrap();
    }

    #[test]
    fn origins_are_scheme_and_host() {
        assert_eq!(
            origin_of("https://Push.Example.com:8443/a/b").unwrap(),
            "https://push.example.com:8443"
        );
        assert!(origin_of("ftp://x/y").is_err());
        assert!(origin_of("https:///y").is_err());
        assert!(origin_of("https://user@host/").is_err());
    }

    #[test]
    fn only_https_endpoints_unless_http_is_allowed() {
        let strict = WebPushSender::new(VapidKey::generate(), "mailto:a@b.c", false).unwrap();
        assert!(strict.check_endpoint("https://push.example/x").is_ok());
        assert!(strict.check_endpoint("http://127.0.0.1:9/x").is_err());
        let local = WebPushSender::new(VapidKey::generate(), "mailto:a@b.c", true).unwrap();
        assert!(local.check_endpoint("http://127.0.0.1:9/x").is_ok());
        assert!(WebPushSender::new(VapidKey::generate(), "ops@example.com", false).is_err());
    }
}
