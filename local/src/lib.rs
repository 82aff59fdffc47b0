//! The local gateway: Parlor on one machine, in one process. It plays API Gateway (WebSocket,
//! HTTP and the Management API), runs every function's handler in-process, keeps data in SQLite
//! (or DynamoDB at any endpoint) and serves the web apps.

mod data;
pub mod gateway;
pub mod storage;
pub mod web;
mod widget;

use aws_credential_types::Credentials;
use data::{private_folder, random_hex, read_or_create, storage_credentials};
use parlor_core::adapters::calls::AwsCalls;
use parlor_core::adapters::images::ImagePreviews;
use parlor_core::adapters::push::ManagementApiPush;
use parlor_core::adapters::s3::S3Blobs;
use parlor_core::adapters::sqlite::SqliteStore;
use parlor_core::adapters::web_files::FolderWebFiles;
use parlor_core::adapters::webpush::{VapidKey, WebPushSender};
use parlor_core::app::{App, AttachmentStorage, Parts, Settings, Stores};
use parlor_core::auth::Signer;
use parlor_core::domain::{Operator, Site};
use parlor_core::edge::{self, Hosts};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use gateway::{Gateway, Limits};

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum StoreChoice {
    /// SQLite in the data folder: the default.
    Sqlite,
    /// DynamoDB at `endpoint` (DynamoDB Local, or AWS when `None`), in `table`.
    Dynamo {
        endpoint: Option<String>,
        table: String,
        create_table: bool,
    },
}

/// How the parts are laid out over origins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Everything on one origin: the web apps at `/`, the HTTP API at `/api`, the WebSocket at
    /// `/ws`, attachment storage at `/parlor-attachments`. For self-hosting behind one proxy.
    OneOrigin,
    /// AWS's shape: the web files (CloudFront's role), the HTTP API, the WebSocket API, attachment
    /// storage and a customer's site each on an origin of its own, with the CORS, CSP and headers
    /// of `parlor_core::edge` between them, as the deployed stack has them.
    Aws,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub shape: Shape,
    pub data_dir: PathBuf,
    pub store: StoreChoice,
    pub web_dir: PathBuf,
    pub admin_email: String,
    /// When absent, the first run makes one up and keeps it in the data folder.
    pub admin_password: Option<String>,
    /// Origins the demo site accepts the widget from; empty means any.
    pub site_origins: Vec<String>,
    /// The origin browsers reach the gateway by when it is not the listening address (behind a
    /// proxy or a host name), in the one-origin shape: uploads and file links name it, since a
    /// signed link names its host. The widget is taken from it too.
    pub public_url: Option<String>,
    pub limits: Limits,
    pub settings: Settings,
    /// The VAPID `sub` pushes are signed with; `mailto:` the admin's email when unset.
    pub push_subject: Option<String>,
    /// Whether push endpoints may be plain `http://` URLs: only for a stand-in push service in
    /// tests; browsers' endpoints are always https.
    pub push_allow_http: bool,
    /// Records what each function's AWS calls need (DynamoDB, the Management API and S3, presigned
    /// requests included): for the template test, which holds the IAM policies to it.
    pub aws_calls: Option<AwsCalls>,
    /// How often operators without a console are looked for, to hand their dialogs back (in AWS
    /// a scheduled function does it every minute).
    pub sweep_every: Duration,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A comma-separated list of origins, checked; a bad one names the variable.
fn origins(name: &str) -> Result<Vec<String>, String> {
    env(name).map_or(Ok(Vec::new()), |list| {
        parlor_core::domain::parse_origin_list(&list).map_err(|e| format!("{name}: {e}"))
    })
}

/// `PARLOR_TRUSTED_PROXIES`: the addresses of the proxies in front of the gateway, whose
/// `X-Forwarded-For` names the client (comma-separated IPs).
fn trusted_proxies() -> Result<Vec<std::net::IpAddr>, String> {
    env("PARLOR_TRUSTED_PROXIES").map_or(Ok(Vec::new()), |list| {
        list.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse()
                    .map_err(|_| format!("PARLOR_TRUSTED_PROXIES: {p:?} is not an IP address"))
            })
            .collect()
    })
}

fn env_secs(name: &str, default: u64) -> Result<Duration, String> {
    match env(name) {
        None => Ok(Duration::from_secs(default)),
        Some(v) => v
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| format!("{name} must be a number of seconds, not {v:?}")),
    }
}

/// `PARLOR_PUBLIC_URL`: one origin (a path would be lost to signed links' paths), for the
/// one-origin shape only (in AWS's shape every part has an origin of its own).
fn public_url(url: Option<&str>, shape: Shape) -> Result<Option<String>, String> {
    let Some(url) = url else {
        return Ok(None);
    };
    if shape != Shape::OneOrigin {
        return Err("PARLOR_PUBLIC_URL is for the one-origin shape".into());
    }
    match parlor_core::domain::parse_origin_list(url)
        .map_err(|e| format!("PARLOR_PUBLIC_URL: {e}"))?
        .as_slice()
    {
        [origin] => Ok(Some(origin.clone())),
        _ => Err(format!(
            "PARLOR_PUBLIC_URL is one origin such as https://chat.example.com, not {url:?}"
        )),
    }
}

impl Config {
    /// Reads `PARLOR_*` variables once; a bad value names the variable.
    pub fn from_env() -> Result<Self, String> {
        let shape = match env("PARLOR_SHAPE").as_deref() {
            None | Some("one-origin") => Shape::OneOrigin,
            Some("aws") => Shape::Aws,
            Some(other) => return Err(format!("PARLOR_SHAPE is one-origin or aws, not {other:?}")),
        };
        let addr = env("PARLOR_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let addr = addr
            .parse()
            .map_err(|_| format!("PARLOR_ADDR must be host:port, not {addr:?}"))?;
        let store = match env("PARLOR_STORE").as_deref() {
            None | Some("sqlite") => StoreChoice::Sqlite,
            Some("dynamodb") => StoreChoice::Dynamo {
                endpoint: env("PARLOR_DYNAMODB_ENDPOINT"),
                table: env("PARLOR_TABLE").unwrap_or_else(|| "parlor".into()),
                create_table: env("PARLOR_CREATE_TABLE").is_some_and(|v| v == "1" || v == "true"),
            },
            Some(other) => {
                return Err(format!("PARLOR_STORE is sqlite or dynamodb, not {other:?}"));
            }
        };
        let limits = Limits {
            idle_timeout: env_secs("PARLOR_IDLE_TIMEOUT_SECS", 600)?,
            max_connection_age: env_secs("PARLOR_MAX_CONNECTION_SECS", 7200)?,
            ..Limits::default()
        };
        Ok(Self {
            addr,
            shape,
            data_dir: env("PARLOR_DATA_DIR")
                .map_or_else(|| PathBuf::from(".parlor"), PathBuf::from),
            store,
            web_dir: env("PARLOR_WEB_DIR").map_or_else(default_web_dir, PathBuf::from),
            admin_email: env("PARLOR_ADMIN_EMAIL").unwrap_or_else(|| "admin@parlor.local".into()),
            admin_password: env("PARLOR_ADMIN_PASSWORD"),
            site_origins: origins("PARLOR_SITE_ORIGINS")?,
            public_url: public_url(env("PARLOR_PUBLIC_URL").as_deref(), shape)?,
            limits,
            // Behind a proxy or a host name the widget's origin is not the listening address.
            settings: Settings {
                widget_origins: origins("PARLOR_WIDGET_ORIGINS")?,
                limits: env("PARLOR_LIMITS")
                    .map(|spec| {
                        parlor_core::domain::Limits::parse(&spec)
                            .map_err(|e| format!("PARLOR_LIMITS: {e}"))
                    })
                    .transpose()?
                    .unwrap_or_default(),
                trusted_proxies: trusted_proxies()?,
                ..Settings::default()
            },
            push_subject: env("PARLOR_PUSH_SUBJECT"),
            push_allow_http: env("PARLOR_PUSH_ALLOW_HTTP").is_some_and(|v| v == "1" || v == "true"),
            aws_calls: None,
            sweep_every: Duration::from_secs(5),
        })
    }

    /// A gateway on a free loopback port with its data in `data_dir`: for tests.
    pub fn for_tests(data_dir: &Path) -> Self {
        Self {
            addr: "127.0.0.1:0".parse().expect("valid"),
            shape: Shape::OneOrigin,
            data_dir: data_dir.to_owned(),
            store: StoreChoice::Sqlite,
            web_dir: default_web_dir(),
            admin_email: "admin@parlor.test".into(),
            admin_password: Some("admin-password".into()),
            site_origins: Vec::new(),
            public_url: None,
            limits: Limits::default(),
            settings: Settings::default(),
            push_subject: None,
            // Tests stand a push service in on a loopback port.
            push_allow_http: true,
            aws_calls: None,
            sweep_every: Duration::from_millis(200),
        }
    }
}

/// The built console if there is one, else the placeholder pages, relative to the workspace.
fn default_web_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("local/ sits in the workspace")
        .to_owned();
    let built = root.join("web/dist");
    if built.is_dir() {
        built
    } else {
        root.join("web/static")
    }
}

type Bound = (tokio::net::TcpListener, SocketAddr);

/// The listeners of the parts that have an origin of their own. Made once, at start.
#[allow(clippy::large_enum_variant)]
enum Layout {
    OneOrigin,
    Aws {
        http_api: Bound,
        websocket: Bound,
        storage: Bound,
        site: Bound,
    },
}

impl Layout {
    /// The hosts the pages reach besides their own origin.
    fn hosts(&self, storage: &str) -> Hosts {
        match self {
            // The APIs are the page's own origin ('self'); WebSockets are named by scheme, since
            // behind a proxy the gateway does not know the host browsers reach it by.
            Self::OneOrigin => Hosts {
                http_api: String::new(),
                websocket: "ws: wss:".into(),
                storage: storage.to_owned(),
            },
            Self::Aws {
                http_api,
                websocket,
                ..
            } => Hosts {
                http_api: format!("http://{}", http_api.1),
                websocket: format!("ws://{}", websocket.1),
                storage: storage.to_owned(),
            },
        }
    }
}

/// A running gateway.
pub struct Running {
    /// Where the web apps are served (and, in the one-origin shape, everything else).
    pub addr: SocketAddr,
    pub shape: Shape,
    /// The HTTP API's base URL (`…/api`).
    pub api_url: String,
    ws_url: String,
    /// The demo page: on the web origin, or a customer's site of its own in AWS's shape.
    pub demo_url: String,
    pub management_addr: SocketAddr,
    /// The access key id the Management API takes (in a SigV4 `Authorization` header), for tools
    /// and tests that post to connections as the functions do.
    pub management_key: String,
    /// The origin browsers reach attachment storage by, with the bucket at
    /// `/parlor-attachments`: the gateway's own (or `PARLOR_PUBLIC_URL`), or in AWS's shape an
    /// origin of its own.
    pub storage_origin: String,
    /// Attachment storage as the app uses it.
    pub blobs: Arc<S3Blobs>,
    /// The storage's access key id: every presigned link shows it; its secret stays in the data
    /// folder.
    pub storage_key: String,
    pub app: Arc<App>,
    /// The stores the app was built on, for tools and tests that look at what is stored.
    pub stores: Stores,
    pub gateway: Arc<Gateway>,
    pub site: Site,
    pub admin: Operator,
    /// The admin's password where this process knows it: given (`PARLOR_ADMIN_PASSWORD`), or made
    /// up for the workspace this run created. Never kept anywhere.
    pub admin_password: Option<String>,
    /// Whether the password was given, not made up: then it is never printed.
    pub admin_password_given: bool,
    pub created: bool,
    pub data_dir: PathBuf,
    pub store_name: String,
    shutdown: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn ws_url(&self) -> String {
        self.ws_url.clone()
    }

    pub fn banner(&self) -> String {
        let first = if self.created {
            "created a demo workspace"
        } else {
            "using the existing workspace"
        };
        let shape = match self.shape {
            Shape::OneOrigin => "",
            Shape::Aws => ", in AWS's shape: each part on an origin of its own",
        };
        format!(
            "Parlor is running ({first}{shape}).\n\
             \x20 Console:    {url}/\n\
             \x20 Demo page:  {demo}\n\
             \x20 HTTP API:   {api}\n\
             \x20 WebSocket:  {ws}\n\
             \x20 Storage:    {storage}\n\
             \x20 Sign in:    {email} / {password}\n\
             \x20 Site key:   {site}\n\
             \x20 Data:       {store}; attachments in {files}\n\
             Stop with Ctrl+C.",
            url = self.http_url(),
            demo = self.demo_url,
            api = self.api_url,
            ws = self.ws_url,
            storage = format_args!("{}/{}", self.storage_origin, storage::BUCKET),
            email = self.admin.email,
            password = self.password_line(),
            site = self.site.key,
            store = self.store_name,
            files = storage::root(&self.data_dir).display(),
        )
    }

    /// How the banner speaks of the admin's password: shown only the once it was made up.
    fn password_line(&self) -> String {
        let legacy = self.data_dir.join("admin-password");
        let known = match (&self.admin_password, self.admin_password_given) {
            (_, true) => "the password in PARLOR_ADMIN_PASSWORD".to_owned(),
            (Some(made_up), false) => {
                format!("{made_up}   (shown this once and kept nowhere: note it now)")
            }
            (None, false) => "the password shown when this workspace was created".to_owned(),
        };
        if legacy.exists() {
            format!(
                "{known}\n  Note:       {} is no longer used and holds the first admin password in \
                 plain text: delete it",
                legacy.display()
            )
        } else {
            known
        }
    }

    /// Closes every socket (clients see 1001, as when API Gateway deploys) and stops serving.
    pub async fn stop(self) {
        self.gateway.close_all();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}

/// An address this process can connect to: the listening one, or loopback when it listens on
/// every interface.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, addr.port()))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

fn credentials(key: &str, secret: &str) -> Credentials {
    Credentials::new(key, secret, None, None, "parlor-local")
}

async fn sdk_config(key: &str, secret: &str) -> aws_config::SdkConfig {
    parlor_core::adapters::aws_defaults()
        .region(aws_config::Region::new(
            std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into()),
        ))
        .credentials_provider(credentials(key, secret))
        .load()
        .await
}

pub async fn start(config: Config) -> Result<Running, String> {
    private_folder(&config.data_dir)?;
    let key = read_or_create(&config.data_dir.join("signing.key"), || random_hex(32))?;
    let key = std::env::var("PARLOR_SIGNING_KEY").unwrap_or(key);
    let signer = Signer::new(key.into_bytes())?;

    let management = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("cannot bind the Management API: {e}"))?;
    let management_addr = management.local_addr().map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // On the gateway's IP: a presigned link signs its host, which must be the one browsers reach.
    let beside = |what: &'static str| async move {
        let l = tokio::net::TcpListener::bind((config.addr.ip(), 0))
            .await
            .map_err(|e| format!("cannot bind {what}: {e}"))?;
        let a = l.local_addr().map_err(|e| e.to_string())?;
        Ok::<_, String>((l, a))
    };
    let (storage_key, storage_secret) = storage_credentials(&config.data_dir)?;
    let web_origin = format!("http://{addr}");
    let layout = match config.shape {
        Shape::OneOrigin => Layout::OneOrigin,
        Shape::Aws => Layout::Aws {
            http_api: beside("the HTTP API").await?,
            websocket: beside("the WebSocket API").await?,
            storage: beside("the attachment storage").await?,
            site: beside("the customer's site").await?,
        },
    };
    // Storage's origin as browsers reach it, and as this process does (its own calls).
    let (storage_origin, storage_endpoint) = match &layout {
        Layout::OneOrigin => (
            config
                .public_url
                .clone()
                .unwrap_or_else(|| web_origin.clone()),
            format!("http://{}", reachable(addr)),
        ),
        Layout::Aws {
            storage: (_, storage_addr),
            ..
        } => (
            format!("http://{storage_addr}"),
            format!("http://{}", reachable(*storage_addr)),
        ),
    };
    // The widget's iframe is served from here: its requests carry this origin on any site (and
    // any origin PARLOR_WIDGET_ORIGINS names, for a gateway behind a proxy).
    let mut settings = config.settings.clone();
    settings.widget_origins.push(web_origin.clone());
    if let Some(public) = &config.public_url {
        settings.widget_origins.push(public.clone());
    }

    let sdk = sdk_config(&storage_key, &storage_secret).await;
    // The Management API takes only this process's own key: made up per run, never in a link.
    let management_key = format!("mgmt{}", random_hex(16));
    let mut push = aws_sdk_apigatewaymanagement::config::Builder::from(&sdk)
        .credentials_provider(credentials(&management_key, &random_hex(20)))
        .endpoint_url(format!("http://{management_addr}"));
    if let Some(calls) = &config.aws_calls {
        push = push.interceptor(calls.clone());
    }
    let push = Arc::new(ManagementApiPush::new(
        aws_sdk_apigatewaymanagement::Client::from_conf(push.build()),
    ));
    let blobs = Arc::new(storage::blobs(
        &sdk,
        &storage_endpoint,
        &storage_origin,
        config.aws_calls.as_ref(),
    )?);
    let (stores, store_name) = match &config.store {
        StoreChoice::Sqlite => {
            let store = Arc::new(SqliteStore::open(&config.data_dir).map_err(|e| e.to_string())?);
            let name = format!("SQLite in {}", config.data_dir.join("parlor.db").display());
            (Stores::of(store), name)
        }
        StoreChoice::Dynamo {
            endpoint,
            table,
            create_table,
        } => {
            // Against AWS itself (no endpoint), the caller's own credentials and region, found as
            // the AWS CLI finds them: that is how a first admin is made in a deployed table.
            let aws;
            let base = match endpoint {
                Some(_) => &sdk,
                None => {
                    aws = parlor_core::adapters::aws_defaults().load().await;
                    &aws
                }
            };
            let mut conf = aws_sdk_dynamodb::config::Builder::from(base);
            if let Some(e) = endpoint {
                conf = conf.endpoint_url(e);
            }
            if let Some(calls) = &config.aws_calls {
                conf = conf.interceptor(calls.clone());
            }
            let client = aws_sdk_dynamodb::Client::from_conf(conf.build());
            let store = parlor_core::adapters::dynamo::DynamoStore::new(client, table.clone());
            if *create_table {
                store
                    .create_table()
                    .await
                    .map_err(|e| format!("cannot create table {table}: {e}"))?;
            }
            let name = format!(
                "DynamoDB table {table} at {}",
                endpoint.as_deref().unwrap_or("AWS")
            );
            (Stores::of(Arc::new(store)), name)
        }
    };
    // Web Push: the VAPID key pair is made on the first run and kept in the data folder, like the
    // signing key; pushes leave from this process, as they leave from the functions in AWS.
    let vapid = read_or_create(&config.data_dir.join("vapid.key"), || {
        VapidKey::generate().to_base64url()
    })?;
    let vapid = std::env::var("PARLOR_VAPID_KEY").unwrap_or(vapid);
    let vapid = VapidKey::from_base64url(&vapid).map_err(|e| format!("vapid.key: {e}"))?;
    let subject = config
        .push_subject
        .clone()
        .unwrap_or_else(|| format!("mailto:{}", config.admin_email));
    let web_push = WebPushSender::new(vapid, &subject, config.push_allow_http)?;
    let parts = Parts::new(stores.clone(), push, signer, settings.clone())
        .with_web_push(Arc::new(web_push));
    let app = Arc::new(App::of(parts.with_attachments(AttachmentStorage {
        blobs: blobs.clone(),
        images: Arc::new(ImagePreviews),
    })));

    // Used only if this run creates the workspace; a made-up one is shown once and kept nowhere.
    let offered = config
        .admin_password
        .clone()
        .unwrap_or_else(|| random_hex(8));
    let (site, admin, created) = app
        .sessions
        .bootstrap(&config.admin_email, &offered, config.site_origins.clone())
        .await
        .map_err(|e| e.to_string())?;
    let admin_password_given = config.admin_password.is_some();
    let admin_password = (admin_password_given || created).then_some(offered);

    let ws_addr = match &layout {
        Layout::OneOrigin => addr,
        Layout::Aws { websocket, .. } => websocket.1,
    };
    let gateway = Gateway::new(app.clone(), config.limits.clone(), ws_addr.to_string());
    let http_api =
        parlor_core::entrypoints::http::router(app.clone()).layer(web::cors_layer(&edge::HTTP_API));
    let hosts = layout.hosts(&storage_origin);
    let web = web::WebHeaders {
        hosts: hosts.clone(),
    };
    // The widget's iframe page, framed per site: the HTTP API's router serves it, reading the
    // built page, as the function serves it in AWS from the published one.
    let frame = parlor_core::entrypoints::http::frame::routes(
        app.clone(),
        Arc::new(FolderWebFiles::new(config.web_dir.clone())),
        hosts,
    );
    let mut servers: Vec<(&'static str, tokio::net::TcpListener, axum::Router)> = Vec::new();
    let (api_url, ws_url, demo_url);
    match layout {
        Layout::OneOrigin => {
            api_url = format!("{web_origin}/api");
            ws_url = format!("ws://{addr}/ws");
            demo_url = format!("{web_origin}/demo/");
            let pages =
                widget::demo_page_router(config.web_dir.clone(), site.key.clone()).merge(frame);
            let files = web::router(config.web_dir.clone(), pages, web, None);
            let storage = storage::router(
                &config.data_dir,
                &storage_key,
                &storage_secret,
                storage::Mount::UnderItsPath,
            )?;
            servers.push((
                "the gateway",
                listener,
                gateway.router().merge(http_api).merge(storage).merge(files),
            ));
        }
        Layout::Aws {
            http_api: (api, api_addr),
            websocket: (ws, _),
            storage: (storage, _),
            site: (customer, site_addr),
        } => {
            api_url = format!("http://{api_addr}/api");
            ws_url = format!("ws://{ws_addr}/ws");
            // A name of its own when the gateway listens on loopback, so the customer's site is
            // another site to the browser, as every real one is (the widget's iframe is then a
            // third-party frame, with partitioned storage).
            let site_origin = if site_addr.ip().is_loopback() {
                format!("http://localhost:{}", site_addr.port())
            } else {
                format!("http://{site_addr}")
            };
            demo_url = format!("{site_origin}/demo/");
            let config_json = serde_json::json!({ "http": api_url, "ws": ws_url }).to_string();
            // CloudFront's role: the frame page goes to the HTTP API's router (its own cache
            // behaviour), everything else is a file.
            let files = web::router(
                config.web_dir.clone(),
                widget::demo_page_router(config.web_dir.clone(), site.key.clone()).merge(frame),
                web,
                Some(config_json),
            );
            servers.push(("the web files", listener, files));
            servers.push(("the HTTP API", api, http_api));
            servers.push(("the WebSocket API", ws, gateway.router()));
            servers.push((
                "the attachment storage",
                storage,
                storage::router(
                    &config.data_dir,
                    &storage_key,
                    &storage_secret,
                    storage::Mount::WholeOrigin,
                )?,
            ));
            servers.push((
                "the customer's site",
                customer,
                widget::customer_site(config.web_dir.clone(), site.key.clone(), web_origin.clone()),
            ));
        }
    }

    let (shutdown, rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    let stop = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    for (what, listener, router) in servers {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let rx = rx.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, service)
                .with_graceful_shutdown(stop(rx))
                .await
            {
                tracing::error!(error = %e, "{what} stopped");
            }
        }));
    }
    let sweeper = app.clone();
    let (exports_folder, exports_blobs) = (config.data_dir.clone(), blobs.clone());
    let keep_exports = Duration::from_secs(u64::from(parlor_core::app::EXPORT_KEEP_DAYS) * 86_400);
    let every = config.sweep_every;
    let stopped = rx.clone();
    tasks.push(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {
                    // As the sweep's function: what it calls in AWS is that function's to be granted.
                    let swept = parlor_core::deploy::Function::Sweep
                        .scope(sweeper.presence.sweep())
                        .await;
                    if let Err(e) = swept {
                        tracing::warn!(error = %e, "the presence sweep failed");
                    }
                    let expired = parlor_core::deploy::Function::Sweep
                        .scope(sweeper.dialogs.sweep_retention())
                        .await;
                    if let Err(e) = expired {
                        tracing::warn!(error = %e, "the retention sweep failed");
                    }
                    // The bucket's lifecycle rule on exports/, as S3 applies it in AWS.
                    match storage::expire_exports(&exports_folder, &*exports_blobs, keep_exports).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(count = n, "expired exports deleted"),
                        Err(e) => tracing::warn!(error = %e, "expired exports not deleted"),
                    }
                }
                _ = stop(stopped.clone()) => break,
            }
        }
    }));
    let mgmt = gateway.management_router(&management_key);
    tasks.push(tokio::spawn(async move {
        if let Err(e) = axum::serve(management, mgmt)
            .with_graceful_shutdown(stop(rx))
            .await
        {
            tracing::error!(error = %e, "the Management API stopped");
        }
    }));

    Ok(Running {
        addr,
        shape: config.shape,
        api_url,
        ws_url,
        demo_url,
        management_addr,
        management_key,
        storage_origin,
        blobs,
        storage_key,
        app,
        stores,
        gateway,
        site,
        admin,
        admin_password,
        admin_password_given,
        created,
        data_dir: config.data_dir,
        store_name,
        shutdown,
        tasks,
    })
}

/// Structured logs on stderr; `RUST_LOG` tunes them (default: info for Parlor, warn for the rest).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,parlor_core=info,parlor_local=info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_one_origin_of_the_one_origin_shape() {
        assert_eq!(public_url(None, Shape::OneOrigin), Ok(None));
        assert_eq!(
            public_url(Some("https://Chat.Example.com"), Shape::OneOrigin),
            Ok(Some("https://chat.example.com".into()))
        );
        for bad in [
            "https://chat.example.com/parlor",
            "chat.example.com",
            "https://a.example,https://b.example",
        ] {
            assert!(public_url(Some(bad), Shape::OneOrigin).is_err(), "{bad}");
        }
        assert!(public_url(Some("https://chat.example.com"), Shape::Aws).is_err());
    }

    #[test]
    fn a_gateway_on_every_interface_is_reached_on_loopback() {
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(reachable(any), "127.0.0.1:8080".parse().unwrap());
        let any6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(reachable(any6), "[::1]:8080".parse().unwrap());
        let one: SocketAddr = "192.0.2.7:8080".parse().unwrap();
        assert_eq!(reachable(one), one);
    }
}
