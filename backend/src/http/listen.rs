//! The server's accept loop, in place of `axum::serve`, which has no header-read timeout
//! (a client that sends half a request holds its connection for ever), no connection
//! cap and no TLS. Each connection: counted ([`Connections`]), TCP_NODELAY, read and
//! write timeouts (a client that stops reading its answer, or goes silent), the TLS
//! handshake if any (bounded by the header timeout), then hyper's HTTP/1.1 with
//! upgrades for the WebSocket.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;
use tracing::{debug, warn};

use super::connections::{Connection, ConnectionLimits, Connections};

/// How the server takes connections.
#[derive(Clone)]
pub struct Listening {
    /// The most connections, in all and from one address.
    pub limits: ConnectionLimits,
    /// How long a client has for a request's headers (and for the TLS handshake), and
    /// how long a kept-alive connection may stay idle.
    pub header_timeout: Duration,
    /// How long a write may wait for the client to read.
    pub write_timeout: Duration,
    /// TLS, when the server has a certificate.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

impl Default for Listening {
    fn default() -> Self {
        // 10 s: a browser sends its headers at once; a slow network on a phone still fits.
        let header_timeout = Duration::from_secs(10);
        Self { limits: ConnectionLimits::default(), header_timeout, write_timeout: WRITE_TIMEOUT, tls: None }
    }
}

/// How long a write may wait for the client to read, by default: past the page writer's
/// own 30 s, so that a page's slow reader is told apart; a plain HTTP client that stops
/// reading its answer is closed then.
const WRITE_TIMEOUT: Duration = Duration::from_secs(40);

/// How long a connection may stay silent once past its headers: a WebSocket's page
/// answers the server's pings every 20 s, and is seen as away after three silent ones
/// (60 s) before this closes it.
const READ_TIMEOUT: Duration = Duration::from_secs(90);

/// What is said, unencrypted, to a connection past the cap before it is closed.
const FULL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 45\r\n\r\nthe playground has too many connections open\n";

/// Serves `router` on `listener` until `stop` completes; then closes kept-alive
/// connections (a request being answered is finished) and waits up to `grace` for them.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    listening: Listening,
    connections: Arc<Connections>,
    stop: impl Future<Output = ()>,
    grace: Duration,
) {
    let tracker = TaskTracker::new();
    let (closing, closing_rx) = watch::channel(false);
    let tls = listening.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    warn!("could not accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let connection = match connections.admit(super::address::counted(peer.ip())) {
            Ok(connection) => connection,
            Err(refusal) => {
                debug!("closed a connection from {peer} at once: {refusal:?}");
                if tls.is_none() {
                    tokio::spawn(say_full(stream));
                }
                continue;
            }
        };
        // Events are small frames sent as they happen: without TCP_NODELAY, Nagle's
        // algorithm holds one back until the page acknowledges the last (up to 40 ms
        // with Linux's delayed ACKs), which the latency benchmark measured.
        if let Err(e) = stream.set_nodelay(true) {
            warn!("could not set TCP_NODELAY: {e}");
        }
        let (router, tls, closing) = (router.clone(), tls.clone(), closing_rx.clone());
        let timeouts = (listening.header_timeout, listening.write_timeout);
        tracker.spawn(accept(stream, peer, connection, router, tls, timeouts, closing));
    }
    // New connections are refused at once, not left in the backlog during the grace.
    drop(listener);
    let _ = closing.send(true);
    tracker.close();
    if tokio::time::timeout(grace, tracker.wait()).await.is_err() {
        warn!("some connections did not close within {grace:?}");
    }
}

/// Tells a connection past the cap so, then closes it: its write side first, and what
/// the client sent (its request, most likely) is read and dropped for a moment, since
/// closing with unread bytes would send a reset that loses the answer.
async fn say_full(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let said = async {
        stream.write_all(FULL).await?;
        stream.shutdown().await?;
        let mut sink = [0_u8; 4096];
        let mut read = 0;
        while read < 64 * 1024 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => read += n,
            }
        }
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), said).await;
}

/// One connection: its TLS handshake, if any, then HTTP.
async fn accept(
    stream: TcpStream,
    peer: SocketAddr,
    _counted: Connection,
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    (timeout, write_timeout): (Duration, Duration),
    closing: watch::Receiver<bool>,
) {
    let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
    stream.set_read_timeout(Some(READ_TIMEOUT));
    stream.set_write_timeout(Some(write_timeout));
    let stream = Box::pin(stream);
    match tls {
        None => http(stream, peer, router, timeout, closing).await,
        Some(acceptor) => match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => http(stream, peer, router, timeout, closing).await,
            Ok(Err(e)) => debug!("TLS handshake with {peer} failed: {e}"),
            Err(_) => debug!("TLS handshake with {peer} took over {timeout:?}"),
        },
    }
}

/// HTTP/1.1 on one connection, with upgrades (the WebSocket), the client's address
/// given to the handlers as axum's `ConnectInfo`.
async fn http<S>(stream: S, peer: SocketAddr, router: Router, timeout: Duration, mut closing: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move { Ok::<_, Infallible>(router.oneshot(request).await.unwrap_or_else(|never| match never {})) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        served = connection.as_mut() => {
            if let Err(e) = served {
                debug!("connection from {peer} ended: {e}");
            }
        }
        () = closed(&mut closing) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Once the server is closing.
async fn closed(closing: &mut watch::Receiver<bool>) {
    // The guard the watch lends is dropped here, not held across the connection's end.
    let _ = closing.wait_for(|closing| *closing).await.map(|_| ());
}
