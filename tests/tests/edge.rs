//! What browsers meet in AWS, held to `parlor_core::edge`, on the template as CloudFormation will
//! see it: `infra/template.yaml` translated by AWS's SAM translator (the `aws-sam-translator`
//! package that `sam` runs, pinned in `scripts/python-tools.sh`; `scripts/sam-translate.py` runs
//! it offline). The local gateway serves the same definition, so the browser tests run against
//! these rules; a rule that differs here fails this test.
//!
//! - the HTTP API's CORS, as API Gateway will answer preflights;
//! - the attachments bucket's CORS;
//! - each cache behaviour's response-headers policy: CSP (naming the stack's own hosts), security
//!   headers, CORS for what customers' pages fetch;
//! - CloudFront's account-wide names carry the stack's id;
//! - every log group that AWS would otherwise create without retention is the template's.

use parlor_core::edge::{self, Cors, Hosts, SecurityHeaders, WebPolicy};
use parlor_e2e::serde_json::{self, Value};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository")
}

/// The translated template. The translator comes from `.tools/venv` (scripts/test.sh installs
/// it), or from the Python that `PARLOR_SAM_PYTHON` names.
fn translated() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let python = std::env::var("PARLOR_SAM_PYTHON")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| repo_root().join(".tools/venv/bin/python"));
        let template = std::env::var("PARLOR_TEMPLATE").unwrap_or_else(|_| "infra/template.yaml".into());
        let out = Command::new(&python)
            .current_dir(repo_root())
            .arg("scripts/sam-translate.py")
            .arg(&template)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {} ({e}): scripts/test.sh installs the SAM translator into .tools/venv", python.display())
            });
        assert!(out.status.success(), "the SAM translator refused {template}:\n{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("the translator prints JSON")
    })
}

fn resource(id: &str) -> &'static Value {
    let r = &translated()["Resources"][id];
    assert!(!r.is_null(), "the translated template has no resource {id}");
    r
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect(),
        other => vec![
            other
                .as_str()
                .map_or_else(|| other.to_string(), str::to_owned),
        ],
    }
}

fn lower(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_ascii_lowercase()).collect()
}

/// A CORS setting as the template resolves it, in `edge::Cors`'s terms, reading each of the
/// spellings AWS has for it. A value that is not a plain setting (a condition, a reference) is
/// named in the failure: API Gateway would not read it as CORS.
#[derive(Debug, PartialEq)]
struct Resolved {
    origins: Vec<String>,
    methods: Vec<String>,
    headers: Vec<String>,
    expose: Vec<String>,
    max_age: u64,
}

impl Resolved {
    fn of(rule: &Cors) -> Self {
        Self {
            origins: rule.allow_origins.iter().map(|s| s.to_string()).collect(),
            methods: lower(rule.allow_methods),
            headers: lower(rule.allow_headers),
            expose: lower(rule.expose_headers),
            max_age: rule.max_age_secs,
        }
    }

    /// `keys`: origins, methods, headers, expose headers, max age, as this spelling names them.
    fn read(what: &str, setting: &Value, keys: [&str; 5], items: bool) -> Self {
        assert!(
            setting.is_object(),
            "{what}'s CORS is not a setting but {setting}"
        );
        for key in setting.as_object().unwrap().keys() {
            assert!(
                !key.starts_with("Fn::"),
                "{what}'s CORS is not a setting but {setting}"
            );
        }
        let list = |k: &str| {
            let v = if items {
                &setting[k]["Items"]
            } else {
                &setting[k]
            };
            if v.is_null() {
                return Vec::new();
            }
            assert!(v.is_array(), "{what}'s CORS {k} is not a list but {v}");
            strings(v)
                .into_iter()
                .map(|s| {
                    if k == keys[0] {
                        s
                    } else {
                        s.to_ascii_lowercase()
                    }
                })
                .collect()
        };
        let max_age = setting[keys[4]]
            .as_u64()
            .unwrap_or_else(|| panic!("{what}'s CORS has no {}: {setting}", keys[4]));
        Self {
            origins: list(keys[0]),
            methods: list(keys[1]),
            headers: list(keys[2]),
            expose: list(keys[3]),
            max_age,
        }
    }
}

#[test]
fn the_http_api_answers_preflights_as_the_definition_says() {
    let api = resource("HttpApi");
    let props = &api["Properties"];
    // SAM's HttpApi writes its CORS into the OpenAPI body; a plain API carries it as a property.
    let resolved = match &props["Body"]["x-amazon-apigateway-cors"] {
        Value::Null => {
            assert_eq!(api["Type"], "AWS::ApiGatewayV2::Api");
            assert_eq!(props["ProtocolType"], "HTTP");
            Resolved::read(
                "the HTTP API",
                &props["CorsConfiguration"],
                [
                    "AllowOrigins",
                    "AllowMethods",
                    "AllowHeaders",
                    "ExposeHeaders",
                    "MaxAge",
                ],
                false,
            )
        }
        body => Resolved::read(
            "the HTTP API",
            body,
            [
                "allowOrigins",
                "allowMethods",
                "allowHeaders",
                "exposeHeaders",
                "maxAge",
            ],
            false,
        ),
    };
    assert_eq!(
        resolved,
        Resolved::of(&edge::HTTP_API),
        "the HTTP API's CORS is parlor_core::edge::HTTP_API"
    );
}

#[test]
fn the_attachments_bucket_takes_uploads_and_downloads_as_the_definition_says() {
    let rules = &resource("AttachmentsBucket")["Properties"]["CorsConfiguration"]["CorsRules"];
    let rules = rules
        .as_array()
        .unwrap_or_else(|| panic!("the bucket's CORS rules are not a list but {rules}"));
    assert_eq!(rules.len(), 1, "one rule");
    let resolved = Resolved::read(
        "the attachments bucket",
        &rules[0],
        [
            "AllowedOrigins",
            "AllowedMethods",
            "AllowedHeaders",
            "ExposedHeaders",
            "MaxAge",
        ],
        false,
    );
    assert_eq!(
        resolved,
        Resolved::of(&edge::STORAGE),
        "the bucket's CORS is parlor_core::edge::STORAGE"
    );
}

/// The distribution's behaviour for a path pattern (`None`: the default one).
fn behaviour(pattern: Option<&str>) -> &'static Value {
    let config = &resource("Distribution")["Properties"]["DistributionConfig"];
    match pattern {
        None => &config["DefaultCacheBehavior"],
        Some(p) => config["CacheBehaviors"]
            .as_array()
            .and_then(|all| all.iter().find(|b| b["PathPattern"] == p))
            .unwrap_or_else(|| panic!("the distribution has no behaviour for {p}")),
    }
}

/// Holds a policy's security headers to `wanted`.
fn check_security_headers(what: &str, config: &Value, wanted: SecurityHeaders) {
    let overrides = |k: &str| {
        assert_eq!(
            config[k]["Override"], true,
            "{what}: {k} overrides the origin's"
        )
    };
    overrides("StrictTransportSecurity");
    let hsts = &config["StrictTransportSecurity"];
    assert_eq!(
        hsts["AccessControlMaxAgeSec"].as_u64(),
        Some(wanted.hsts_max_age_secs),
        "{what}: HSTS"
    );
    assert_eq!(hsts["IncludeSubdomains"], true, "{what}: HSTS");
    assert_eq!(
        !config["ContentTypeOptions"].is_null(),
        wanted.nosniff,
        "{what}: X-Content-Type-Options"
    );
    if wanted.nosniff {
        overrides("ContentTypeOptions");
    }
    assert_eq!(
        config["FrameOptions"]["FrameOption"].as_str(),
        wanted.frame_options,
        "{what}: X-Frame-Options"
    );
    if wanted.frame_options.is_some() {
        overrides("FrameOptions");
    }
    overrides("ReferrerPolicy");
    assert_eq!(
        config["ReferrerPolicy"]["ReferrerPolicy"].as_str(),
        Some(wanted.referrer_policy),
        "{what}: Referrer-Policy"
    );
}

#[test]
fn each_web_path_has_the_headers_the_definition_gives_it() {
    for policy in WebPolicy::ALL {
        let id = policy.logical_id();
        let b = behaviour(policy.path_pattern());
        assert_eq!(
            b["ResponseHeadersPolicyId"],
            serde_json::json!({ "Ref": id }),
            "{:?} uses {id}",
            policy.path_pattern()
        );
        let r = resource(id);
        assert_eq!(r["Type"], "AWS::CloudFront::ResponseHeadersPolicy");
        let config = &r["Properties"]["ResponseHeadersPolicyConfig"];
        let security = &config["SecurityHeadersConfig"];

        let csp = &security["ContentSecurityPolicy"];
        match policy.content_security_policy(&Hosts::template()) {
            None => assert!(csp.is_null(), "{id} sets no CSP"),
            Some(wanted) => {
                assert_eq!(csp["Override"], true, "{id}");
                assert_eq!(
                    csp["ContentSecurityPolicy"],
                    serde_json::json!({ "Fn::Sub": wanted }),
                    "{id}'s CSP"
                );
            }
        }
        check_security_headers(id, security, policy.security());

        let cors = &config["CorsConfig"];
        match policy.cors() {
            None => assert!(cors.is_null(), "{id} sets no CORS"),
            Some(rule) => {
                assert_eq!(cors["AccessControlAllowCredentials"], false, "{id}");
                assert_eq!(cors["OriginOverride"], true, "{id}");
                let resolved = Resolved::read(
                    id,
                    cors,
                    [
                        "AccessControlAllowOrigins",
                        "AccessControlAllowMethods",
                        "AccessControlAllowHeaders",
                        "AccessControlExposeHeaders",
                        "AccessControlMaxAgeSec",
                    ],
                    true,
                );
                assert_eq!(resolved, Resolved::of(&rule), "{id}'s CORS");
            }
        }
    }
    // And no behaviour the definition does not know of: one per policy, in the definition's order
    // (CloudFront takes the first that matches), and, with a web ACL only, the HTTP API's.
    let behaviours = resource("Distribution")["Properties"]["DistributionConfig"]["CacheBehaviors"]
        .as_array()
        .expect("the distribution has cache behaviours");
    let (conditional, plain): (Vec<&Value>, Vec<&Value>) =
        behaviours.iter().partition(|b| !b["Fn::If"].is_null());
    let patterns: Vec<Option<&str>> = plain.iter().map(|b| b["PathPattern"].as_str()).collect();
    let wanted: Vec<Option<&str>> = WebPolicy::ALL
        .iter()
        .filter_map(|p| p.path_pattern())
        .map(Some)
        .collect();
    assert_eq!(patterns, wanted, "one behaviour per policy, in order");
    assert_eq!(conditional.len(), 1, "{conditional:?}");
    let api = &conditional[0]["Fn::If"];
    assert_eq!(api[0], "CreatesWaf");
    assert_eq!(api[1]["PathPattern"], "/api/*");
    assert_eq!(api[2], serde_json::json!({ "Ref": "AWS::NoValue" }));
    assert!(
        api[1]["ResponseHeadersPolicyId"].is_null(),
        "the API's answers carry edge::API_HEADERS, set by the function"
    );
}

/// The substitution of the stack's id (its last part, a UUID) that CloudFront's names carry.
fn carries_the_stack_id(name: &Value) -> bool {
    name.to_string().contains(r#"{"Ref":"AWS::StackId"}"#)
}

#[test]
fn cloudfront_names_are_unique_to_the_stack_not_only_to_the_region() {
    let resources = translated()["Resources"].as_object().unwrap();
    let mut named = 0;
    for (id, r) in resources {
        let config = match r["Type"].as_str().unwrap_or_default() {
            "AWS::CloudFront::Function" => &r["Properties"],
            "AWS::CloudFront::OriginAccessControl" => &r["Properties"]["OriginAccessControlConfig"],
            "AWS::CloudFront::ResponseHeadersPolicy" => {
                &r["Properties"]["ResponseHeadersPolicyConfig"]
            }
            "AWS::CloudFront::CachePolicy"
            | "AWS::CloudFront::OriginRequestPolicy"
            | "AWS::CloudFront::KeyValueStore" => {
                panic!("{id}: hold its account-wide name here too")
            }
            _ => continue,
        };
        named += 1;
        assert!(
            carries_the_stack_id(&config["Name"]),
            "{id}'s name {} would clash in a second region",
            config["Name"]
        );
    }
    assert_eq!(
        named,
        2 + WebPolicy::ALL.len(),
        "the function, the origin access control and the policies"
    );
}

#[test]
fn every_log_group_aws_would_make_is_the_templates_with_retention() {
    let resources = translated()["Resources"].as_object().unwrap();
    let groups: Vec<&Value> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::Logs::LogGroup")
        .collect();
    for g in &groups {
        assert_eq!(
            g["Properties"]["RetentionInDays"],
            serde_json::json!({ "Ref": "LogRetentionDays" }),
            "{g}"
        );
    }
    let named = |wanted: &str| {
        groups
            .iter()
            .any(|g| g["Properties"]["LogGroupName"] == serde_json::json!({ "Fn::Sub": wanted }))
    };
    // Lambda writes to /aws/lambda/{name}; API Gateway a WebSocket stage's execution logs to its own.
    let functions = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Lambda::Function")
        .count();
    let lambda_groups = groups
        .iter()
        .filter(|g| {
            g["Properties"]["LogGroupName"]
                .to_string()
                .contains("/aws/lambda/")
        })
        .count();
    assert_eq!(
        lambda_groups, functions,
        "each function's log group is the template's"
    );
    assert!(
        named("API-Gateway-Execution-Logs_${WebSocketApi}/${StageName}"),
        "the WebSocket stage's execution log group is the template's"
    );
    let depends = strings(&resource("Stage")["DependsOn"]);
    assert!(
        depends.contains(&"WebSocketExecutionLogs".to_owned()),
        "the stage logs only once its group exists: {depends:?}"
    );
}
