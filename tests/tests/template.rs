//! `infra/template.yaml` held against the code, offline:
//! - every WebSocket route the code handles (`protocol::Route`) has its route, integration,
//!   permission and function in the template, and there are no others;
//! - every function crate is a function built for arm64 with cargo-lambda, and every function of
//!   the template is a crate;
//! - every environment variable the code reads is set where the `lambda::ENV` table says, and
//!   the template sets nothing else;
//! - each function's policy is its row of `deploy::PERMISSIONS`, statement by statement, and that
//!   row is exactly what the function's handlers call: every flow of the product is run through
//!   the local gateway on DynamoDB Local while `adapters::calls` records, per function, the IAM
//!   action each DynamoDB request and each push needs;
//! - the HTTP API's routes are `deploy::HTTP_ROUTES`, the widget's frame page goes from CloudFront
//!   to the HTTP API's function, the routes of `deploy::ROUTE_THROTTLES` have throttles of their
//!   own, each function a reserved-concurrency parameter that reserves nothing by default, and the
//!   optional web ACL rates sign-in and visitor sessions per IP, with the API behind CloudFront.

#[path = "../../shared/tests/dynamo_local/mod.rs"]
mod dynamo_local;

use parlor_core::adapters::calls::{AwsCalls, Needed};
use parlor_core::deploy::{Api, Function, HTTP_ROUTES, ROUTE_THROTTLES, Resource};
use parlor_core::domain::{Connection, Peer, Sender, SystemEvent};
use parlor_core::edge::{self, Hosts, WebPolicy};
use parlor_core::entrypoints::ws;
use parlor_core::ids::{ConnectionId, DialogId, OperatorId};
use parlor_core::lambda::{Deployed, ENV, LambdaConfig, Need};
use parlor_core::protocol::Route;
use parlor_e2e::serde_json::json;
use parlor_e2e::{TestApp, frame, start_dialog, unique};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

fn repo_root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository")
}

fn template() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let path = repo_root().join("infra/template.yaml");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_yaml::from_str(&text).expect("the template is YAML")
    })
}

fn resources() -> &'static serde_yaml::Mapping {
    template()["Resources"]
        .as_mapping()
        .expect("the template has Resources")
}

fn resource(logical_id: &str) -> &'static Value {
    resources()
        .get(logical_id)
        .unwrap_or_else(|| panic!("the template has no resource {logical_id}"))
}

fn of_type(kind: &str) -> Vec<(&'static str, &'static Value)> {
    resources()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str().unwrap(), r))
        .collect()
}

/// A value as the template spells it, short-form tags included: `!Sub "x${Y}"` is `!Sub x${Y}`.
fn spelled(value: &Value) -> String {
    match value {
        Value::Tagged(t) => format!("{} {}", t.tag, spelled(&t.value)),
        Value::String(s) => s.clone(),
        Value::Sequence(items) => format!(
            "[{}]",
            items.iter().map(spelled).collect::<Vec<_>>().join(", ")
        ),
        other => serde_yaml::to_string(other).unwrap().trim().to_owned(),
    }
}

/// A string, or each string of a list.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().map(spelled).collect(),
        other => vec![spelled(other)],
    }
}

/// Exports are a copy of personal data: storage forgets them after `EXPORT_KEEP_DAYS`, and the HTTP
/// API's function has the memory to build one (a ZIP of `MAX_EXPORT_BYTES` of files, and the file
/// being read into it, twice while its bytes are copied).
#[test]
fn exports_expire_and_fit_in_the_http_functions_memory() {
    let rules = resource("AttachmentsBucket")["Properties"]["LifecycleConfiguration"]["Rules"]
        .as_sequence()
        .expect("the bucket's lifecycle rules");
    let rule = rules
        .iter()
        .find(|r| r["Prefix"] == parlor_core::app::EXPORTS_PREFIX)
        .expect("a lifecycle rule on exports/");
    assert_eq!(rule["Status"], "Enabled");
    assert_eq!(
        rule["ExpirationInDays"].as_u64(),
        Some(u64::from(parlor_core::app::EXPORT_KEEP_DAYS))
    );
    let memory_mb = resource(Function::HttpApi.logical_id())["Properties"]["MemorySize"]
        .as_u64()
        .or(template()["Globals"]["Function"]["MemorySize"].as_u64())
        .expect("the HTTP API's function has its memory set");
    assert!(
        memory_mb * 1024 * 1024 >= 4 * parlor_core::domain::MAX_EXPORT_BYTES,
        "{memory_mb} MB for an export of up to {} bytes of files",
        parlor_core::domain::MAX_EXPORT_BYTES
    );
}

#[test]
fn every_route_the_code_handles_has_a_route_an_integration_and_a_permission() {
    let routes: Vec<_> = of_type("AWS::ApiGatewayV2::Route")
        .into_iter()
        .filter(|(_, r)| spelled(&r["Properties"]["ApiId"]) == "!Ref WebSocketApi")
        .collect();
    assert_eq!(
        routes.len(),
        Route::ALL.len(),
        "one route per protocol::Route, no others"
    );
    let deployment = &resource("Deployment")["DependsOn"];
    for route in Route::ALL {
        // The code dispatches on the key API Gateway sends, so the key must lead back to the route.
        let mut event = aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest::default();
        event.request_context.route_key = Some(route.key().to_owned());
        assert_eq!(
            ws::route_of(&event),
            route,
            "{} is handled as itself",
            route.key()
        );

        let function = Function::WebSocket(route).logical_id();
        let (id, r) = routes
            .iter()
            .find(|(_, r)| r["Properties"]["RouteKey"] == route.key())
            .unwrap_or_else(|| panic!("no route {}", route.key()));
        assert_eq!(
            spelled(&r["Properties"]["ApiId"]),
            "!Ref WebSocketApi",
            "{id}"
        );
        let target = spelled(&r["Properties"]["Target"]);
        let integration = target
            .strip_prefix("!Sub integrations/${")
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or_else(|| panic!("{id} targets {target}"));
        let i = &resource(integration)["Properties"];
        assert_eq!(
            resource(integration)["Type"],
            "AWS::ApiGatewayV2::Integration"
        );
        assert_eq!(i["IntegrationType"], "AWS_PROXY", "{integration}");
        assert_eq!(spelled(&i["ApiId"]), "!Ref WebSocketApi", "{integration}");
        assert!(
            spelled(&i["IntegrationUri"])
                .contains(&format!("/functions/${{{function}.Arn}}/invocations")),
            "{integration} invokes {function}"
        );
        assert!(
            strings(deployment).contains(&id.to_string()),
            "the deployment waits for {id}"
        );

        let permitted = of_type("AWS::Lambda::Permission")
            .into_iter()
            .any(|(_, p)| {
                let p = &p["Properties"];
                spelled(&p["FunctionName"]) == format!("!Ref {function}")
                    && p["Principal"] == "apigateway.amazonaws.com"
                    && p["Action"] == "lambda:InvokeFunction"
                    && spelled(&p["SourceArn"])
                        .ends_with(&format!(":${{WebSocketApi}}/*/{}", route.key()))
            });
        assert!(
            permitted,
            "API Gateway may invoke {function} for {} on this API only",
            route.key()
        );
    }
    let api = &resource("WebSocketApi")["Properties"];
    assert_eq!(api["ProtocolType"], "WEBSOCKET");
    assert_eq!(
        api["RouteSelectionExpression"], "$request.body.action",
        "what Route::select emulates"
    );
}

#[test]
fn every_function_crate_is_a_function_built_for_arm64_with_cargo_lambda() {
    let globals = &template()["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(strings(&globals["Architectures"]), ["arm64"]);
    assert_eq!(globals["Handler"], "bootstrap");
    let functions = of_type("AWS::Serverless::Function");
    assert_eq!(
        functions.len(),
        Function::ALL.len(),
        "one function per crate, no others"
    );
    for function in Function::ALL {
        let r = resource(function.logical_id());
        assert_eq!(r["Type"], "AWS::Serverless::Function", "{function:?}");
        assert_eq!(
            r["Metadata"]["BuildMethod"], "rust-cargolambda",
            "{function:?}"
        );
        assert_eq!(
            r["Metadata"]["BuildProperties"]["Binary"],
            function.binary().as_str(),
            "{function:?}"
        );
        assert_eq!(
            r["Properties"]["CodeUri"],
            format!("../functions/{}", function.crate_dir()).as_str()
        );
        let manifest = repo_root()
            .join("functions")
            .join(function.crate_dir())
            .join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        assert!(
            manifest.contains(&format!("name = \"{}\"", function.binary())),
            "the crate builds {}",
            function.binary()
        );
    }
    assert!(
        resource("HttpApiFunction")["Properties"]
            .get("Events")
            .is_none(),
        "the HTTP API's resources are the template's own"
    );
}

#[test]
fn the_sweep_runs_every_minute_on_a_schedule_and_on_nothing_else() {
    let events = resource(Function::Sweep.logical_id())["Properties"]["Events"]
        .as_mapping()
        .expect("the sweep's function has its events");
    assert_eq!(
        events.len(),
        1,
        "one schedule, no other trigger: {events:?}"
    );
    let (_, event) = events.iter().next().unwrap();
    assert_eq!(event["Type"], "Schedule", "an EventBridge scheduled rule");
    assert_eq!(event["Properties"]["Schedule"], "rate(1 minute)");
    assert!(
        event["Properties"].get("Input").is_none(),
        "the sweep needs nothing from its event"
    );
    // Nothing else invokes it: no API integration names it, no permission is granted to API Gateway.
    let function = format!("!Ref {}", Function::Sweep.logical_id());
    assert!(
        of_type("AWS::Lambda::Permission")
            .iter()
            .all(|(_, p)| spelled(&p["Properties"]["FunctionName"]) != function)
    );
    for (id, i) in of_type("AWS::ApiGatewayV2::Integration") {
        assert!(
            !spelled(&i["Properties"]["IntegrationUri"]).contains(Function::Sweep.logical_id()),
            "{id}"
        );
    }
}

/// Whether the `SourceArn` of a permission (`…:${HttpApi}/{stage}/{method}/{path}`) lets API
/// Gateway invoke the function for `route` (`METHOD /path`).
fn permits(source_arn: &str, route: &str) -> bool {
    let Some(rest) = source_arn.split(":${HttpApi}/").nth(1) else {
        return false;
    };
    let mut parts = rest.splitn(3, '/');
    let (Some(stage), Some(method), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (route_method, route_path) = route.split_once(' ').unwrap();
    let route_path = route_path.trim_start_matches('/').replace("{proxy+}", "x");
    let path_ok = match path.strip_suffix('*') {
        Some(prefix) => route_path.starts_with(prefix),
        None => route_path == path,
    };
    stage == "*" && (method == "*" || method == route_method) && path_ok
}

#[test]
fn the_http_api_sends_its_routes_to_its_function() {
    let api = &resource("HttpApi")["Properties"];
    assert_eq!(resource("HttpApi")["Type"], "AWS::ApiGatewayV2::Api");
    assert_eq!(api["ProtocolType"], "HTTP");
    let routes: Vec<_> = of_type("AWS::ApiGatewayV2::Route")
        .into_iter()
        .filter(|(_, r)| spelled(&r["Properties"]["ApiId"]) == "!Ref HttpApi")
        .collect();
    let keys: BTreeSet<&str> = routes
        .iter()
        .map(|(_, r)| r["Properties"]["RouteKey"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        HTTP_ROUTES.iter().copied().collect(),
        "the routes of deploy::HTTP_ROUTES, no others"
    );
    assert_eq!(routes.len(), HTTP_ROUTES.len(), "each route once");
    let permissions: Vec<String> = of_type("AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, p)| {
            let p = &p["Properties"];
            spelled(&p["FunctionName"]) == "!Ref HttpApiFunction"
                && p["Principal"] == "apigateway.amazonaws.com"
                && p["Action"] == "lambda:InvokeFunction"
        })
        .map(|(_, p)| spelled(&p["Properties"]["SourceArn"]))
        .collect();
    for (id, r) in &routes {
        let route = &r["Properties"];
        assert_eq!(
            spelled(&route["Target"]),
            "!Sub integrations/${HttpApiIntegration}",
            "{id}"
        );
        let key = route["RouteKey"].as_str().unwrap();
        assert!(
            permissions.iter().any(|arn| permits(arn, key)),
            "API Gateway may invoke the HTTP API's function for {key}: {permissions:?}"
        );
    }
    // And for this API's routes only: every permission is one of these.
    for arn in &permissions {
        assert!(
            HTTP_ROUTES.iter().any(|r| permits(arn, r)),
            "{arn} is for no route"
        );
    }
    let integration = &resource("HttpApiIntegration")["Properties"];
    assert_eq!(integration["IntegrationType"], "AWS_PROXY");
    assert_eq!(
        spelled(&integration["IntegrationUri"]),
        "!GetAtt HttpApiFunction.Arn"
    );
    assert_eq!(
        integration["PayloadFormatVersion"], "2.0",
        "what lambda_http reads"
    );
    let stage = &resource("HttpApiStage")["Properties"];
    assert_eq!(
        stage["StageName"], "$default",
        "no stage in the path: /api/… is the whole path"
    );
    assert_eq!(stage["AutoDeploy"], true);
}

#[tokio::test]
async fn every_route_of_the_http_api_is_a_path_its_function_serves() {
    let app = TestApp::spawn().await;
    let hosts = Hosts {
        http_api: "https://api.example".into(),
        websocket: "wss://ws.example".into(),
        storage: "https://files.example".into(),
    };
    let function =
        parlor_e2e::deployed::http_api_function(&app, "<!doctype html>", hosts, None).await;
    for route in HTTP_ROUTES {
        let (method, path) = route.split_once(' ').unwrap();
        let (method, path) = match (method, path) {
            ("ANY", p) => ("GET", p.replace("{proxy+}", "health")),
            (m, p) => (m, p.to_owned()),
        };
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{function}{path}"))
            .header("content-type", "application/json")
            .body(http_body_util::Full::new(bytes::Bytes::from_static(b"{}")))
            .unwrap();
        let answer = parlor_e2e::storage::send(request).await;
        assert_ne!(answer.status, 404, "{route}: {method} {path} is served");
        assert_ne!(answer.status, 405, "{route}: {method} {path} is served");
    }
}

#[test]
fn the_widgets_frame_page_goes_from_cloudfront_to_the_http_apis_function() {
    let config = &resource("Distribution")["Properties"]["DistributionConfig"];
    let api = config["Origins"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|o| o["Id"] == "api")
        .expect("the distribution has the HTTP API as an origin");
    assert_eq!(
        spelled(&api["DomainName"]),
        "!Sub ${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    );
    assert_eq!(
        api["CustomOriginConfig"]["OriginProtocolPolicy"], "https-only",
        "{api:?}"
    );
    let behaviours = config["CacheBehaviors"].as_sequence().unwrap();
    let position = |pattern: &str| {
        behaviours
            .iter()
            .position(|b| b["PathPattern"] == pattern)
            .unwrap_or_else(|| panic!("no behaviour for {pattern}"))
    };
    let frame = &behaviours[position(edge::FRAME_PATH)];
    assert!(
        position(edge::FRAME_PATH) < position("/widget/*"),
        "CloudFront takes the first behaviour that matches: the frame's comes before /widget/*"
    );
    assert_eq!(frame["TargetOriginId"], "api");
    assert_eq!(
        frame["CachePolicyId"], CACHING_DISABLED,
        "never cached: a site's origins change"
    );
    assert_eq!(
        frame["OriginRequestPolicyId"], ALL_VIEWER_EXCEPT_HOST_HEADER,
        "the query string reaches the function, and API Gateway gets its own Host"
    );
    assert_eq!(
        spelled(&frame["ResponseHeadersPolicyId"]),
        format!("!Ref {}", WebPolicy::Frame.logical_id())
    );
    assert_eq!(strings(&frame["AllowedMethods"]), ["GET", "HEAD"]);
    assert!(
        HTTP_ROUTES.contains(&format!("GET {}", edge::FRAME_PATH).as_str()),
        "the HTTP API takes it"
    );
    // The function reads the published page and names the stack's hosts in its policy.
    let vars = &resource("HttpApiFunction")["Properties"]["Environment"]["Variables"];
    assert_eq!(spelled(&vars["PARLOR_WEB_BUCKET"]), "!Ref WebBucket");
    assert_eq!(
        spelled(&vars["PARLOR_CSP_HOSTS"]),
        format!("!Sub {}", Hosts::template().to_list())
    );
    assert!(
        template()["Parameters"]
            .get("WidgetFrameAncestors")
            .is_none(),
        "no stack-wide frame-ancestors: each site has its own"
    );
}

/// CloudFront's managed cache policy CachingDisabled.
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/// CloudFront's managed origin request policy AllViewerExceptHostHeader.
const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

fn parameter(name: &str) -> &'static Value {
    template()["Parameters"]
        .get(name)
        .unwrap_or_else(|| panic!("the template has no parameter {name}"))
}

fn default_of(name: &str) -> i64 {
    parameter(name)["Default"]
        .as_i64()
        .unwrap_or_else(|| panic!("{name} has no number for default"))
}

#[test]
fn each_public_route_has_a_throttle_of_its_own_within_its_stage() {
    for (api, stage, defaults) in [
        (
            Api::WebSocket,
            "Stage",
            ("WebSocketBurstLimit", "WebSocketRateLimit"),
        ),
        (
            Api::Http,
            "HttpApiStage",
            ("HttpBurstLimit", "HttpRateLimit"),
        ),
    ] {
        let settings = &resource(stage)["Properties"]["RouteSettings"];
        let throttled: Vec<_> = ROUTE_THROTTLES.iter().filter(|t| t.api == api).collect();
        let keys: BTreeSet<&str> = settings
            .as_mapping()
            .unwrap_or_else(|| panic!("{stage} has RouteSettings"))
            .keys()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            throttled.iter().map(|t| t.route).collect(),
            "{stage}: deploy::ROUTE_THROTTLES, no others"
        );
        let default = &resource(stage)["Properties"]["DefaultRouteSettings"];
        assert_eq!(
            spelled(&default["ThrottlingBurstLimit"]),
            format!("!Ref {}", defaults.0)
        );
        assert_eq!(
            spelled(&default["ThrottlingRateLimit"]),
            format!("!Ref {}", defaults.1)
        );
        for t in throttled {
            let s = &settings[t.route];
            assert_eq!(
                spelled(&s["ThrottlingBurstLimit"]),
                format!("!Ref {}", t.burst_parameter),
                "{}",
                t.route
            );
            assert_eq!(
                spelled(&s["ThrottlingRateLimit"]),
                format!("!Ref {}", t.rate_parameter),
                "{}",
                t.route
            );
            for p in [t.burst_parameter, t.rate_parameter] {
                assert_eq!(parameter(p)["Type"], "Number", "{p}");
                assert_eq!(parameter(p)["MinValue"], 1, "{p}");
            }
            let (burst, rate) = (default_of(t.burst_parameter), default_of(t.rate_parameter));
            assert!(
                rate <= burst,
                "{}: a burst below the steady rate would cap the rate",
                t.route
            );
            assert!(
                burst < default_of(defaults.0) && rate < default_of(defaults.1),
                "{}: by default a share of the stage, so a flood of it leaves the rest some",
                t.route
            );
        }
    }
    // An HTTP stage names routes that must exist before it is made.
    let depends = strings(&resource("HttpApiStage")["DependsOn"]);
    for (id, r) in of_type("AWS::ApiGatewayV2::Route") {
        let key = r["Properties"]["RouteKey"].as_str().unwrap();
        if ROUTE_THROTTLES
            .iter()
            .any(|t| t.api == Api::Http && t.route == key)
        {
            assert!(
                depends.contains(&id.to_owned()),
                "HttpApiStage waits for {id}"
            );
        }
    }
    // The WebSocket stage comes after its deployment, which waits for every route.
    assert_eq!(
        spelled(&resource("Stage")["Properties"]["DeploymentId"]),
        "!Ref Deployment"
    );
}

#[test]
fn each_function_may_have_reserved_concurrency_and_by_default_has_none() {
    for function in Function::ALL {
        let (name, condition) = function.reserved_concurrency();
        let p = parameter(&name);
        assert_eq!(p["Type"], "Number", "{name}");
        assert_eq!(
            p["Default"], -1,
            "{name}: a default deploy reserves nothing, so it fits an account of any limit"
        );
        assert_eq!(p["MinValue"], -1, "{name}");
        assert_eq!(
            spelled(&template()["Conditions"][condition.as_str()]),
            format!("!Not [!Equals [!Ref {name}, -1]]"),
            "{condition}"
        );
        assert_eq!(
            spelled(&resource(function.logical_id())["Properties"]["ReservedConcurrentExecutions"]),
            format!("!If [{condition}, !Ref {name}, !Ref AWS::NoValue]"),
            "{function:?}"
        );
    }
}

#[test]
fn the_optional_web_acl_rates_sign_in_and_visitor_sessions_per_ip_with_the_api_behind_it() {
    let enable = parameter("EnableWaf");
    assert_eq!(enable["Default"], "false", "off unless asked for: it costs");
    assert_eq!(
        spelled(&template()["Conditions"]["CreatesWaf"]),
        "!Equals [!Ref EnableWaf, true]"
    );
    let acl = resource("WebAcl");
    assert_eq!(acl["Type"], "AWS::WAFv2::WebACL");
    assert_eq!(acl["Condition"], "CreatesWaf");
    assert_eq!(
        acl["Properties"]["Scope"], "CLOUDFRONT",
        "CloudFront takes a global web ACL only"
    );
    let rule = &template()["Rules"]["WafOnlyInUsEast1"];
    assert_eq!(
        spelled(&rule["RuleCondition"]),
        "!Equals [!Ref EnableWaf, true]"
    );
    assert_eq!(
        spelled(&rule["Assertions"][0]["Assert"]),
        "!Equals [!Ref AWS::Region, us-east-1]",
        "global web ACLs are made in us-east-1"
    );
    let rules = acl["Properties"]["Rules"].as_sequence().unwrap();
    assert_eq!(rules.len(), 2, "{rules:?}");
    for (path, limit) in [
        ("/api/login", "WafSignInLimit"),
        ("/api/visitor/session", "WafVisitorSessionLimit"),
    ] {
        assert!(
            HTTP_ROUTES.contains(&format!("POST {path}").as_str()),
            "{path} is a route of the API"
        );
        let rule = rules
            .iter()
            .find(|r| {
                r["Statement"]["RateBasedStatement"]["ScopeDownStatement"]["AndStatement"]
                    ["Statements"]
                    .as_sequence()
                    .is_some_and(|s| s.iter().any(|m| m["ByteMatchStatement"]["SearchString"] == path))
            })
            .unwrap_or_else(|| panic!("no rule for {path}"));
        let rate = &rule["Statement"]["RateBasedStatement"];
        assert_eq!(rate["AggregateKeyType"], "IP", "{path}");
        assert_eq!(spelled(&rate["Limit"]), format!("!Ref {limit}"), "{path}");
        assert_eq!(
            parameter(limit)["MinValue"],
            10,
            "{limit}: WAF takes no rate below 10"
        );
        let matches: Vec<(String, String, String)> =
            rate["ScopeDownStatement"]["AndStatement"]["Statements"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|m| {
                    let b = &m["ByteMatchStatement"];
                    let field = b["FieldToMatch"]
                        .as_mapping()
                        .unwrap()
                        .keys()
                        .next()
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned();
                    (
                        field,
                        spelled(&b["PositionalConstraint"]),
                        spelled(&b["SearchString"]),
                    )
                })
                .collect();
        assert_eq!(
            matches,
            [
                ("UriPath".into(), "EXACTLY".into(), path.into()),
                ("Method".into(), "EXACTLY".into(), "POST".into())
            ],
            "{path}"
        );
        let block = &rule["Action"]["Block"]["CustomResponse"];
        assert_eq!(block["ResponseCode"], 429, "{path}");
    }

    // The distribution carries it, and with it the API goes through CloudFront.
    let config = &resource("Distribution")["Properties"]["DistributionConfig"];
    assert_eq!(
        spelled(&config["WebACLId"]),
        "!If [CreatesWaf, !GetAtt WebAcl.Arn, !Ref AWS::NoValue]"
    );
    let api_behaviour = config["CacheBehaviors"]
        .as_sequence()
        .unwrap()
        .iter()
        .find_map(|b| match b {
            Value::Tagged(t) if t.tag == "!If" => Some(&t.value),
            _ => None,
        })
        .expect("a behaviour made only with the web ACL");
    assert_eq!(api_behaviour[0], "CreatesWaf");
    assert_eq!(api_behaviour[1]["PathPattern"], "/api/*");
    assert_eq!(api_behaviour[1]["TargetOriginId"], "api");
    assert_eq!(api_behaviour[1]["CachePolicyId"], CACHING_DISABLED);
    assert_eq!(
        api_behaviour[1]["OriginRequestPolicyId"],
        ALL_VIEWER_EXCEPT_HOST_HEADER
    );
    assert_eq!(
        strings(&api_behaviour[1]["AllowedMethods"]).len(),
        7,
        "every method the API takes"
    );
    assert_eq!(
        spelled(&template()["Outputs"]["HttpApiUrl"]["Value"]),
        "!If [CreatesWaf, !Sub https://${Distribution.DomainName}, !Sub https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}]",
        "what scripts/publish-web.sh writes into /config.json"
    );

    // The API refuses what did not pass CloudFront: the header CloudFront adds is the secret the
    // function is given, and neither exists without the web ACL.
    let secret = "!Sub {{resolve:secretsmanager:${EdgeSecret}:SecretString}}";
    assert_eq!(resource("EdgeSecret")["Condition"], "CreatesWaf");
    let api = config["Origins"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|o| o["Id"] == "api")
        .unwrap();
    let Value::Tagged(headers) = &api["OriginCustomHeaders"] else {
        panic!("the API's origin adds a header only with the web ACL");
    };
    assert_eq!(headers.tag, "!If");
    assert_eq!(headers.value[0], "CreatesWaf");
    assert_eq!(spelled(&headers.value[2]), "!Ref AWS::NoValue");
    let added = headers.value[1].as_sequence().unwrap();
    assert_eq!(added.len(), 1);
    assert_eq!(
        added[0]["HeaderName"],
        parlor_core::entrypoints::http::EDGE_HEADER
    );
    assert_eq!(spelled(&added[0]["HeaderValue"]), secret);
    assert_eq!(
        spelled(
            &resource("HttpApiFunction")["Properties"]["Environment"]["Variables"]["PARLOR_EDGE_SECRET"]
        ),
        format!("!If [CreatesWaf, {secret}, ]"),
        "blank (no check) without the web ACL"
    );
}

/// The variables the code reads, as `LambdaConfig` asks for them.
fn variables_read() -> BTreeSet<String> {
    let asked = std::sync::Mutex::new(BTreeSet::new());
    let _ = LambdaConfig::from_lookup(|name| {
        asked.lock().unwrap().insert(name.to_owned());
        None
    });
    // Asked again with a full environment, since a missing variable stops the reading early.
    let _ = LambdaConfig::from_lookup(|name| {
        asked.lock().unwrap().insert(name.to_owned());
        ENV.iter()
            .find(|v| v.name == name)
            .map(|_| "https://example.com/0123456789abcdef0123456789abcdef".to_owned())
    });
    asked.into_inner().unwrap()
}

#[test]
fn every_variable_the_code_reads_is_set_where_env_says_and_nothing_else_is() {
    let read = variables_read();
    let listed: BTreeSet<String> = ENV.iter().map(|v| v.name.to_owned()).collect();
    assert!(
        read.is_subset(&listed),
        "read but not in lambda::ENV: {:?}",
        read.difference(&listed).collect::<Vec<_>>()
    );
    for v in ENV {
        assert_eq!(
            read.contains(v.name),
            !v.reserved,
            "{}: reserved means no code reads it (yet)",
            v.name
        );
    }
    let everywhere = template()["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .unwrap();
    for function in Function::ALL {
        let own =
            resource(function.logical_id())["Properties"]["Environment"]["Variables"].as_mapping();
        let set: BTreeSet<String> = everywhere
            .keys()
            .chain(own.into_iter().flat_map(|m| m.keys()))
            .map(|k| k.as_str().unwrap().to_owned())
            .collect();
        let wanted: BTreeSet<String> = ENV
            .iter()
            .filter(|v| v.deployed.to(function))
            .map(|v| v.name.to_owned())
            .collect();
        assert_eq!(set, wanted, "the variables of {function:?}");
        for v in ENV.iter().filter(|v| read.contains(v.name)) {
            match v.need {
                Need::Required => assert!(set.contains(v.name), "{function:?} needs {}", v.name),
                Need::Unless(other) => assert!(
                    set.contains(v.name) || set.contains(other),
                    "{function:?} needs {} or {other}",
                    v.name
                ),
                Need::Optional => {}
            }
        }
    }
    assert!(
        ENV.iter()
            .any(|v| v.deployed == Deployed::Nowhere && v.name == "PARLOR_SIGNING_KEY"),
        "the key itself is never deployed"
    );
}

/// The table's keys and indexes in the template are those `DynamoStore::create_table` makes, which
/// the store contract suite and every flow below run on: an index the code queries exists in AWS
/// too, with the keys and projection the code expects.
#[tokio::test]
async fn the_templates_table_has_the_keys_and_indexes_the_code_queries() {
    use aws_sdk_dynamodb::types::KeyType;
    let dynamo = dynamo_local::DynamoLocal::shared();
    let table = unique("parlor-shape-");
    dynamo.store_on(&table).await;
    let described = dynamo
        .client()
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let created = described.table().unwrap();
    let key_schema = |keys: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
        keys.iter()
            .map(|k| {
                let kind = match k.key_type() {
                    KeyType::Hash => "HASH",
                    _ => "RANGE",
                };
                (k.attribute_name().to_owned(), kind.to_owned())
            })
            .collect()
    };
    let mut code: BTreeMap<String, (Vec<(String, String)>, String)> = BTreeMap::new();
    for index in created.global_secondary_indexes() {
        let projection = index
            .projection()
            .and_then(|p| p.projection_type())
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        code.insert(
            index.index_name().unwrap().to_owned(),
            (key_schema(index.key_schema()), projection),
        );
    }
    let props = &resource("Table")["Properties"];
    let yaml_keys = |keys: &Value| -> Vec<(String, String)> {
        keys.as_sequence()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["AttributeName"].as_str().unwrap().to_owned(),
                    k["KeyType"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let mut template: BTreeMap<String, (Vec<(String, String)>, String)> = BTreeMap::new();
    for index in props["GlobalSecondaryIndexes"].as_sequence().unwrap() {
        template.insert(
            index["IndexName"].as_str().unwrap().to_owned(),
            (
                yaml_keys(&index["KeySchema"]),
                index["Projection"]["ProjectionType"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
        );
    }
    assert_eq!(template, code, "the indexes");
    assert_eq!(
        yaml_keys(&props["KeySchema"]),
        key_schema(created.key_schema()),
        "the table's keys"
    );
    let mut defined: Vec<(String, String)> = created
        .attribute_definitions()
        .iter()
        .map(|d| {
            (
                d.attribute_name().to_owned(),
                d.attribute_type().as_str().to_owned(),
            )
        })
        .collect();
    defined.sort();
    let mut in_template: Vec<(String, String)> = props["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["AttributeName"].as_str().unwrap().to_owned(),
                d["AttributeType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    in_template.sort();
    assert_eq!(in_template, defined, "the key attributes");
}

/// How the template names each resource a policy statement is on.
fn resource_in_template(on: Resource) -> &'static str {
    match on {
        Resource::Table => "!GetAtt Table.Arn",
        Resource::Index => "!Sub ${Table.Arn}/index/GSI1",
        Resource::ChargeIndex => "!Sub ${Table.Arn}/index/GSI2",
        Resource::Connections => {
            "!Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/${StageName}/POST/@connections/*"
        }
        Resource::CloseConnections => {
            "!Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/${StageName}/DELETE/@connections/*"
        }
        Resource::SigningKey => {
            "!Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${SigningKeyParameterName}"
        }
        Resource::VapidKey => {
            "!Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${VapidKeyParameterName}"
        }
        Resource::Attachments => "!Sub ${AttachmentsBucket.Arn}/a/*",
        Resource::Previews => "!Sub ${AttachmentsBucket.Arn}/a/*.preview.jpg",
        Resource::Sealed => "!Sub ${AttachmentsBucket.Arn}/a/*.sealed",
        Resource::WebFrame => "!Sub ${WebBucket.Arn}/widget/frame.html",
        Resource::Exports => "!Sub ${AttachmentsBucket.Arn}/exports/*",
    }
}

const RESOURCES: [Resource; 12] = [
    Resource::Table,
    Resource::Index,
    Resource::ChargeIndex,
    Resource::Connections,
    Resource::CloseConnections,
    Resource::SigningKey,
    Resource::VapidKey,
    Resource::Attachments,
    Resource::Previews,
    Resource::Sealed,
    Resource::WebFrame,
    Resource::Exports,
];

/// A function's policy in the template, as grants; anything it cannot read as one fails.
fn policy(function: Function) -> BTreeSet<Needed> {
    let policies = strings_or_maps(&resource(function.logical_id())["Properties"]["Policies"]);
    assert_eq!(
        policies.len(),
        1,
        "{function:?}: one inline policy, no SAM policy templates or managed policies"
    );
    let mut grants = BTreeSet::new();
    for statement in policies[0]["Statement"]
        .as_sequence()
        .expect("a Statement list")
    {
        let sid = statement["Sid"]
            .as_str()
            .unwrap_or_else(|| panic!("{function:?}: a statement without Sid"));
        let on = RESOURCES
            .into_iter()
            .find(|r| r.sid() == sid)
            .unwrap_or_else(|| panic!("{function:?}: unknown Sid {sid}"));
        assert_eq!(statement["Effect"], "Allow", "{function:?} {sid}");
        assert!(
            statement.get("Condition").is_none() && statement.get("NotAction").is_none(),
            "{function:?} {sid}"
        );
        assert_eq!(
            strings(&statement["Resource"]),
            [resource_in_template(on)],
            "{function:?} {sid} is on exactly its resource"
        );
        for action in strings(&statement["Action"]) {
            assert!(
                grants.insert((action.clone(), on)),
                "{function:?} grants {action} twice"
            );
        }
    }
    grants
}

fn strings_or_maps(value: &Value) -> Vec<&Value> {
    value
        .as_sequence()
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

#[test]
fn each_function_policy_is_its_row_of_the_permissions_table() {
    for function in Function::ALL {
        let row: BTreeSet<Needed> = function
            .permissions()
            .all()
            .map(|g| (g.action.to_owned(), g.on))
            .collect();
        assert_eq!(policy(function), row, "{}'s policy", function.logical_id());
    }
    // The functions' own Lambda permissions aside, no other role grants anything to our data.
    assert!(
        of_type("AWS::IAM::Policy").is_empty() && of_type("AWS::IAM::ManagedPolicy").is_empty()
    );
}

/// A connection record whose socket is gone: the next push to it gets 410, and the pushing
/// function deletes it. Made outside any function's scope, so it is nobody's call.
async fn stale_operator_connection(app: &TestApp) {
    let now = app.running.app.now();
    let stale = Connection {
        id: ConnectionId::parse(&unique("stale")).unwrap(),
        workspace: app.running.admin.workspace.clone(),
        peer: Peer::Operator {
            id: app.running.admin.id.clone(),
            role: app.running.admin.role,
            status: parlor_core::domain::OperatorStatus::Online,
            rights: Default::default(),
            session: None,
        },
        connected_at: now - 3_600_000,
        seen_at: None,
        expires_at: now + 3_600_000,
    };
    app.running
        .stores
        .connections
        .put_connection(&stale)
        .await
        .unwrap();
}

/// Every flow of the product, each function's handlers reached through the local gateway as API
/// Gateway would reach them, on DynamoDB Local.
async fn every_flow(app: &TestApp) {
    // HTTP API: sign-in, the operator's own card and status, operators, tickets.
    let admin = app.admin_token().await;
    app.get("/api/me", &admin).await;
    let anna = app.operator("Anna").await;
    let boris = app.operator("Boris").await;
    app.get("/api/operators", &admin).await;
    let mut a = app.connect_operator(&anna).await;
    let mut b = app.connect_operator(&boris).await;
    stale_operator_connection(app).await;
    app.set_status(&anna.token, "online").await;

    // $connect refused: an unknown ticket is taken (and found missing) all the same.
    assert!(
        parlor_e2e::Ws::connect(&format!("{}?v=1&ticket=nope", app.running.ws_url()))
            .await
            .is_err()
    );

    // message: a visitor's first and second message, a retry, the operators' answers, typing,
    // reading, marking unread.
    stale_operator_connection(app).await;
    let mut vera = app.visitor("Vera").await;
    let dialog = start_dialog(&mut vera, "hello").await;
    let retried = frame::send(Some(&dialog), "again-1", "twice");
    vera.ws.ok(retried.clone()).await;
    vera.ws.ok(retried).await;
    a.ok(frame::join(&dialog)).await;
    a.ok(frame::send(Some(&dialog), &unique("c"), "how can I help?"))
        .await;
    a.ok(frame::whisper(&dialog, &unique("c"), "regular customer"))
        .await;
    a.ok(frame::typing(Some(&dialog), true)).await;
    vera.ws.ok(frame::typing(None, true)).await;
    vera.ws.request(frame::read(None, 3)).await;
    a.request(frame::read(Some(&dialog), 2)).await;
    a.request(frame::mark_unread(&dialog)).await;
    a.ok(json!({ "action": "message", "op": "ping" })).await;

    // assign: join, transfer (Boris is then in charge), and below, leave.
    let mut vlad = app.visitor("Vlad").await;
    let second = start_dialog(&mut vlad, "me too").await;
    stale_operator_connection(app).await;
    a.ok(frame::join(&second)).await;
    a.ok(frame::transfer(&second, &boris.id, Some("yours")))
        .await;
    // Web Push: Carl subscribes a browser (http-api) and keeps no console open; a transfer to him
    // reads his subscriptions (assign) and pushes, here to a port nobody listens on.
    let carl = app.operator("Carl").await;
    let browser = json!({
        "endpoint": "http://127.0.0.1:9/push/carl",
        "keys": {
            "p256dh": parlor_core::adapters::webpush::VapidKey::generate().public_key(),
            "auth": "BTBZMqHH6r4Tts7J_aSIgg",
        },
    });
    let (status, _) = app
        .request(
            "POST",
            "/api/push/subscriptions",
            Some(&carl.token),
            Some(browser),
        )
        .await;
    assert_eq!(status, 201);
    app.get("/api/push", &carl.token).await;
    let mut vik = app.visitor("Vik").await;
    let third = start_dialog(&mut vik, "and me").await;
    a.ok(frame::join(&third)).await;
    a.ok(frame::transfer(&third, &carl.id, None)).await;
    // close: close and reopen, by the operator in charge.
    stale_operator_connection(app).await;
    b.ok(frame::close(&second)).await;
    b.ok(frame::reopen(&second)).await;
    b.ok(frame::leave(&second)).await;
    // $default: an action no route takes.
    a.refused(json!({ "action": "dance" }), "unknown_action")
        .await;

    // HTTP API: lists, a dialog, its history both ways, the visitor's side.
    stale_operator_connection(app).await;
    app.get("/api/dialogs", &anna.token).await;
    app.get("/api/dialogs?status=closed", &anna.token).await;
    app.get(&format!("/api/dialogs/{dialog}"), &anna.token)
        .await;
    app.history(&anna, &dialog, "").await;
    app.history(&anna, &dialog, "?after=1").await;
    app.visitor_history(&vera.token, "").await;
    let (status, _) = app
        .request(
            "POST",
            "/api/visitor/session",
            None,
            Some(json!({ "site_key": app.running.site.key, "token": vera.token })),
        )
        .await;
    assert_eq!(status, 200);
    // The visitor gives a phone later (indexed for search), and an operator searches.
    let body = json!({ "site_key": app.running.site.key, "token": vera.token, "phone": "+1 202 555 0142" });
    assert_eq!(
        app.request("POST", "/api/visitor/session", None, Some(body))
            .await
            .0,
        200
    );
    assert!(
        !app.get("/api/search?q=555", &anna.token).await["hits"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    app.get(&format!("/api/sites/{}", app.running.site.key), &anna.token)
        .await;
    // Settings: an admin lists the sites and changes one's widget and origins.
    app.get("/api/sites", &admin).await;
    let site = json!({ "color": "#0a7d3b", "allowed_origins": [] });
    assert_eq!(
        app.request(
            "PUT",
            &format!("/api/sites/{}", app.running.site.key),
            Some(&admin),
            Some(site)
        )
        .await
        .0,
        200
    );
    app.set_status(&anna.token, "away").await;

    // Attachments: upload grants (http-api signs them), a message with an image (the message
    // function checks the upload and stores its preview), links, the dialog's files.
    let picture = parlor_e2e::storage::png(64, 48);
    let file =
        parlor_e2e::storage::upload(app, &vlad.token, "photo.png", &picture, "image/png").await;
    vlad.ws
        .ok(parlor_e2e::storage::send_files(None, "", &[&file]))
        .await;
    app.get("/api/attachments/limits", &vlad.token).await;
    let limits = json!({ "image_max_bytes": 10_485_760, "file_max_bytes": 26_214_400 });
    assert_eq!(
        app.request("PUT", "/api/attachments/limits", Some(&admin), Some(limits))
            .await
            .0,
        200
    );
    let files = app
        .get(&format!("/api/dialogs/{second}/attachments"), &boris.token)
        .await;
    let seq = files["attachments"][0]["seq"]
        .as_u64()
        .expect("the dialog's file");
    app.get(
        &format!("/api/dialogs/{second}/messages/{seq}/attachments"),
        &boris.token,
    )
    .await;
    app.get(
        &format!("/api/visitor/messages/{seq}/attachments"),
        &vlad.token,
    )
    .await;

    // Deleting a dialog (the admin may): its items, its search terms and its files.
    let mut wes = app.visitor("Wes").await;
    let doomed = parlor_e2e::start_dialog(&mut wes, "please forget this").await;
    let file =
        parlor_e2e::storage::upload(app, &wes.token, "scan.png", &picture, "image/png").await;
    wes.ws
        .ok(parlor_e2e::storage::send_files(Some(&doomed), "", &[&file]))
        .await;
    let forget = json!({ "dialog_ids": [doomed] });
    let (status, deleted) = app
        .request("POST", "/api/dialogs/delete", Some(&admin), Some(forget))
        .await;
    assert_eq!((status, &deleted["deleted"]), (200, &json!([doomed])));

    // A contact's export (its ZIP written under exports/ and linked; its file read back) and
    // erasure (its visitor, its dialog with its file, its keys and links).
    let mut xena = app.visitor("Xena").await;
    let hers = parlor_e2e::start_dialog(&mut xena, "export me").await;
    let file =
        parlor_e2e::storage::upload(app, &xena.token, "scan.png", &picture, "image/png").await;
    xena.ws
        .ok(parlor_e2e::storage::send_files(Some(&hers), "", &[&file]))
        .await;
    let contact = parlor_core::ids::ContactId::of_visitor(
        &parlor_core::ids::VisitorId::parse(&xena.id).unwrap(),
    );
    let (status, export) = app
        .request(
            "POST",
            &format!("/api/contacts/{contact}/export"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!((status, &export["files"]), (200, &json!(1)), "{export}");
    let (status, erased) = app
        .request(
            "DELETE",
            &format!("/api/contacts/{contact}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, &erased["dialogs"]),
        (200, &json!([hers])),
        "{erased}"
    );

    // Retention: a dialog closed while the workspace deletes closed dialogs after a day is marked
    // due (the close function writes the mark); once due (moved into the past, as the clock
    // would), the sweep deletes it, files and all.
    let mut handling = app.get("/api/workspace/handling", &admin).await;
    handling["delete_closed_after_days"] = json!(1);
    let (status, _) = app
        .request(
            "PUT",
            "/api/workspace/handling",
            Some(&admin),
            Some(handling),
        )
        .await;
    assert_eq!(status, 200);
    let mut xena = app.visitor("Xena").await;
    let due = start_dialog(&mut xena, "keep this a day").await;
    let file =
        parlor_e2e::storage::upload(app, &xena.token, "scan.png", &picture, "image/png").await;
    xena.ws
        .ok(parlor_e2e::storage::send_files(Some(&due), "", &[&file]))
        .await;
    b.ok(frame::join(&due)).await;
    b.ok(frame::close(&due)).await;
    let ws = &app.running.admin.workspace;
    let due_id = parlor_core::ids::DialogId::parse(&due).unwrap();
    let dialogs = &app.running.stores.dialogs;
    let mut closed = dialogs.get_dialog(ws, &due_id).await.unwrap().unwrap();
    assert!(closed.delete_at.is_some(), "closed under retention: due");
    closed.delete_at = Some(app.running.app.now() - 1);
    closed.version += 1;
    dialogs
        .commit(&closed, &[], &Default::default())
        .await
        .unwrap();
    xena.ws.event("dialog.deleted").await;
    assert_eq!(dialogs.get_dialog(ws, &due_id).await.unwrap(), None);

    // The widget's frame page, as the HTTP API's function serves it in AWS: read from the hosting
    // bucket (here a bucket of the local storage) for the site it is asked for.
    let function = parlor_e2e::deployed::http_api_function(
        app,
        "<!doctype html><title>chat</title>",
        Hosts::template(),
        None,
    )
    .await;
    let page = parlor_e2e::storage::send(
        http::Request::get(format!(
            "{function}{}?site={}",
            edge::FRAME_PATH,
            app.running.site.key
        ))
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .unwrap(),
    )
    .await;
    assert_eq!(page.status, 200);
    // The team: a name, a role, sign-outs (sockets closed), a password changed and reset, and
    // Anna deactivated while in charge of a dialog (it goes back to the queue) and reactivated.
    let me = |token: &str,
              method: &'static str,
              path: String,
              body: Option<parlor_e2e::serde_json::Value>| {
        let token = token.to_owned();
        async move {
            let (status, v) = app.request(method, &path, Some(&token), body).await;
            assert!((200..300).contains(&status), "{method} {path}: {v}");
            v
        }
    };
    me(
        &anna.token,
        "PATCH",
        "/api/me".into(),
        Some(json!({ "name": "Anna K." })),
    )
    .await;
    me(
        &admin,
        "PUT",
        format!("/api/operators/{}/role", boris.id),
        Some(json!({ "role": "admin" })),
    )
    .await;
    me(
        &admin,
        "PUT",
        format!("/api/operators/{}/role", boris.id),
        Some(json!({ "role": "operator" })),
    )
    .await;
    let mut c = app.connect_operator(&carl).await;
    me(&carl.token, "POST", "/api/me/sign-out".into(), None).await;
    assert_eq!(c.closed().await, 1000);
    let renewed = me(
        &anna.token,
        "POST",
        "/api/me/password".into(),
        Some(json!({ "current_password": "password-123", "new_password": "a longer horse, stapled" })),
    )
    .await;
    let renewed = renewed["token"].as_str().unwrap().to_owned();
    me(&renewed, "POST", "/api/me/sign-out-everywhere".into(), None).await;
    me(
        &admin,
        "PUT",
        format!("/api/operators/{}/password", boris.id),
        Some(json!({ "password": "a new one, told in person" })),
    )
    .await;
    let dan = app.operator("Dan").await;
    let mut d = app.connect_operator(&dan).await;
    let mut vic = app.visitor("Vic").await;
    let fourth = start_dialog(&mut vic, "anyone?").await;
    d.ok(frame::join(&fourth)).await;
    me(
        &admin,
        "POST",
        format!("/api/operators/{}/deactivate", dan.id),
        None,
    )
    .await;
    assert_eq!(d.closed().await, 1000);
    me(
        &admin,
        "POST",
        format!("/api/operators/{}/reactivate", dan.id),
        None,
    )
    .await;

    // $default with its sender gone: the error frame finds no socket, and the record goes.
    let mut event = aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest::default();
    event.request_context.route_key = Some("$default".into());
    event.request_context.connection_id = Some(unique("gone"));
    event.body = Some("not json".into());
    ws::handle(&app.running.app, event).await.expect("answered");

    // $disconnect: a visitor closes the tab.
    vera.ws
        .send_message(tokio_tungstenite::tungstenite::Message::Close(None))
        .await;
    drop(vera);

    // The sweep: Eve, in charge of a dialog, closes her console ($disconnect sets her watch due
    // after the workspace's grace, here a second); the next sweep after that finds no console of
    // hers, hands the dialog back and tells Finn's console.
    let stores = &app.running.stores;
    let ws_id = &app.running.admin.workspace;
    let mut workspace = stores
        .directory
        .get_workspace(ws_id)
        .await
        .unwrap()
        .expect("the workspace");
    workspace.handling.hand_back_after_secs = 1;
    stores.directory.put_workspace(&workspace).await.unwrap();
    let eve = app.operator("Eve").await;
    let mut e = app.connect_operator(&eve).await;
    // A colleague's console stays open: the sweep tells it of the hand-back.
    let finn = app.operator("Finn").await;
    let _f = app.connect_operator(&finn).await;
    let mut vito = app.visitor("Vito").await;
    let fifth = start_dialog(&mut vito, "is anyone still there?").await;
    e.ok(frame::join(&fifth)).await;
    e.send_message(tokio_tungstenite::tungstenite::Message::Close(None))
        .await;
    drop(e);
    // The sweep deletes the watch last, once the dialog is handed back and everyone told: its
    // calls are all made by then.
    let fifth = DialogId::parse(&fifth).unwrap();
    let eve_id = OperatorId::parse(&eve.id).unwrap();
    let mut watched = true;
    for _ in 0..100 {
        watched = stores
            .console_watches
            .console_watch(ws_id, &eve_id)
            .await
            .unwrap()
            .is_some();
        if !watched {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!watched, "the sweep is done with Eve's watch");
    let dialog = stores
        .dialogs
        .get_dialog(ws_id, &fifth)
        .await
        .unwrap()
        .expect("the dialog");
    assert_eq!(
        dialog.assignee, None,
        "the sweep hands Eve's dialog back once she has had no console for the grace"
    );
    let last = stores
        .dialogs
        .messages_before(ws_id, &fifth, None, 1)
        .await
        .unwrap();
    assert!(
        matches!(
            &last[0].sender,
            Sender::System(SystemEvent::WentOffline { operator, .. }) if operator.as_str() == eve.id
        ),
        "the dialog's last event is Eve's going offline: {:?}",
        last[0].sender
    );

    // Automatic distribution, on from here, one dialog per operator. Each step that can move the
    // queue finds two or more in it, so that what it tells those left is called too: three
    // visitors write while nobody is available (message: queued); Gina's console opens ($connect:
    // she takes the head); a fourth is queued and asks their place (HTTP); a hold (assign) and a
    // close (close) each free her slot for the head; away and back online (HTTP) the same.
    let (status, v) = app
        .request(
            "PUT",
            "/api/workspace/handling",
            Some(&admin),
            Some(json!({ "distribution": true, "max_active_chats": 1 })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let mut workspace = stores
        .directory
        .get_workspace(ws_id)
        .await
        .unwrap()
        .unwrap();
    workspace.handling.hand_back_after_secs = 1;
    stores.directory.put_workspace(&workspace).await.unwrap();
    // Everyone else still marked available is taken out of it: the scene's counts are its own.
    for load in stores.loads.loads(ws_id).await.unwrap() {
        stores
            .loads
            .set_available(ws_id, &load.operator, false)
            .await
            .unwrap();
    }
    let in_charge = |id: String| async move {
        let d = stores
            .dialogs
            .get_dialog(ws_id, &DialogId::parse(&id).unwrap())
            .await
            .unwrap()
            .expect("the dialog");
        d.assignee.map(|a| a.id.to_string())
    };
    let mut waiting = Vec::new();
    for name in ["W1", "W2", "W3", "W4", "W5"] {
        waiting.push(app.visitor(name).await);
    }
    let mut ids = Vec::new();
    for w in waiting.iter_mut().take(3) {
        ids.push(start_dialog(w, "anyone?").await);
    }
    let gina = app.operator("Gina").await;
    let mut g = app.connect_operator(&gina).await;
    assert_eq!(
        in_charge(ids[0].clone()).await.as_deref(),
        Some(gina.id.as_str())
    );
    ids.push(start_dialog(&mut waiting[3], "me too").await);
    assert_eq!(
        app.get("/api/visitor/queue", &waiting[3].token).await["position"],
        3
    );
    g.ok(frame::hold(&ids[0])).await;
    assert_eq!(
        in_charge(ids[1].clone()).await.as_deref(),
        Some(gina.id.as_str())
    );
    g.ok(frame::close(&ids[1])).await;
    assert_eq!(
        in_charge(ids[2].clone()).await.as_deref(),
        Some(gina.id.as_str())
    );
    app.set_status(&gina.token, "away").await;
    g.ok(frame::close(&ids[2])).await;
    ids.push(start_dialog(&mut waiting[4], "and me").await);
    assert_eq!(in_charge(ids[3].clone()).await, None, "Gina is away");
    app.set_status(&gina.token, "online").await;
    assert_eq!(
        in_charge(ids[3].clone()).await.as_deref(),
        Some(gina.id.as_str())
    );

    // The sweep with distribution on: Hugo's console opens and takes the last one waiting, then
    // puts it on hold. Gina's console closes; past her grace her dialogs are handed back: one goes
    // to Hugo, the other waits in the queue.
    let hugo = app.operator("Hugo").await;
    let mut h = app.connect_operator(&hugo).await;
    assert_eq!(
        in_charge(ids[4].clone()).await.as_deref(),
        Some(hugo.id.as_str())
    );
    h.ok(frame::hold(&ids[4])).await;
    g.send_message(tokio_tungstenite::tungstenite::Message::Close(None))
        .await;
    drop(g);
    let gina_id = OperatorId::parse(&gina.id).unwrap();
    for _ in 0..100 {
        if stores
            .console_watches
            .console_watch(ws_id, &gina_id)
            .await
            .unwrap()
            .is_none()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let handed = [
        in_charge(ids[0].clone()).await,
        in_charge(ids[3].clone()).await,
    ];
    assert!(
        handed.contains(&Some(hugo.id.clone())) && handed.contains(&None),
        "one of Gina's dialogs went to Hugo, the other waits: {handed:?}"
    );
}

#[tokio::test]
async fn each_function_calls_exactly_what_its_row_grants() {
    let dynamo = dynamo_local::DynamoLocal::shared();
    let calls = AwsCalls::new();
    let mut config = parlor_local::Config::for_tests(&parlor_e2e::temp_dir());
    config.store = parlor_local::StoreChoice::Dynamo {
        endpoint: Some(dynamo.endpoint()),
        table: unique("parlor-iam-"),
        create_table: true,
    };
    config.aws_calls = Some(calls.clone());
    let app = TestApp::spawn_with(config).await;
    every_flow(&app).await;
    // The gateway runs $disconnect after the socket has closed: wait for its call.
    let disconnect = Function::WebSocket(Route::Disconnect);
    for _ in 0..50 {
        if !calls.needed_by(disconnect).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    assert!(
        calls.unknown().is_empty(),
        "calls no grant can name: {:?}",
        calls.unknown()
    );
    let mut mismatches = BTreeMap::new();
    for function in Function::ALL {
        let called = calls.needed_by(function);
        // The signing and VAPID keys are read once at start by lambda::app_from_env, not by a
        // handler.
        let handlers_need: BTreeSet<Needed> = function
            .permissions()
            .called()
            .filter(|g| !matches!(g.on, Resource::SigningKey | Resource::VapidKey))
            .map(|g| (g.action.to_owned(), g.on))
            .collect();
        let reserved: BTreeSet<Needed> = function
            .permissions()
            .reserved
            .iter()
            .map(|g| (g.action.to_owned(), g.on))
            .collect();
        if called != handlers_need {
            let missing: Vec<_> = called.difference(&handlers_need).collect();
            let unused: Vec<_> = handlers_need.difference(&called).collect();
            mismatches.insert(
                function.logical_id(),
                format!("called but not granted {missing:?}; granted but not called {unused:?}"),
            );
        }
        assert!(
            called.is_disjoint(&reserved),
            "{function:?} calls a reserved grant: move it to its grants"
        );
    }
    assert!(
        mismatches.is_empty(),
        "deploy::PERMISSIONS and the code disagree: {mismatches:#?}"
    );
}
