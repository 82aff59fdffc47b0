//! Attachment storage on S3 (`ports::Blobs`), with aws-sdk-s3; locally the same code talks to the
//! in-process S3-compatible endpoint.
//!
//! The SDK presigns one operation at a time and has no browser POST, so the upload policy is signed
//! here, by hand, with aws-sigv4's primitives and the client's own credentials and region: one
//! code path for Lambda (temporary credentials with a session token) and the local endpoint
//! (static credentials, no token).

use crate::app::AttachmentStorage;
use crate::domain::Millis;
use crate::ports::{BlobError, Blobs, ObjectHead, PresignedPost, UploadPolicy};
use async_trait::async_trait;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use base64::Engine;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Attachments kept in one bucket. Browsers upload with a form `POST` to `post_url`.
#[derive(Clone)]
pub struct S3Blobs {
    client: aws_sdk_s3::Client,
    /// What the client signs with; its config no longer hands its provider out.
    credentials: Option<SharedCredentialsProvider>,
    bucket: String,
    post_url: String,
    /// Signs links where browsers reach storage by another address than this process does (a
    /// local gateway behind a proxy); `client` signs them otherwise.
    links: Option<aws_sdk_s3::Client>,
    #[cfg(feature = "dynamodb")]
    calls: Option<super::calls::AwsCalls>,
}

impl S3Blobs {
    /// `credentials` are the ones `client` signs with (`SdkConfig::credentials_provider`);
    /// `post_url` is where browsers send uploads: [`S3Blobs::aws_post_url`] in AWS, the bucket's
    /// path-style URL locally.
    pub fn new(
        client: aws_sdk_s3::Client,
        credentials: SharedCredentialsProvider,
        bucket: impl Into<String>,
        post_url: impl Into<String>,
    ) -> Self {
        Self {
            client,
            credentials: Some(credentials),
            bucket: bucket.into(),
            post_url: post_url.into(),
            links: None,
            #[cfg(feature = "dynamodb")]
            calls: None,
        }
    }

    /// `bucket` in AWS, with `sdk`'s credentials and region (a Lambda function's own). Without
    /// either, every request fails and says which is missing.
    pub fn aws(sdk: &aws_config::SdkConfig, bucket: &str) -> Self {
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
        Self {
            client: aws_sdk_s3::Client::new(sdk),
            credentials: sdk.credentials_provider(),
            bucket: bucket.to_owned(),
            post_url: Self::aws_post_url(bucket, &region),
            links: None,
            #[cfg(feature = "dynamodb")]
            calls: None,
        }
    }

    /// Links signed by `links`, a client of the same bucket and credentials at the address
    /// browsers use: a signed link names its host.
    pub fn linking_with(self, links: aws_sdk_s3::Client) -> Self {
        Self {
            links: Some(links),
            ..self
        }
    }

    /// The bucket's virtual-hosted URL, where AWS takes browser uploads.
    pub fn aws_post_url(bucket: &str, region: &str) -> String {
        format!("https://{bucket}.s3.{region}.amazonaws.com/")
    }

    /// Records the grants that presigned requests will need when the browser sends them: signing
    /// makes no call, yet the signer's role must hold them. (A presigned GET runs the client's
    /// interceptors, so `calls` on the client sees it; the POST policy is signed here.)
    #[cfg(feature = "dynamodb")]
    pub fn recording(mut self, calls: super::calls::AwsCalls) -> Self {
        self.calls = Some(calls);
        self
    }

    fn get(
        &self,
        key: &str,
    ) -> aws_sdk_s3::operation::get_object::builders::GetObjectFluentBuilder {
        self.client.get_object().bucket(&self.bucket).key(key)
    }

    /// The S3 client it calls with (and its interceptors, when it records its calls).
    pub fn client(&self) -> &aws_sdk_s3::Client {
        &self.client
    }
}

/// The published web files in the hosting bucket (`ports::WebFiles`): read with the function's
/// own role (`s3:GetObject` on the one key it reads, `deploy::Resource::WebFrame`), so the page it
/// serves is always the one `scripts/publish-web.sh` put there last, with the hashed names of the
/// scripts published beside it.
#[derive(Debug, Clone)]
pub struct S3WebFiles {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3WebFiles {
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// `bucket` in AWS, with `sdk`'s credentials and region (a Lambda function's own).
    pub fn aws(sdk: &aws_config::SdkConfig, bucket: &str) -> Self {
        Self::new(aws_sdk_s3::Client::new(sdk), bucket)
    }
}

/// A web page is a few hundred bytes; anything near this is not one.
const WEB_FILE_MAX_BYTES: i64 = 1 << 20;

#[async_trait]
impl crate::ports::WebFiles for S3WebFiles {
    async fn read(&self, path: &str) -> Result<Option<String>, crate::ports::WebFilesError> {
        use crate::ports::WebFilesError;
        let failed = |e: String| WebFilesError(format!("s3://{}/{path}: {e}", self.bucket));
        let object = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(path)
            .send()
            .await
        {
            Ok(object) => object,
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => return Ok(None),
            // Without s3:ListBucket, AWS answers a missing key with 403: not published yet.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => {
                return Ok(None);
            }
            Err(e) => return Err(failed(DisplayErrorContext(e).to_string())),
        };
        if object.content_length().unwrap_or(0) > WEB_FILE_MAX_BYTES {
            return Err(failed(format!("more than {WEB_FILE_MAX_BYTES} bytes")));
        }
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| failed(DisplayErrorContext(e).to_string()))?
            .into_bytes();
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|_| failed("not UTF-8 text".into()))
    }
}

/// Attachments in `bucket` for a Lambda function: S3 with its own credentials and region, and
/// image previews.
pub fn storage_in_aws(sdk: &aws_config::SdkConfig, bucket: &str) -> AttachmentStorage {
    AttachmentStorage {
        blobs: Arc::new(S3Blobs::aws(sdk, bucket)),
        images: Arc::new(super::images::ImagePreviews),
    }
}

fn failed<E: std::error::Error + 'static>(what: &str, key: &str, e: E) -> BlobError {
    BlobError(format!("{what} {key}: {}", DisplayErrorContext(e)))
}

/// The moment `at` in whole seconds; `None` before 1970.
fn seconds(at: Millis) -> Option<u64> {
    u64::try_from(at.div_euclid(1000)).ok()
}

fn iso8601(secs: u64) -> Result<String, BlobError> {
    // From whole seconds: with nanoseconds the format would print a fraction.
    DateTime::from_secs(secs as i64)
        .fmt(DateTimeFormat::DateTime)
        .map_err(|e| BlobError(format!("cannot format {secs}: {e}")))
}

/// Signs a browser upload into `bucket` held to `policy`: the form fields, in the order the form
/// sends them (the file goes last). Pure: the same inputs give the same fields.
///
/// The signature is SigV4's HMAC chain over the base64 policy itself; the policy names every field
/// the form sends, because S3 refuses a field that no condition covers.
pub fn sign_post(
    credentials: &Credentials,
    region: &str,
    bucket: &str,
    url: &str,
    policy: &UploadPolicy,
) -> Result<PresignedPost, BlobError> {
    let (Some(now), Some(expires)) = (seconds(policy.now), seconds(policy.expires_at)) else {
        return Err(BlobError(format!(
            "an upload policy dated before 1970: {policy:?}"
        )));
    };
    let amz_date = iso8601(now)?.replace(['-', ':'], "");
    let credential = format!(
        "{}/{}/{region}/s3/aws4_request",
        credentials.access_key_id(),
        &amz_date[..8]
    );
    let mut conditions = vec![
        serde_json::json!({ "bucket": bucket }),
        serde_json::json!(["eq", "$key", policy.key]),
        serde_json::json!(["eq", "$Content-Type", policy.content_type]),
        serde_json::json!(["eq", "$Content-Disposition", policy.content_disposition]),
        // Exactly the granted size; as JSON numbers (the local endpoint refuses strings).
        serde_json::json!(["content-length-range", policy.size, policy.size]),
        serde_json::json!({ "x-amz-algorithm": ALGORITHM }),
        serde_json::json!({ "x-amz-credential": credential }),
        serde_json::json!({ "x-amz-date": amz_date }),
    ];
    if let Some(token) = credentials.session_token() {
        conditions.push(serde_json::json!({ "x-amz-security-token": token }));
    }
    let document = serde_json::json!({ "expiration": iso8601(expires)?, "conditions": conditions });
    let encoded = base64::engine::general_purpose::STANDARD.encode(document.to_string());
    let signature = signature(
        credentials.secret_access_key(),
        UNIX_EPOCH + Duration::from_secs(now),
        region,
        &encoded,
    );

    let mut fields = vec![
        ("key".to_owned(), policy.key.clone()),
        ("Content-Type".to_owned(), policy.content_type.clone()),
        (
            "Content-Disposition".to_owned(),
            policy.content_disposition.clone(),
        ),
        ("x-amz-algorithm".to_owned(), ALGORITHM.to_owned()),
        ("x-amz-credential".to_owned(), credential),
        ("x-amz-date".to_owned(), amz_date),
    ];
    if let Some(token) = credentials.session_token() {
        fields.push(("x-amz-security-token".to_owned(), token.to_owned()));
    }
    fields.push(("policy".to_owned(), encoded));
    fields.push(("x-amz-signature".to_owned(), signature));
    Ok(PresignedPost {
        url: url.to_owned(),
        fields,
    })
}

/// SigV4's signature of a POST policy (already base64): the day's key for S3 in `region`, over
/// the encoded policy.
fn signature(secret: &str, at: SystemTime, region: &str, encoded_policy: &str) -> String {
    let key = aws_sigv4::sign::v4::generate_signing_key(secret, at, region, "s3");
    aws_sigv4::sign::v4::calculate_signature(key, encoded_policy.as_bytes())
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn presign_upload(&self, policy: &UploadPolicy) -> Result<PresignedPost, BlobError> {
        let provider = self
            .credentials
            .as_ref()
            .ok_or_else(|| BlobError("no AWS credentials are configured".into()))?;
        let credentials = provider.provide_credentials().await.map_err(|e| {
            BlobError(format!(
                "no credentials to sign with: {}",
                DisplayErrorContext(e)
            ))
        })?;
        let region = self
            .client
            .config()
            .region()
            .ok_or_else(|| BlobError("the S3 client has no region".into()))?;
        let post = sign_post(
            &credentials,
            region.as_ref(),
            &self.bucket,
            &self.post_url,
            policy,
        )?;
        #[cfg(feature = "dynamodb")]
        if let Some(calls) = &self.calls {
            calls.presigned("s3:PutObject", crate::deploy::Resource::Attachments);
        }
        Ok(post)
    }

    async fn presign_download(&self, key: &str, ttl_secs: u64) -> Result<String, BlobError> {
        let config = PresigningConfig::expires_in(Duration::from_secs(ttl_secs))
            .map_err(|e| failed("cannot presign", key, e))?;
        let client = self.links.as_ref().unwrap_or(&self.client);
        let request = client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| failed("cannot presign", key, e))?;
        Ok(request.uri().to_owned())
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectHead>, BlobError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(ObjectHead {
                size: head
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                content_type: head.content_type().map(str::to_owned),
            })),
            Err(SdkError::ServiceError(e)) if e.err().is_not_found() => Ok(None),
            // Without s3:ListBucket, AWS answers a missing key with 403.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 403) => Ok(None),
            Err(e) => Err(failed("cannot look up", key, e)),
        }
    }

    async fn read_start(&self, key: &str, len: u64) -> Result<Vec<u8>, BlobError> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let object = self
            .get(key)
            .range(format!("bytes=0-{}", len - 1))
            .send()
            .await
            .map_err(|e| failed("cannot read", key, e))?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| failed("cannot read", key, e))?
            .into_bytes();
        Ok(bytes[..bytes.len().min(len as usize)].to_vec())
    }

    async fn read(&self, key: &str, max_bytes: u64) -> Result<Vec<u8>, BlobError> {
        let object = self
            .get(key)
            .send()
            .await
            .map_err(|e| failed("cannot read", key, e))?;
        let size = object.content_length().unwrap_or(0);
        if u64::try_from(size).map_or(true, |size| size > max_bytes) {
            return Err(BlobError(format!(
                "{key} is {size} bytes, more than {max_bytes}"
            )));
        }
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| failed("cannot read", key, e))?
            .into_bytes();
        if bytes.len() as u64 > max_bytes {
            return Err(BlobError(format!("{key} is more than {max_bytes} bytes")));
        }
        Ok(bytes.to_vec())
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), BlobError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(bytes.into())
            .send()
            .await
            .map_err(|e| failed("cannot store", key, e))?;
        Ok(())
    }

    async fn copy_once(&self, from: &str, to: &str) -> Result<bool, BlobError> {
        // Keys are `a/{workspace}/{id}…`: letters, digits, `_`, `.` and `/`, nothing to escape.
        // `If-None-Match: *` makes it S3's conditional write: 412 when `to` is already there.
        let copied = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .if_none_match("*")
            .send()
            .await;
        match copied {
            Ok(_) => Ok(true),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) => Ok(false),
            Err(e) => Err(failed("cannot copy", from, e)),
        }
    }

    async fn delete(&self, keys: &[String]) -> Result<(), BlobError> {
        // DeleteObjects takes at most 1000 keys; a missing key counts as deleted.
        for chunk in keys.chunks(1000) {
            let objects = chunk
                .iter()
                .map(|key| {
                    ObjectIdentifier::builder()
                        .key(key)
                        .build()
                        .map_err(|e| failed("cannot delete", key, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let Some(first) = chunk.first() else {
                continue;
            };
            let batch = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| failed("cannot delete", first, e))?;
            let done = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(batch)
                .send()
                .await
                .map_err(|e| failed("cannot delete", first, e))?;
            if let Some(e) = done.errors().first() {
                return Err(BlobError(format!(
                    "cannot delete {}: {}",
                    e.key().unwrap_or_default(),
                    e.message().unwrap_or_default()
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// AWS's published example of a browser upload signed with SigV4 ("Example: Browser-Based
    /// Upload using HTTP POST"): its policy, as the page encodes it, and its signature.
    const AWS_EXAMPLE_POLICY: &str = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9";
    const AWS_EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    /// 2015-12-29T00:00:00Z, the example's `x-amz-date`.
    const AWS_EXAMPLE_DATE: u64 = 1_451_347_200;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            AWS_EXAMPLE_SECRET,
            token.map(str::to_owned),
            None,
            "test",
        )
    }

    fn policy() -> UploadPolicy {
        UploadPolicy {
            key: "a/w1/01J00000000000000000000000".into(),
            content_type: "image/png".into(),
            content_disposition: "inline; filename=\"cat.png\"".into(),
            size: 1234,
            now: 1_763_715_600_250,
            expires_at: 1_763_716_200_250,
        }
    }

    fn decoded(post: &PresignedPost) -> serde_json::Value {
        let encoded = &post
            .fields
            .iter()
            .find(|(name, _)| name == "policy")
            .expect("a policy")
            .1;
        serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .expect("base64"),
        )
        .expect("json")
    }

    #[test]
    fn signs_aws_published_example() {
        let at = UNIX_EPOCH + Duration::from_secs(AWS_EXAMPLE_DATE);
        assert_eq!(
            signature(AWS_EXAMPLE_SECRET, at, "us-east-1", AWS_EXAMPLE_POLICY),
            "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
        );
    }

    #[test]
    fn same_inputs_sign_the_same_fields_in_form_order() {
        let a = sign_post(&creds(None), "eu-west-1", "bucket", "https://u/", &policy()).unwrap();
        let b = sign_post(&creds(None), "eu-west-1", "bucket", "https://u/", &policy()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.url, "https://u/");
        let names: Vec<&str> = a.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "key",
                "Content-Type",
                "Content-Disposition",
                "x-amz-algorithm",
                "x-amz-credential",
                "x-amz-date",
                "policy",
                "x-amz-signature"
            ]
        );
        let field = |name: &str| a.fields.iter().find(|(n, _)| n == name).unwrap().1.clone();
        // Whole seconds of `now`; the scope's day is the date's.
        assert_eq!(field("x-amz-date"), "20251121T090000Z");
        assert_eq!(
            field("x-amz-credential"),
            "AKIAIOSFODNN7EXAMPLE/20251121/eu-west-1/s3/aws4_request"
        );
        assert_eq!(field("x-amz-signature").len(), 64);
        let other = UploadPolicy {
            size: 1235,
            ..policy()
        };
        let c = sign_post(&creds(None), "eu-west-1", "bucket", "https://u/", &other).unwrap();
        assert_ne!(field("x-amz-signature"), c.fields.last().unwrap().1);
    }

    #[test]
    fn every_field_but_policy_and_signature_has_its_condition() {
        let post = sign_post(
            &creds(Some("session-token")),
            "eu-west-1",
            "bucket",
            "https://u/",
            &policy(),
        )
        .unwrap();
        let document = decoded(&post);
        assert_eq!(document["expiration"], "2025-11-21T09:10:00Z");
        let conditions = document["conditions"].as_array().unwrap();
        let mut covered = HashSet::new();
        for c in conditions {
            if let Some(map) = c.as_object() {
                for (name, value) in map {
                    covered.insert((name.to_lowercase(), value.as_str().unwrap().to_owned()));
                }
            } else if c[0] == "eq" {
                let name = c[1]
                    .as_str()
                    .unwrap()
                    .trim_start_matches('$')
                    .to_lowercase();
                covered.insert((name, c[2].as_str().unwrap().to_owned()));
            }
        }
        for (name, value) in &post.fields {
            if name != "policy" && name != "x-amz-signature" {
                assert!(
                    covered.contains(&(name.to_lowercase(), value.clone())),
                    "{name} is not in the policy"
                );
            }
        }
        assert!(conditions.contains(&serde_json::json!(["content-length-range", 1234, 1234])));
        assert!(conditions.contains(&serde_json::json!({ "bucket": "bucket" })));
        assert!(
            post.fields
                .iter()
                .any(|(n, v)| n == "x-amz-security-token" && v == "session-token")
        );
    }

    #[test]
    fn without_a_session_token_neither_field_nor_condition_names_one() {
        let post = sign_post(&creds(None), "eu-west-1", "bucket", "https://u/", &policy()).unwrap();
        assert!(!post.fields.iter().any(|(n, _)| n == "x-amz-security-token"));
        assert!(!decoded(&post).to_string().contains("x-amz-security-token"));
    }

    #[test]
    fn aws_post_url_is_virtual_hosted() {
        assert_eq!(
            S3Blobs::aws_post_url("parlor-att", "eu-west-1"),
            "https://parlor-att.s3.eu-west-1.amazonaws.com/"
        );
    }
}
