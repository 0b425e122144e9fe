//! Routes and the server's life: `/api/live`, `/api/health`, `/ws`, the instructor's
//! `/api/instructor`, and the built pages (the trainee's, and the instructor's view at
//! `/instructor`), every answer with the security headers of [`security`].

mod address;
mod class_code;
mod connections;
mod files;
mod guesses;
mod instructor;
mod listen;
mod security;
mod tls;

pub use class_code::ClassCode;
pub use connections::ConnectionLimits;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::extract::ws::close_code;
use axum::extract::{ConnectInfo, Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use shared::problem::{Limit, Problem};
use shared::protocol::{ErrorEvent, Health, Limits};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::task::TaskTracker;
use tower_http::services::{ServeDir, ServeFile};
use tracing::warn;

use crate::class::Class;
use crate::cluster::Cluster;
use crate::origin::Origins;
use crate::session::{Context, PING_EVERY, PRODUCER_IDLE, RESUME_WINDOW, refuse};

/// What every handler shares: what sessions share, the open sessions, the instructor's
/// token, the host names and origins answered.
#[derive(Clone)]
pub struct AppState {
    ctx: Context,
    sessions: TaskTracker,
    instructor_token: Arc<str>,
    origins: Arc<Origins>,
    /// Wrong instructor tokens by address.
    token_guesses: Arc<guesses::Guesses>,
    /// The class's code, when trainees need one (a server open beyond this machine).
    class_code: Option<Arc<ClassCode>>,
    /// Wrong class codes by address.
    code_guesses: Arc<guesses::Guesses>,
    /// The open HTTP connections.
    connections: Arc<connections::Connections>,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    trusted_proxies: Arc<Vec<std::net::IpAddr>>,
}

impl AppState {
    /// The client of a request from `peer`, as limits and throttles count it.
    fn client(&self, peer: std::net::IpAddr, headers: &HeaderMap) -> std::net::IpAddr {
        address::client_of(peer, headers, &self.trusted_proxies)
    }
}

/// An empty class within `limits`, with or without a topic per trainee.
fn class_for(limits: &Limits, topic_per_trainee: bool) -> Arc<Class> {
    Arc::new(Class::new(limits.in_flight, topic_per_trainee).with_max_trainee_topics(limits.trainee_topics))
}

/// The WebSocket's initial read buffer, and the write buffer filled before a write.
const WS_BUFFER: usize = 16 * 1024;

/// The shortest instructor token the server accepts (its own are 32 hex digits).
pub const MIN_TOKEN_LEN: usize = 16;

/// How often an external cluster's metadata is read for the pages.
const EXTERNAL_REFRESH: Duration = Duration::from_secs(2);

/// The server: its state and how to stop it.
pub struct Server {
    state: AppState,
    shutdown: watch::Sender<bool>,
    static_dir: PathBuf,
    listening: listen::Listening,
}

impl Server {
    /// A server for `cluster` that serves the page built into `static_dir`.
    pub fn new(cluster: Cluster, static_dir: PathBuf) -> Self {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let limits = Limits::default();
        let cluster = Arc::new(cluster);
        // On the embedded cluster a trainee's faults go to a cluster of their own.
        let own_clusters = (cluster.mode() == shared::protocol::ClusterMode::Embedded).then(|| {
            Arc::new(crate::cluster::own::OwnClusters::new(Arc::clone(&cluster), crate::cluster::own::MAX_OWN_CLUSTERS))
        });
        let ctx = Context {
            cluster,
            own_clusters,
            class: class_for(&limits, false),
            limits,
            shutdown: shutdown_rx,
            resume_window: RESUME_WINDOW,
            ping_every: PING_EVERY,
            producer_idle: PRODUCER_IDLE,
        };
        let token = uuid::Uuid::new_v4().simple().to_string();
        let state = AppState {
            ctx,
            sessions: TaskTracker::new(),
            instructor_token: token.into(),
            origins: Arc::new(Origins::own()),
            token_guesses: Arc::new(guesses::Guesses::new(guesses::WRONG_TOKENS)),
            class_code: None,
            code_guesses: Arc::new(guesses::Guesses::new(guesses::WRONG_CODES)),
            connections: connections::Connections::new(ConnectionLimits::default()),
            trusted_proxies: Arc::default(),
        };
        Self { state, shutdown, static_dir, listening: listen::Listening::default() }
    }

    /// This server takes at most `limits` connections, in all and from one address.
    pub fn with_connection_limits(mut self, limits: ConnectionLimits) -> Self {
        self.listening.limits = limits;
        self.state.connections = connections::Connections::new(limits);
        self
    }

    /// This server gives a client `timeout` for a request's headers (and its TLS
    /// handshake), and closes a kept-alive connection idle for as long.
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.listening.header_timeout = timeout;
        self
    }

    /// This server closes a connection whose client has not read for `timeout`.
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.listening.write_timeout = timeout;
        self
    }

    /// This server speaks TLS only, with the PEM certificate chain `cert` and its key.
    pub fn with_tls(mut self, cert: &std::path::Path, key: &std::path::Path) -> Result<Self, String> {
        self.listening.tls = Some(tls::server_config(cert, key)?);
        Ok(self)
    }

    /// Whether this server speaks TLS.
    pub fn is_tls(&self) -> bool {
        self.listening.tls.is_some()
    }

    /// This server with `limits` for every session (a workshop's).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        let per_trainee = self.state.ctx.class.topic_per_trainee;
        self.state.ctx.class = class_for(&limits, per_trainee);
        self.state.ctx.limits = limits;
        self
    }

    /// This server with a topic per trainee, `orders.created.<name>`.
    pub fn with_topic_per_trainee(mut self, on: bool) -> Self {
        self.state.ctx.class = class_for(&self.state.ctx.limits, on);
        self
    }

    /// This server with the instructor's `token` instead of a random one; refused when
    /// shorter than [`MIN_TOKEN_LEN`] (a short token can be guessed).
    pub fn with_instructor_token(mut self, token: String) -> Result<Self, String> {
        if token.chars().count() < MIN_TOKEN_LEN {
            return Err(format!("an instructor token needs at least {MIN_TOKEN_LEN} characters"));
        }
        self.state.instructor_token = token.into();
        Ok(self)
    }

    /// This server believes `proxy`'s `X-Forwarded-For` about who the client is (a
    /// reverse proxy in front: else every trainee counts as the proxy's address).
    pub fn with_trusted_proxy(mut self, proxy: std::net::IpAddr) -> Self {
        Arc::make_mut(&mut self.state.trusted_proxies).push(proxy);
        self
    }

    /// This server's trainees need `code` (`/ws?class=<code>`), or none.
    pub fn with_class_code(mut self, code: Option<ClassCode>) -> Self {
        self.state.class_code = code.map(Arc::new);
        self
    }

    /// The code trainees need, if they need one.
    pub fn class_code(&self) -> Option<&str> {
        self.state.class_code.as_deref().map(ClassCode::as_str)
    }

    /// This server also answers pages of `origin` (`https://class.example`): the address
    /// trainees use when it is not this machine's own (a reverse proxy, a DNS name).
    pub fn with_allowed_origin(mut self, origin: &str) -> Result<Self, String> {
        let origins = (*self.state.origins).clone();
        let origins =
            origins.allow(origin).ok_or_else(|| format!("{origin} is not an origin such as https://class.example"))?;
        self.state.origins = Arc::new(origins);
        Ok(self)
    }

    /// This server pings each page every `every` (a page silent for three is away).
    pub fn with_ping_every(mut self, every: Duration) -> Self {
        self.state.ctx.ping_every = every;
        self
    }

    /// This server's sessions close their producer once no run used it for `idle`.
    pub fn with_producer_idle(mut self, idle: Duration) -> Self {
        self.state.ctx.producer_idle = idle;
        self
    }

    /// Shares this server's class with the other servers that use the class's log
    /// `topic` on the same cluster: their trainees in the instructor's view, names unique
    /// across them, broadcasts to all.
    pub async fn with_class_topic(self, topic: &str) -> Result<Self, crate::cluster::ClusterError> {
        let servers =
            crate::class::servers::ClassServers::start(&self.state.ctx.cluster, &self.state.ctx.class, topic).await?;
        self.state.ctx.class.join_servers(servers);
        Ok(self)
    }

    /// This server's sessions wait `window` for a page that dropped its connection.
    pub fn with_resume_window(mut self, window: Duration) -> Self {
        self.state.ctx.resume_window = window;
        self
    }

    /// The cluster's bootstrap servers.
    pub fn bootstrap_servers(&self) -> &str {
        self.state.ctx.cluster.bootstrap_servers()
    }

    /// The token the instructor's view needs.
    pub fn instructor_token(&self) -> &str {
        &self.state.instructor_token
    }

    /// The routes, for tests that serve them themselves.
    pub fn router(&self) -> Router {
        let index = self.static_dir.join("index.html");
        let (page, hashes) = match std::fs::read_to_string(&index) {
            Ok(html) => {
                // The brotli or gzip that the build wrote beside each file, to a browser
                // that accepts it: a third of the wasm's bytes.
                let index_file = ServeFile::new(&index).precompressed_br().precompressed_gzip();
                let files =
                    ServeDir::new(&self.static_dir).precompressed_br().precompressed_gzip().fallback(index_file);
                // The instructor's view, a page of its own in instructor/ (with its query,
                // the token, kept: no redirect to the folder's address).
                let instructor_index = self.static_dir.join("instructor").join("index.html");
                let mut hashes = security::inline_script_hashes(&html);
                let mut page = Router::new();
                if let Ok(instructor_html) = std::fs::read_to_string(&instructor_index) {
                    hashes.extend(security::inline_script_hashes(&instructor_html));
                    let instructor_page = ServeFile::new(&instructor_index).precompressed_br().precompressed_gzip();
                    page = page.route_service("/instructor", instructor_page);
                }
                let page = page.fallback_service(files).layer(middleware::from_fn(files::cache_for));
                (page, hashes)
            }
            Err(_) => {
                warn!("no built page in {}; / explains how to build it", self.static_dir.display());
                (Router::new().fallback(files::not_built), Vec::new())
            }
        };
        let csp = HeaderValue::from_str(&security::content_security_policy(&hashes))
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        // Every instructor route behind the token, checked before the body is read.
        let instructor = Router::new()
            .route("/api/instructor", get(instructor::view))
            .route("/api/instructor/broadcast", post(instructor::broadcast))
            .route("/api/instructor/fault", post(instructor::fault))
            .route("/api/instructor/trainee", post(instructor::trainee))
            .route("/metrics", get(instructor::metrics))
            .route_layer(middleware::from_fn_with_state(self.state.clone(), instructor::require_token));
        // Every API route answers this server's own pages and names only.
        let api = Router::new()
            .route("/api/health", get(health))
            .merge(instructor)
            .route_layer(middleware::from_fn_with_state(self.state.clone(), require_own_origin));
        Router::new()
            .route("/api/live", get(live))
            .route("/ws", get(websocket))
            .merge(api)
            .with_state(self.state.clone())
            .merge(page)
            .layer(middleware::map_response(move |mut response: Response| {
                let csp = csp.clone();
                async move {
                    security::add(response.headers_mut(), &csp);
                    response
                }
            }))
    }

    /// Serves on `listener` until `stop` completes, then tells every session, waits up
    /// to `grace` for their messages in flight, and returns.
    pub async fn serve(
        self,
        listener: TcpListener,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
        grace: Duration,
    ) -> std::io::Result<()> {
        let router = self.router();
        let shutdown = self.shutdown.clone();
        // A real cluster's brokers, leaders and in-sync replicas, as its metadata says,
        // every 2 s: a stopped broker shows as down on every page.
        let cluster = Arc::clone(&self.state.ctx.cluster);
        let mut stopping = self.shutdown.subscribe();
        let watcher = tokio::spawn(async move {
            if cluster.mode() == shared::protocol::ClusterMode::Embedded {
                return;
            }
            loop {
                cluster.refresh_metadata().await;
                tokio::select! {
                    () = tokio::time::sleep(EXTERNAL_REFRESH) => {}
                    _ = stopping.changed() => return,
                }
            }
        });
        let connections = Arc::clone(&self.state.connections);
        let stop = async move {
            stop.await;
            let _ = shutdown.send(true);
        };
        listen::serve(listener, router, self.listening, connections, stop, grace).await;
        watcher.abort();
        // Upgraded WebSockets outlive the HTTP server: wait for their sessions to close.
        self.state.sessions.close();
        if tokio::time::timeout(grace, self.state.sessions.wait()).await.is_err() {
            warn!("some sessions did not close within {grace:?}");
        }
        if let Some(servers) = self.state.ctx.class.servers() {
            // Bounded: a cluster gone away must not hold the server's exit.
            let _ = tokio::time::timeout(Duration::from_secs(5), servers.leave()).await;
        }
        Ok(())
    }
}

/// `GET /api/live`: the process answers (a liveness probe: unlike `/api/health`, it
/// does not depend on Kafka, so an orchestrator does not restart the playground during a
/// Kafka outage).
async fn live() -> &'static str {
    "live"
}

/// `?class=<code>`, on a server whose trainees need the class's code.
#[derive(serde::Deserialize)]
struct CodeQuery {
    class: Option<String>,
}

/// `GET /api/health`: ready when the cluster answers a metadata request (a readiness
/// probe), 503 otherwise. Where trainees need the class's code, without it only that:
/// the cluster's addresses are for the class.
async fn health(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<CodeQuery>,
) -> Response {
    let cluster = &state.ctx.cluster;
    let (status, code, brokers, topics) = match cluster.describe().await {
        Ok((brokers, topics)) => ("ok".to_owned(), StatusCode::OK, brokers, topics),
        Err(e) => (format!("unavailable: {e}"), StatusCode::SERVICE_UNAVAILABLE, Vec::new(), Vec::new()),
    };
    // A code given here is a guess like any other: counted, and refused past the limit.
    let client = state.client(peer.ip(), &headers);
    let told_code = query.class.is_some() && class_code_of(&state, client, query.class.as_deref()).is_ok();
    if state.class_code.is_some() && !told_code {
        let status = if code == StatusCode::OK { "ok" } else { "unavailable" };
        return (code, Json(serde_json::json!({ "status": status }))).into_response();
    }
    let body = Health {
        status,
        mode: cluster.mode(),
        bootstrap_servers: cluster.bootstrap_servers().to_owned(),
        brokers,
        topics,
    };
    (code, Json(body)).into_response()
}

/// `/ws`, or `/ws?resume=<key>` for a page that lost its connection; `class=<code>`
/// where trainees need the class's code.
#[derive(serde::Deserialize)]
struct WsQuery {
    resume: Option<String>,
    class: Option<String>,
}

async fn websocket(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<WsQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let client = state.client(peer.ip(), &headers);
    let allowed =
        own_origin(&state.origins, &headers).and_then(|()| class_code_of(&state, client, query.class.as_deref()));
    if let Err(problem) = allowed {
        // Told on the socket, so that a trainee's page says why; no session exists.
        state.ctx.class.counts.refused(&problem);
        return upgrade.on_upgrade(move |socket| refuse(socket, problem, close_code::POLICY));
    }
    let AppState { ctx, sessions, .. } = state;
    if *ctx.shutdown.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "the playground is shutting down").into_response();
    }
    let limits = ctx.limits;
    // A frame a little over the limit gets an error event and the page goes on; one far
    // over it (16 times) ends the connection in tungstenite, before it is read whole.
    let upgrade = upgrade.max_message_size(limits.frame_bytes as usize * 16);
    // Buffers that start small and grow with the frames (tungstenite's 128 KiB each cost
    // a connected trainee who sends nothing about 170 kB of the server's memory); the
    // writer batches events, so a 16 KiB write buffer still writes few, full frames.
    let upgrade = upgrade.read_buffer_size(WS_BUFFER).write_buffer_size(WS_BUFFER);
    // The place is taken now, before the upgrade, so that a burst cannot take more than
    // there are; a page coming back to a session waiting for it has its place already.
    let returning = query.resume.as_deref().is_some_and(|key| ctx.class.is_waiting(key));
    let place = if returning { None } else { Some(ctx.class.take_place(client, &limits)) };
    upgrade.on_upgrade(move |socket| async move {
        match place {
            Some(Err(problem)) => {
                ctx.class.counts.refused(&problem);
                refuse(socket, problem, close_code::AGAIN).await;
            }
            place => {
                let place = place.and_then(Result::ok);
                sessions.track_future(crate::session::serve(socket, ctx, query.resume, place, client)).await;
            }
        }
    })
}

/// Whether a page from `address` gave the class's code, if the server needs one; past
/// [`guesses::WRONG_CODES`] wrong ones a minute, the address is not heard.
fn class_code_of(state: &AppState, address: std::net::IpAddr, given: Option<&str>) -> Result<(), Problem> {
    let Some(code) = &state.class_code else { return Ok(()) };
    let now = std::time::Instant::now();
    let guesses = &state.code_guesses;
    if !guesses.may_try(address, now) {
        let max = guesses.per_window();
        return Err(Problem::Limit { limit: Limit::ClassCodes, max: max.into(), got: u64::from(max) + 1 });
    }
    match given {
        Some(given) if code.is(given) => Ok(()),
        Some(_) => {
            warn!("a page gave a wrong class code");
            guesses.wrong(address, now);
            Err(Problem::ClassCode { given: true })
        }
        None => Err(Problem::ClassCode { given: false }),
    }
}

/// Whether `headers` come from this server's own page, or a program, to one of its names.
fn own_origin(origins: &Origins, headers: &HeaderMap) -> Result<(), Problem> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let checked = origins.check(text(header::HOST), text(header::ORIGIN));
    if checked.is_err() {
        warn!("refused a request from origin {:?} to host {:?}", text(header::ORIGIN), text(header::HOST));
    }
    checked
}

/// Lets an API request through only from this server's own page, or a program, to one of
/// its names; else 403 and the problem, nothing else.
async fn require_own_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match own_origin(&state.origins, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(problem) => {
            state.ctx.class.counts.refused(&problem);
            (StatusCode::FORBIDDEN, Json(ErrorEvent::new(problem))).into_response()
        }
    }
}
