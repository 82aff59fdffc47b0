//! What every Lambda function reads once at cold start, and the `App` built from it.
//!
//! Configuration comes from environment variables only, listed once in [`ENV`] (the code reads
//! them from there and the template test checks `infra/template.yaml` against it). A missing or
//! malformed value stops the function at start with a message naming the variable: a function
//! that cannot work should fail its init, not its first visitor's message.

use crate::auth::Signer;
use crate::deploy::Function;
#[cfg(feature = "lambda")]
use crate::{
    adapters::{dynamo::DynamoStore, push::ManagementApiPush},
    app::{App, Parts, Settings, Stores},
};

/// `PARLOR_TABLE`.
pub const TABLE: &str = "PARLOR_TABLE";
/// `PARLOR_MANAGEMENT_ENDPOINT`.
pub const MANAGEMENT_ENDPOINT: &str = "PARLOR_MANAGEMENT_ENDPOINT";
/// `PARLOR_SIGNING_KEY`.
pub const SIGNING_KEY: &str = "PARLOR_SIGNING_KEY";
/// `PARLOR_SIGNING_KEY_PARAMETER`.
pub const SIGNING_KEY_PARAMETER: &str = "PARLOR_SIGNING_KEY_PARAMETER";
/// `PARLOR_DYNAMODB_ENDPOINT`.
pub const DYNAMODB_ENDPOINT: &str = "PARLOR_DYNAMODB_ENDPOINT";
/// `PARLOR_WIDGET_ORIGINS`.
pub const WIDGET_ORIGINS: &str = "PARLOR_WIDGET_ORIGINS";
/// `PARLOR_ATTACHMENTS_BUCKET`.
pub const ATTACHMENTS_BUCKET: &str = "PARLOR_ATTACHMENTS_BUCKET";
/// `PARLOR_VAPID_KEY`.
pub const VAPID_KEY: &str = "PARLOR_VAPID_KEY";
/// `PARLOR_VAPID_KEY_PARAMETER`.
pub const VAPID_KEY_PARAMETER: &str = "PARLOR_VAPID_KEY_PARAMETER";
/// `PARLOR_PUSH_SUBJECT`.
pub const PUSH_SUBJECT: &str = "PARLOR_PUSH_SUBJECT";
/// `PARLOR_WEB_BUCKET`.
pub const WEB_BUCKET: &str = "PARLOR_WEB_BUCKET";
/// `PARLOR_CSP_HOSTS`.
pub const CSP_HOSTS: &str = "PARLOR_CSP_HOSTS";
/// `PARLOR_EDGE_SECRET`.
pub const EDGE_SECRET: &str = "PARLOR_EDGE_SECRET";
/// `PARLOR_LIMITS`.
pub const LIMITS: &str = "PARLOR_LIMITS";

/// The functions that push to operators' browsers (a visitor's message, a transfer) or serve the
/// key to subscribe with (the HTTP API).
const PUSHERS: &[Function] = &[
    Function::WebSocket(crate::protocol::Route::Message),
    Function::WebSocket(crate::protocol::Route::Assign),
    Function::HttpApi,
];

/// Whether a function can start without a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    /// Required unless the named variable is set; this one wins when both are.
    Unless(&'static str),
    Optional,
}

/// Which functions `infra/template.yaml` sets a variable on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployed {
    /// None: local and development runs only.
    Nowhere,
    /// Every function (the template's `Globals`).
    Everywhere,
    /// These functions alone.
    Only(&'static [Function]),
}

impl Deployed {
    pub fn to(self, function: Function) -> bool {
        match self {
            Self::Nowhere => false,
            Self::Everywhere => true,
            Self::Only(functions) => functions.contains(&function),
        }
    }
}

/// One environment variable a function reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    pub name: &'static str,
    pub need: Need,
    /// Where `infra/template.yaml` sets it. The signing key itself never is: in AWS it stays in
    /// SSM, and a value in the function's configuration would be readable by anyone who may read
    /// that configuration.
    pub deployed: Deployed,
    /// Set by the template for a feature whose code does not read it yet; the template test checks
    /// that nothing reads it, so the mark goes when the code starts to.
    pub reserved: bool,
    pub purpose: &'static str,
}

/// Every variable a function reads, in the order a reader would set them.
pub const ENV: &[EnvVar] = &[
    EnvVar {
        name: TABLE,
        need: Need::Required,
        deployed: Deployed::Everywhere,
        reserved: false,
        purpose: "the DynamoDB table's name",
    },
    EnvVar {
        name: MANAGEMENT_ENDPOINT,
        need: Need::Required,
        deployed: Deployed::Everywhere,
        reserved: false,
        purpose: "the API Gateway Management API endpoint, https://{api-id}.execute-api.{region}.amazonaws.com/{stage}",
    },
    EnvVar {
        name: SIGNING_KEY,
        need: Need::Unless(SIGNING_KEY_PARAMETER),
        deployed: Deployed::Nowhere,
        reserved: false,
        purpose: "the token-signing key itself, at least 32 bytes (local and development runs)",
    },
    EnvVar {
        name: SIGNING_KEY_PARAMETER,
        need: Need::Unless(SIGNING_KEY),
        deployed: Deployed::Everywhere,
        reserved: false,
        purpose: "the SSM SecureString parameter that holds the token-signing key: its name, or name:version to pin a version (the template pins SigningKeyVersion)",
    },
    EnvVar {
        name: DYNAMODB_ENDPOINT,
        need: Need::Optional,
        deployed: Deployed::Nowhere,
        reserved: false,
        purpose: "a DynamoDB endpoint other than AWS's, e.g. DynamoDB Local at http://localhost:8000",
    },
    EnvVar {
        name: WIDGET_ORIGINS,
        need: Need::Optional,
        deployed: Deployed::Everywhere,
        reserved: false,
        purpose: "comma-separated origins that serve Parlor's widget (the hosting domain): the chat iframe's requests carry it on every site",
    },
    EnvVar {
        name: ATTACHMENTS_BUCKET,
        need: Need::Optional,
        deployed: Deployed::Only(&[
            Function::WebSocket(crate::protocol::Route::Message),
            Function::HttpApi,
            Function::Sweep,
        ]),
        reserved: false,
        purpose: "the S3 bucket of attachments: upload grants and links (HTTP API), checks and previews (message), the files of deleted dialogs (HTTP API, sweep); unset, attachments are refused",
    },
    EnvVar {
        name: VAPID_KEY,
        need: Need::Optional,
        deployed: Deployed::Nowhere,
        reserved: false,
        purpose: "the Web Push (VAPID) private key itself, a P-256 scalar in base64url (local and development runs); wins over the parameter",
    },
    EnvVar {
        name: VAPID_KEY_PARAMETER,
        need: Need::Optional,
        deployed: Deployed::Only(PUSHERS),
        reserved: false,
        purpose: "the SSM SecureString parameter that holds the Web Push (VAPID) private key: its name, or name:version; a parameter that does not exist turns pushes off (logged), and without either variable nothing is pushed",
    },
    EnvVar {
        name: PUSH_SUBJECT,
        need: Need::Optional,
        deployed: Deployed::Only(PUSHERS),
        reserved: false,
        purpose: "the VAPID `sub` push services may contact: a mailto: or https: URL; required when a VAPID key is set",
    },
    EnvVar {
        name: WEB_BUCKET,
        need: Need::Optional,
        deployed: Deployed::Only(&[Function::HttpApi]),
        reserved: false,
        purpose: "the S3 bucket the web files are published to: the HTTP API's function reads the widget's frame page (widget/frame.html) from it and serves it with its site's frame-ancestors; unset, it serves no frame page",
    },
    EnvVar {
        name: CSP_HOSTS,
        need: Need::Optional,
        deployed: Deployed::Only(&[Function::HttpApi]),
        reserved: false,
        purpose: "the origins of the HTTP API, the WebSocket API and the attachments bucket, space-separated in that order (https://… wss://… https://…): what the frame page's Content-Security-Policy names; required with PARLOR_WEB_BUCKET",
    },
    EnvVar {
        name: EDGE_SECRET,
        need: Need::Optional,
        deployed: Deployed::Only(&[Function::HttpApi]),
        reserved: false,
        purpose: "what CloudFront sends in x-parlor-edge on every request it passes to the HTTP API when a web ACL guards it; set, the function refuses every request without it (the API's own address is then no way around the web ACL); blank or unset, it takes requests from anywhere",
    },
    EnvVar {
        name: LIMITS,
        need: Need::Optional,
        deployed: Deployed::Everywhere,
        reserved: false,
        purpose: "changes to the default limits, comma-separated name=value (docs/security.md, \"Limits\"): e.g. messages_per_second=3,visitor_sessions_per_ip=50/10m",
    },
];

fn var(name: &str) -> &'static EnvVar {
    ENV.iter()
        .find(|v| v.name == name)
        .expect("every variable the code reads is listed in ENV")
}

/// Why a function cannot start.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not set: it is {purpose}")]
    Missing {
        name: &'static str,
        purpose: &'static str,
    },
    #[error(
        "neither {name} nor {alternative} is set: set {alternative} to {purpose}, or {name} to {name_purpose}"
    )]
    MissingEither {
        name: &'static str,
        name_purpose: &'static str,
        alternative: &'static str,
        purpose: &'static str,
    },
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error(
        "cannot read the signing key from SSM parameter {parameter:?} (named by {SIGNING_KEY_PARAMETER}): {reason}"
    )]
    Parameter { parameter: String, reason: String },
    #[error(
        "cannot read the VAPID key from SSM parameter {parameter:?} (named by {VAPID_KEY_PARAMETER}): {reason}"
    )]
    VapidParameter { parameter: String, reason: String },
}

/// The message, not the structure: `main` returning this error prints it at the end of init.
impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Where the token-signing key comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum SigningKeySource {
    /// The key itself, already checked to be long enough.
    Value(String),
    /// The name (or ARN) of an SSM SecureString parameter.
    Parameter(String),
}

/// Names the source without ever printing a key.
impl std::fmt::Debug for SigningKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Value(_) => write!(f, "Value(…)"),
            Self::Parameter(p) => write!(f, "Parameter({p:?})"),
        }
    }
}

/// Where the Web Push (VAPID) key comes from, if anywhere.
#[derive(Clone, PartialEq, Eq)]
pub enum VapidKeySource {
    /// The key itself, already checked.
    Value(String),
    /// The name (or name:version) of an SSM SecureString parameter.
    Parameter(String),
}

/// Names the source without ever printing a key.
impl std::fmt::Debug for VapidKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Value(_) => write!(f, "Value(…)"),
            Self::Parameter(p) => write!(f, "Parameter({p:?})"),
        }
    }
}

/// A function's configuration, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaConfig {
    pub table: String,
    pub management_endpoint: String,
    pub signing_key: SigningKeySource,
    pub dynamodb_endpoint: Option<String>,
    /// `Settings::widget_origins`.
    pub widget_origins: Vec<String>,
    /// Where attachments are kept; none means this function refuses them.
    pub attachments_bucket: Option<String>,
    /// The VAPID key and subject; none means this function pushes nothing.
    pub web_push: Option<(VapidKeySource, String)>,
    /// The bucket the web files are published to and the hosts the frame page's CSP names; none
    /// means this function serves no frame page.
    pub frame: Option<(String, crate::edge::Hosts)>,
    /// What a request must carry in `entrypoints::http::EDGE_HEADER`, if anything.
    pub edge_secret: Option<EdgeSecret>,
    /// `Settings::limits`: the defaults with `PARLOR_LIMITS`'s changes.
    pub limits: crate::domain::Limits,
}

/// The value CloudFront proves a request passed it with.
#[derive(Clone, PartialEq, Eq)]
pub struct EdgeSecret(pub String);

/// Never printed.
impl std::fmt::Debug for EdgeSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EdgeSecret(…)")
    }
}

impl LambdaConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads through `lookup`, so tests need not touch the process environment. A blank value
    /// counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let required = |name: &'static str| {
            get(name).ok_or(ConfigError::Missing {
                name,
                purpose: var(name).purpose,
            })
        };

        let table = required(TABLE)?;
        let management_endpoint = endpoint(MANAGEMENT_ENDPOINT, &required(MANAGEMENT_ENDPOINT)?)?;
        let signing_key = match (get(SIGNING_KEY), get(SIGNING_KEY_PARAMETER)) {
            (Some(key), parameter) => {
                if parameter.is_some() {
                    tracing::warn!(
                        "both {SIGNING_KEY} and {SIGNING_KEY_PARAMETER} are set; using {SIGNING_KEY}"
                    );
                }
                signer(&key).map_err(|reason| ConfigError::Invalid {
                    name: SIGNING_KEY,
                    reason,
                })?;
                SigningKeySource::Value(key)
            }
            (None, Some(parameter)) => SigningKeySource::Parameter(parameter),
            (None, None) => {
                return Err(ConfigError::MissingEither {
                    name: SIGNING_KEY,
                    name_purpose: var(SIGNING_KEY).purpose,
                    alternative: SIGNING_KEY_PARAMETER,
                    purpose: var(SIGNING_KEY_PARAMETER).purpose,
                });
            }
        };
        let attachments_bucket = get(ATTACHMENTS_BUCKET);
        // Read before any check can stop the reading: the template test asks which are read.
        let subject = get(PUSH_SUBJECT);
        let web_bucket = get(WEB_BUCKET);
        let csp_hosts = get(CSP_HOSTS);
        let edge_secret = get(EDGE_SECRET).map(EdgeSecret);
        let vapid = (get(VAPID_KEY), get(VAPID_KEY_PARAMETER));
        let limits = get(LIMITS);
        let dynamodb_endpoint = get(DYNAMODB_ENDPOINT)
            .map(|e| endpoint(DYNAMODB_ENDPOINT, &e))
            .transpose()?;
        let widget_origins = get(WIDGET_ORIGINS)
            .map(|list| {
                crate::domain::parse_origin_list(&list).map_err(|e| ConfigError::Invalid {
                    name: WIDGET_ORIGINS,
                    reason: e.to_string(),
                })
            })
            .transpose()?
            .unwrap_or_default();
        let limits = match limits {
            Some(spec) => {
                crate::domain::Limits::parse(&spec).map_err(|reason| ConfigError::Invalid {
                    name: LIMITS,
                    reason,
                })?
            }
            None => crate::domain::Limits::default(),
        };
        if let Some(bucket) = &attachments_bucket
            && !valid_bucket_name(bucket)
        {
            return Err(ConfigError::Invalid {
                name: ATTACHMENTS_BUCKET,
                reason: format!("{bucket:?} is not an S3 bucket name"),
            });
        }
        let frame = match (web_bucket, csp_hosts) {
            (Some(bucket), hosts) => {
                if !valid_bucket_name(&bucket) {
                    return Err(ConfigError::Invalid {
                        name: WEB_BUCKET,
                        reason: format!("{bucket:?} is not an S3 bucket name"),
                    });
                }
                let hosts = hosts.ok_or(ConfigError::Missing {
                    name: CSP_HOSTS,
                    purpose: var(CSP_HOSTS).purpose,
                })?;
                let hosts = crate::edge::Hosts::from_list(&hosts).map_err(|reason| {
                    ConfigError::Invalid {
                        name: CSP_HOSTS,
                        reason,
                    }
                })?;
                Some((bucket, hosts))
            }
            (None, _) => None,
        };
        if let Some(subject) = &subject
            && !(subject.starts_with("mailto:") || subject.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                name: PUSH_SUBJECT,
                reason: format!("{subject:?} is not a mailto: or https: URL"),
            });
        }
        let vapid_key = match vapid {
            (Some(key), _) => {
                crate::adapters::webpush::VapidKey::from_base64url(&key).map_err(|reason| {
                    ConfigError::Invalid {
                        name: VAPID_KEY,
                        reason,
                    }
                })?;
                Some(VapidKeySource::Value(key))
            }
            (None, Some(parameter)) => Some(VapidKeySource::Parameter(parameter)),
            (None, None) => None,
        };
        let web_push = match (vapid_key, subject) {
            (Some(key), Some(subject)) => Some((key, subject)),
            (Some(_), None) => {
                return Err(ConfigError::Missing {
                    name: PUSH_SUBJECT,
                    purpose: var(PUSH_SUBJECT).purpose,
                });
            }
            (None, _) => None,
        };
        Ok(Self {
            table,
            management_endpoint,
            signing_key,
            dynamodb_endpoint,
            widget_origins,
            attachments_bucket,
            web_push,
            frame,
            edge_secret,
            limits,
        })
    }
}

/// S3's rule for bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, starting and
/// ending with a letter or digit.
fn valid_bucket_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge(name.chars().next())
        && edge(name.chars().last())
}

/// The key is the value's bytes, as the local gateway uses it, so one key works in both.
fn signer(key: &str) -> Result<Signer, String> {
    Signer::new(key.trim().as_bytes().to_vec())
}

/// An `http(s)://host[/path]` URL without a trailing slash. The usual slips, the `wss://` URL
/// clients connect to or the full `@connections` URL, are named.
fn endpoint(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid { name, reason };
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| {
            invalid(format!(
                "{value:?} is not an http(s):// URL (not the wss:// URL clients connect to)"
            ))
        })?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(invalid(format!("{value:?} names no host")));
    }
    if rest.contains("@connections") {
        return Err(invalid(format!(
            "{value:?} should end at the stage, before /@connections"
        )));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

/// The signing key from SSM Parameter Store, read once at cold start with the SDK.
///
/// Why the SDK and not the AWS Parameters and Secrets Lambda Extension (HTTP on localhost:2773):
/// - The extension answers only in the INVOKE phase, never during INIT (AWS Systems Manager
///   guide, "Using Parameter Store parameters in Lambda functions"). Reading the key in init, with
///   every other setting, is what lets a misconfigured function fail its start; with the extension
///   the `App` (whose `Signer` needs the key) could only be built lazily on the first event.
/// - The extension is a layer whose ARN differs per region and architecture, a second process
///   in every execution environment (memory, and its own init on every cold start), and a cache
///   this function does not need: it reads one value once.
/// - Its only gain is build cost: `aws-sdk-ssm` is one more SDK crate (~51 s of one core in a
///   clean debug build here; aws-sdk-dynamodb takes ~16 s). It shares aws-config, the smithy
///   runtime and the HTTP stack the other clients already pull in, so that is all it adds, once
///   for the eight functions in one target dir; behind the `lambda` feature, it is not built for
///   `-p parlor-local` or `-p parlor-core` (a `--workspace` build unifies features and does).
#[cfg(feature = "lambda")]
async fn signing_key_from_ssm(
    sdk: &aws_config::SdkConfig,
    parameter: &str,
) -> Result<String, ConfigError> {
    secure_parameter(sdk, parameter)
        .await
        .map_err(|(_, reason)| ConfigError::Parameter {
            parameter: parameter.to_owned(),
            reason,
        })
}

/// A SecureString parameter's value, or the error's code (`ParameterNotFound`, …) and message.
#[cfg(feature = "lambda")]
async fn secure_parameter(
    sdk: &aws_config::SdkConfig,
    parameter: &str,
) -> Result<String, (Option<String>, String)> {
    use aws_sdk_ssm::error::{DisplayErrorContext, ProvideErrorMetadata};

    // Init has 10 s in all; the SDK's retries must end well within it.
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(std::time::Duration::from_secs(5))
        .build();
    let client = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .build(),
    );
    let got = client
        .get_parameter()
        .name(parameter)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            // e.g. ParameterNotFound, AccessDeniedException: the code says what to fix.
            Some(s) => (
                s.code().map(str::to_owned),
                format!(
                    "{}: {}",
                    s.code().unwrap_or("error"),
                    s.message().unwrap_or_default()
                ),
            ),
            None => (None, DisplayErrorContext(&e).to_string()),
        })?;
    got.parameter
        .and_then(|p| p.value)
        .ok_or_else(|| (None, "the parameter has no value".into()))
}

/// The Web Push sender, if this function is configured to push. A VAPID parameter that does not
/// exist turns pushes off rather than stopping the function: a stack updated before its key was
/// made goes on chatting. Any other failure (no permission, a bad key) stops it.
#[cfg(feature = "lambda")]
async fn web_push_from(
    sdk: &aws_config::SdkConfig,
    config: &LambdaConfig,
) -> Result<Option<crate::adapters::webpush::WebPushSender>, ConfigError> {
    use crate::adapters::webpush::{VapidKey, WebPushSender};

    let Some((source, subject)) = &config.web_push else {
        return Ok(None);
    };
    let (raw, name, parameter) = match source {
        VapidKeySource::Value(key) => (key.clone(), VAPID_KEY, None),
        VapidKeySource::Parameter(parameter) => match secure_parameter(sdk, parameter).await {
            Ok(key) => (key, VAPID_KEY_PARAMETER, Some(parameter)),
            Err((Some(code), reason)) if code == "ParameterNotFound" => {
                tracing::warn!(parameter = %parameter, reason = %reason, "no VAPID key: push notifications are off");
                return Ok(None);
            }
            Err((_, reason)) => {
                return Err(ConfigError::VapidParameter {
                    parameter: parameter.clone(),
                    reason,
                });
            }
        },
    };
    let invalid = |reason: String| match parameter {
        Some(p) => ConfigError::VapidParameter {
            parameter: p.clone(),
            reason,
        },
        None => ConfigError::Invalid { name, reason },
    };
    let key = VapidKey::from_base64url(&raw).map_err(invalid)?;
    WebPushSender::new(key, subject, false)
        .map(Some)
        .map_err(|reason| ConfigError::Invalid {
            name: PUSH_SUBJECT,
            reason,
        })
}

/// Builds the `App` a function serves: DynamoDB store, Management API push, signer, default
/// settings. Credentials and region come from the Lambda environment, as the SDK finds them.
#[cfg(feature = "lambda")]
pub async fn app_from_env() -> Result<App, ConfigError> {
    let config = LambdaConfig::from_env()?;
    let sdk = crate::adapters::aws_defaults().load().await;
    app_from(&config, &sdk).await
}

/// The whole of the HTTP API's function but its runtime: the `App`, and the router
/// (`entrypoints::http::deployed`) with the widget's frame page read from the hosting bucket and,
/// behind a web ACL, the edge's check.
#[cfg(all(feature = "lambda", feature = "attachments"))]
pub async fn http_api_from_env() -> Result<axum::Router, ConfigError> {
    use std::sync::Arc;

    let config = LambdaConfig::from_env()?;
    let sdk = crate::adapters::aws_defaults().load().await;
    let app = Arc::new(app_from(&config, &sdk).await?);
    let frame = config.frame.as_ref().map(|(bucket, hosts)| {
        let files: Arc<dyn crate::ports::WebFiles> =
            Arc::new(crate::adapters::s3::S3WebFiles::aws(&sdk, bucket));
        (files, hosts.clone())
    });
    tracing::info!(
        web_bucket = config.frame.as_ref().map_or("none", |(b, _)| b.as_str()),
        behind_the_edge = config.edge_secret.is_some(),
        "http api configured"
    );
    Ok(crate::entrypoints::http::deployed(
        app,
        frame,
        config.edge_secret.as_ref().map(|s| s.0.clone()),
    ))
}

#[cfg(feature = "lambda")]
async fn app_from(config: &LambdaConfig, sdk: &aws_config::SdkConfig) -> Result<App, ConfigError> {
    use std::sync::Arc;

    let sdk = sdk.clone();
    let signer = match &config.signing_key {
        SigningKeySource::Value(key) => signer(key).map_err(|reason| ConfigError::Invalid {
            name: SIGNING_KEY,
            reason,
        }),
        SigningKeySource::Parameter(parameter) => {
            let key = signing_key_from_ssm(&sdk, parameter).await?;
            signer(&key).map_err(|reason| ConfigError::Parameter {
                parameter: parameter.clone(),
                reason,
            })
        }
    }?;

    let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk);
    if let Some(e) = &config.dynamodb_endpoint {
        dynamodb = dynamodb.endpoint_url(e);
    }
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
        config.table.clone(),
    );
    let push = ManagementApiPush::for_endpoint(&sdk, &config.management_endpoint);
    tracing::info!(
        table = %config.table,
        management_endpoint = %config.management_endpoint,
        dynamodb_endpoint = config.dynamodb_endpoint.as_deref().unwrap_or("AWS"),
        signing_key = ?config.signing_key,
        "configured"
    );
    let settings = Settings {
        widget_origins: config.widget_origins.clone(),
        limits: config.limits,
        ..Settings::default()
    };
    let parts = Parts::new(
        Stores::of(Arc::new(store)),
        Arc::new(push),
        signer,
        settings,
    );
    let parts = match web_push_from(&sdk, config).await? {
        Some(sender) => parts.with_web_push(Arc::new(sender)),
        None => parts,
    };
    #[cfg(feature = "attachments")]
    let parts = match &config.attachments_bucket {
        Some(bucket) => parts.with_attachments(crate::adapters::s3::storage_in_aws(&sdk, bucket)),
        None => parts,
    };
    Ok(App::of(parts))
}

/// The whole `main` of a WebSocket route's function: build the App once, then hand every event to
/// `ws::handle`, which dispatches on the event's route key (so an event of another route is still
/// handled as that route). A client's mistake is answered inside; only infrastructure failure
/// becomes a Lambda error.
#[cfg(feature = "lambda")]
pub async fn serve_websocket_route() -> Result<(), lambda_runtime::Error> {
    use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
    use lambda_runtime::{Error, LambdaEvent, service_fn};

    lambda_runtime::tracing::init_default_subscriber();
    let app = app_from_env().await?;
    lambda_runtime::run(service_fn(
        |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async {
            crate::entrypoints::ws::handle(&app, event.payload)
                .await
                .map_err(Error::from)
        },
    ))
    .await
}

/// The whole `main` of the sweep's function: build the App once, then run the presence sweep
/// (`app::Presences::sweep`) and the retention sweep (`app::Dialogs::sweep_retention`: closed
/// dialogs due for deletion) on every event. The events are EventBridge's scheduled events (the
/// template's `rate(1 minute)`), whose content the sweep does not need: any event sweeps once.
/// An operator whose hand-back fails is logged and tried again by the next sweep; only a failure
/// to read the due watches becomes a Lambda error.
#[cfg(feature = "lambda")]
pub async fn serve_sweep() -> Result<(), lambda_runtime::Error> {
    use lambda_runtime::{Error, LambdaEvent, service_fn};

    lambda_runtime::tracing::init_default_subscriber();
    let app = app_from_env().await?;
    lambda_runtime::run(service_fn(|_: LambdaEvent<serde_json::Value>| async {
        let handed_back = Function::Sweep
            .scope(app.presence.sweep())
            .await
            .map_err(Error::from)?;
        let deleted = Function::Sweep
            .scope(app.dialogs.sweep_retention())
            .await
            .map_err(Error::from)?;
        Ok::<_, Error>(serde_json::json!({ "handed_back": handed_back, "deleted": deleted }))
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn parse(vars: &[(&str, &str)]) -> Result<LambdaConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LambdaConfig::from_lookup(|name| vars.get(name).cloned())
    }

    fn complete() -> Vec<(&'static str, &'static str)> {
        vec![
            (TABLE, "parlor"),
            (
                MANAGEMENT_ENDPOINT,
                "https://abc123.execute-api.us-east-1.amazonaws.com/prod/",
            ),
            (SIGNING_KEY_PARAMETER, "/parlor/signing-key"),
        ]
    }

    fn without(name: &str) -> Vec<(&'static str, &'static str)> {
        complete().into_iter().filter(|(k, _)| *k != name).collect()
    }

    #[test]
    fn a_complete_environment_parses() {
        let config = parse(&complete()).unwrap();
        assert_eq!(config.table, "parlor");
        assert_eq!(
            config.management_endpoint,
            "https://abc123.execute-api.us-east-1.amazonaws.com/prod"
        );
        assert_eq!(
            config.signing_key,
            SigningKeySource::Parameter("/parlor/signing-key".into())
        );
        assert_eq!(config.dynamodb_endpoint, None);
        assert_eq!(config.widget_origins, Vec::<String>::new());
        assert_eq!(config.attachments_bucket, None);
    }

    #[test]
    fn the_attachments_bucket_must_be_a_bucket_name() {
        let mut vars = complete();
        vars.push((ATTACHMENTS_BUCKET, "parlor-attachments-123456789012"));
        assert_eq!(
            parse(&vars).unwrap().attachments_bucket.as_deref(),
            Some("parlor-attachments-123456789012")
        );
        for bad in ["s3://parlor", "Parlor", "ab", "-parlor"] {
            let mut vars = complete();
            vars.push((ATTACHMENTS_BUCKET, bad));
            assert!(
                matches!(parse(&vars).unwrap_err(), ConfigError::Invalid { name, .. } if name == ATTACHMENTS_BUCKET),
                "{bad}"
            );
        }
    }

    #[test]
    fn widget_origins_are_a_list_of_bare_origins() {
        let mut vars = complete();
        vars.push((
            WIDGET_ORIGINS,
            " https://d111111abcdef8.cloudfront.net , http://localhost:8080/ ",
        ));
        let config = parse(&vars).unwrap();
        assert_eq!(
            config.widget_origins,
            [
                "https://d111111abcdef8.cloudfront.net",
                "http://localhost:8080"
            ]
        );
        let mut vars = complete();
        vars.push((
            WIDGET_ORIGINS,
            "https://d111111abcdef8.cloudfront.net/widget/",
        ));
        let err = parse(&vars).unwrap_err().to_string();
        assert!(
            err.contains(WIDGET_ORIGINS) && err.contains("path"),
            "{err}"
        );
        let mut vars = complete();
        vars.push((WIDGET_ORIGINS, "https://Chat.Example.com:443"));
        assert_eq!(
            parse(&vars).unwrap().widget_origins,
            ["https://chat.example.com"],
            "as a browser sends it"
        );
    }

    #[test]
    fn each_missing_required_variable_is_named() {
        for name in [TABLE, MANAGEMENT_ENDPOINT] {
            let err = parse(&without(name)).unwrap_err();
            assert!(
                matches!(err, ConfigError::Missing { name: n, .. } if n == name),
                "{err}"
            );
            assert!(
                err.to_string().starts_with(&format!("{name} is not set")),
                "{err}"
            );
            // Blank is unset.
            let mut blank = without(name);
            blank.push((name, "  "));
            assert!(
                matches!(parse(&blank).unwrap_err(), ConfigError::Missing { name: n, .. } if n == name)
            );
        }
    }

    #[test]
    fn without_any_signing_key_both_ways_are_named() {
        let err = parse(&without(SIGNING_KEY_PARAMETER))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(SIGNING_KEY_PARAMETER) && err.contains("PARLOR_SIGNING_KEY nor"),
            "{err}"
        );
    }

    #[test]
    fn a_short_signing_key_is_rejected_and_never_printed() {
        let mut vars = without(SIGNING_KEY_PARAMETER);
        vars.push((SIGNING_KEY, "too-short-a-secret"));
        let err = parse(&vars).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid { name, .. } if *name == SIGNING_KEY),
            "{err}"
        );
        assert!(err.to_string().contains("32 bytes"), "{err}");
        assert!(!err.to_string().contains("too-short-a-secret"));
    }

    #[test]
    fn an_inline_key_wins_and_is_not_debug_printed() {
        let mut vars = complete();
        vars.push((SIGNING_KEY, KEY));
        let config = parse(&vars).unwrap();
        assert_eq!(config.signing_key, SigningKeySource::Value(KEY.into()));
        assert!(!format!("{config:?}").contains(KEY));
        assert!(signer(KEY).is_ok());
    }

    #[test]
    fn endpoints_must_be_http_urls() {
        for bad in [
            "wss://abc123.execute-api.us-east-1.amazonaws.com/prod",
            "abc123.execute-api.us-east-1.amazonaws.com/prod",
            "https:///prod",
            "https://abc123.execute-api.us-east-1.amazonaws.com/prod/@connections",
        ] {
            let mut vars = without(MANAGEMENT_ENDPOINT);
            vars.push((MANAGEMENT_ENDPOINT, bad));
            let err = parse(&vars).unwrap_err();
            assert!(
                matches!(&err, ConfigError::Invalid { name, .. } if *name == MANAGEMENT_ENDPOINT),
                "{bad}: {err}"
            );
        }
        let mut vars = complete();
        vars.push((DYNAMODB_ENDPOINT, "localhost:8000"));
        assert!(
            matches!(parse(&vars).unwrap_err(), ConfigError::Invalid { name, .. } if name == DYNAMODB_ENDPOINT)
        );
        let mut vars = complete();
        vars.push((DYNAMODB_ENDPOINT, "http://127.0.0.1:8000"));
        assert_eq!(
            parse(&vars).unwrap().dynamodb_endpoint.as_deref(),
            Some("http://127.0.0.1:8000")
        );
    }

    #[test]
    fn the_table_lists_each_variable_once_and_alternatives_point_at_each_other() {
        for (i, v) in ENV.iter().enumerate() {
            assert!(v.name.starts_with("PARLOR_") && !v.purpose.is_empty());
            assert!(
                ENV[i + 1..].iter().all(|w| w.name != v.name),
                "{} twice",
                v.name
            );
            if let Need::Unless(other) = v.need {
                assert_eq!(var(other).need, Need::Unless(v.name));
            }
        }
        // What the template must set on every function: every required variable, one way to the
        // key, the widget's origin, and the limits every function counts on.
        let everywhere: Vec<_> = ENV
            .iter()
            .filter(|v| v.deployed == Deployed::Everywhere)
            .map(|v| v.name)
            .collect();
        assert_eq!(
            everywhere,
            [
                TABLE,
                MANAGEMENT_ENDPOINT,
                SIGNING_KEY_PARAMETER,
                WIDGET_ORIGINS,
                LIMITS
            ]
        );
        // A reserved variable is read by nothing, so nothing can require it.
        assert!(
            ENV.iter()
                .filter(|v| v.reserved)
                .all(|v| v.need == Need::Optional && v.deployed != Deployed::Nowhere)
        );
        assert!(Deployed::Only(&[Function::HttpApi]).to(Function::HttpApi));
    }

    #[test]
    fn a_vapid_key_needs_a_subject_and_is_never_printed() {
        assert_eq!(parse(&complete()).unwrap().web_push, None, "off by default");
        let mut vars = complete();
        vars.push((VAPID_KEY_PARAMETER, "/parlor/vapid-key:1"));
        assert!(matches!(
            parse(&vars).unwrap_err(),
            ConfigError::Missing { name, .. } if name == PUSH_SUBJECT
        ));
        vars.push((PUSH_SUBJECT, "https://d111111abcdef8.cloudfront.net"));
        assert_eq!(
            parse(&vars).unwrap().web_push,
            Some((
                VapidKeySource::Parameter("/parlor/vapid-key:1".into()),
                "https://d111111abcdef8.cloudfront.net".into()
            ))
        );
        let key: &'static str = Box::leak(
            crate::adapters::webpush::VapidKey::generate()
                .to_base64url()
                .into(),
        );
        let mut inline = complete();
        inline.push((VAPID_KEY, key));
        inline.push((PUSH_SUBJECT, "mailto:ops@example.com"));
        let config = parse(&inline).unwrap();
        assert!(!format!("{config:?}").contains(key));
        let mut bad = complete();
        bad.push((VAPID_KEY, "not-a-key"));
        bad.push((PUSH_SUBJECT, "mailto:ops@example.com"));
        assert!(
            matches!(parse(&bad).unwrap_err(), ConfigError::Invalid { name, .. } if name == VAPID_KEY)
        );
        let mut subject = complete();
        subject.push((PUSH_SUBJECT, "ops@example.com"));
        assert!(
            matches!(parse(&subject).unwrap_err(), ConfigError::Invalid { name, .. } if name == PUSH_SUBJECT)
        );
    }

    #[test]
    fn the_frame_page_needs_its_bucket_and_the_hosts_its_policy_names() {
        assert_eq!(parse(&complete()).unwrap().frame, None, "none by default");
        let hosts = "https://a1.execute-api.eu-central-1.amazonaws.com wss://b2.execute-api.eu-central-1.amazonaws.com https://att.s3.eu-central-1.amazonaws.com";
        let mut vars = complete();
        vars.push((WEB_BUCKET, "parlor-web-123456789012"));
        assert!(
            matches!(parse(&vars).unwrap_err(), ConfigError::Missing { name, .. } if name == CSP_HOSTS),
            "the bucket alone is not enough"
        );
        vars.push((CSP_HOSTS, hosts));
        let (bucket, parsed) = parse(&vars).unwrap().frame.unwrap();
        assert_eq!(bucket, "parlor-web-123456789012");
        assert_eq!(parsed.to_list(), hosts);
        let mut bad = complete();
        bad.push((WEB_BUCKET, "parlor-web-123456789012"));
        bad.push((CSP_HOSTS, "https://a1.example wss://b2.example"));
        assert!(
            matches!(parse(&bad).unwrap_err(), ConfigError::Invalid { name, .. } if name == CSP_HOSTS)
        );
        let mut bucket = complete();
        bucket.push((WEB_BUCKET, "Parlor_Web"));
        bucket.push((CSP_HOSTS, hosts));
        assert!(
            matches!(parse(&bucket).unwrap_err(), ConfigError::Invalid { name, .. } if name == WEB_BUCKET)
        );
    }

    #[test]
    fn limits_are_the_defaults_with_the_changes_named() {
        use crate::domain::Limits;
        assert_eq!(parse(&complete()).unwrap().limits, Limits::default());
        let mut vars = complete();
        vars.push((LIMITS, "messages_per_second=3, sign_in_lockout=20"));
        let limits = parse(&vars).unwrap().limits;
        assert_eq!(limits.messages_per_second.max, 3);
        assert_eq!(limits.sign_in_account.lockout_after, 20);
        let mut bad = complete();
        bad.push((LIMITS, "messages_per_second=lots"));
        assert!(
            matches!(parse(&bad).unwrap_err(), ConfigError::Invalid { name, .. } if name == LIMITS)
        );
    }

    #[test]
    fn the_edge_secret_is_taken_when_set_and_never_printed() {
        assert_eq!(parse(&complete()).unwrap().edge_secret, None);
        let mut blank = complete();
        blank.push((EDGE_SECRET, " "));
        assert_eq!(
            parse(&blank).unwrap().edge_secret,
            None,
            "the template's value when no web ACL guards the API"
        );
        let mut vars = complete();
        vars.push((EDGE_SECRET, "Qx7pLm2vTz9KwR4sNb6YcD1fHj8GaE3u"));
        let config = parse(&vars).unwrap();
        assert_eq!(
            config.edge_secret,
            Some(EdgeSecret("Qx7pLm2vTz9KwR4sNb6YcD1fHj8GaE3u".into()))
        );
        assert!(!format!("{config:?}").contains("Qx7pLm2v"));
    }

    #[test]
    fn errors_print_their_message_when_main_returns_them() {
        let err = parse(&without(TABLE)).unwrap_err();
        assert_eq!(format!("{err:?}"), err.to_string());
    }
}
