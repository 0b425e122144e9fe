//! Routes and the server's life: `/api/health`, `/ws`, and the built page.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use shared::problem::Problem;
use shared::protocol::{Health, Limits};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::task::TaskTracker;
use tower_http::services::{ServeDir, ServeFile};
use tracing::warn;

use crate::cluster::Cluster;

/// What every handler shares: the cluster, the shutdown signal, the open sessions.
#[derive(Clone)]
pub struct AppState {
    cluster: Arc<Cluster>,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
    sessions: TaskTracker,
    queues: QueueProbe,
}

/// The sessions' event queues, to see how full they are (tests and diagnostics).
#[derive(Clone, Default)]
pub struct QueueProbe(Arc<std::sync::Mutex<Vec<tokio::sync::mpsc::WeakSender<shared::protocol::Event>>>>);

impl QueueProbe {
    /// Remembers a session's queue.
    pub fn register(&self, queue: &tokio::sync::mpsc::Sender<shared::protocol::Event>) {
        let mut queues = self.0.lock().unwrap_or_else(|e| e.into_inner());
        queues.retain(|q| q.strong_count() > 0);
        queues.push(queue.downgrade());
    }

    /// Events waiting in each open session's queue.
    pub fn lengths(&self) -> Vec<usize> {
        let queues = self.0.lock().unwrap_or_else(|e| e.into_inner());
        queues.iter().filter_map(|q| q.upgrade()).map(|q| q.max_capacity() - q.capacity()).collect()
    }
}

/// How often an external cluster's metadata is read for the pages.
const EXTERNAL_REFRESH: Duration = Duration::from_secs(2);

/// The server: its state and how to stop it.
pub struct Server {
    state: AppState,
    shutdown: watch::Sender<bool>,
    static_dir: PathBuf,
}

impl Server {
    /// A server for `cluster` that serves the page built into `static_dir`.
    pub fn new(cluster: Cluster, static_dir: PathBuf) -> Self {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let state = AppState {
            cluster: Arc::new(cluster),
            limits: Limits::default(),
            shutdown: shutdown_rx,
            sessions: TaskTracker::new(),
            queues: QueueProbe::default(),
        };
        Self { state, shutdown, static_dir }
    }

    /// This server with `limits` for every session (a workshop's).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.state.limits = limits;
        self
    }

    /// The sessions' event queues.
    pub fn queues(&self) -> QueueProbe {
        self.state.queues.clone()
    }

    /// The routes, for tests that serve them themselves.
    pub fn router(&self) -> Router {
        let page = if self.static_dir.join("index.html").is_file() {
            let index = ServeFile::new(self.static_dir.join("index.html"));
            Router::new().fallback_service(ServeDir::new(&self.static_dir).fallback(index))
        } else {
            warn!("no built page in {}; / explains how to build it", self.static_dir.display());
            Router::new().fallback(not_built)
        };
        Router::new()
            .route("/api/health", get(health))
            .route("/ws", get(websocket))
            .with_state(self.state.clone())
            .merge(page)
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
        // An external cluster's brokers and leaders, as its metadata says, every 2 s: a
        // stopped broker shows as down on every page.
        let cluster = Arc::clone(&self.state.cluster);
        let mut stopping = self.shutdown.subscribe();
        let watcher = tokio::spawn(async move {
            if cluster.mode() != shared::protocol::ClusterMode::External {
                return;
            }
            loop {
                cluster.refresh_external().await;
                tokio::select! {
                    () = tokio::time::sleep(EXTERNAL_REFRESH) => {}
                    _ = stopping.changed() => return,
                }
            }
        });
        let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                stop.await;
                let _ = shutdown.send(true);
            })
            .await;
        watcher.abort();
        // Upgraded WebSockets outlive the HTTP server: wait for their sessions to close.
        self.state.sessions.close();
        if tokio::time::timeout(grace, self.state.sessions.wait()).await.is_err() {
            warn!("some sessions did not close within {grace:?}");
        }
        served
    }
}

async fn health(State(state): State<AppState>) -> Response {
    let cluster = &state.cluster;
    let (status, code, brokers, topics) = match cluster.describe().await {
        Ok((brokers, topics)) => ("ok".to_owned(), StatusCode::OK, brokers, topics),
        Err(e) => (format!("unavailable: {e}"), StatusCode::SERVICE_UNAVAILABLE, Vec::new(), Vec::new()),
    };
    let body = Health {
        status,
        mode: cluster.mode(),
        bootstrap_servers: cluster.bootstrap_servers().to_owned(),
        brokers,
        topics,
    };
    (code, Json(body)).into_response()
}

async fn websocket(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    if *state.shutdown.borrow() {
        return (StatusCode::SERVICE_UNAVAILABLE, "the playground is shutting down").into_response();
    }
    let AppState { cluster, limits, shutdown, sessions, queues } = state;
    // A frame a little over the limit gets an error event and the page goes on; one far
    // over it (16 times) ends the connection in tungstenite, before it is read whole.
    let upgrade = upgrade.max_message_size(limits.frame_bytes as usize * 16);
    let open = sessions.len();
    upgrade.on_upgrade(move |socket| async move {
        if open >= limits.sessions as usize {
            let problem =
                Problem::Limit { limit: "sessions".into(), max: limits.sessions.into(), got: open as u64 + 1 };
            crate::session::refuse(socket, problem).await;
            return;
        }
        sessions.track_future(crate::session::serve(socket, cluster, shutdown, queues, limits)).await;
    })
}

async fn not_built() -> (StatusCode, Html<&'static str>) {
    (
        StatusCode::OK,
        Html(
            "<!doctype html><meta charset=utf-8><title>Kafka Producer Playground</title>\
             <h1>The page has not been built yet</h1>\
             <p>Run <code>cargo xtask run</code> from the repository: it installs the wasm \
             tools, builds the page with trunk and starts the playground.</p>\
             <p>The server is up: <a href=\"/api/health\">/api/health</a>.</p>",
        ),
    )
}
