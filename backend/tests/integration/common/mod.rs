//! What the server tests share: a real server on port 0 with the embedded cluster, a
//! real WebSocket client, and an rdkafka consumer to read back what was written.
#![allow(dead_code, missing_docs)]

pub mod chrome;
pub mod process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use playground::cluster::Cluster;
use playground::http::Server;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use shared::protocol::{Command, Event};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite};

/// A playground server running in this test process.
pub struct TestServer {
    pub addr: SocketAddr,
    pub bootstrap: String,
    /// The instructor's token, to read the class as the instructor sees it.
    pub instructor_token: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Starts the embedded cluster and a server on 127.0.0.1:0 serving `static_dir`.
    pub async fn start_with(static_dir: PathBuf) -> Self {
        Self::serve(Cluster::embedded().expect("embedded cluster"), static_dir).await
    }

    /// A server for `cluster`, on 127.0.0.1:0.
    pub async fn serve(cluster: Cluster, static_dir: PathBuf) -> Self {
        Self::serve_limited(cluster, static_dir, shared::protocol::Limits::default()).await
    }

    /// The embedded cluster and a server with a workshop's `limits`.
    pub async fn start_limited(limits: shared::protocol::Limits) -> Self {
        let cluster = Cluster::embedded().expect("embedded cluster");
        Self::serve_limited(cluster, PathBuf::from("/nonexistent"), limits).await
    }

    /// A server for `cluster` with `limits`, on 127.0.0.1:0.
    pub async fn serve_limited(cluster: Cluster, static_dir: PathBuf, limits: shared::protocol::Limits) -> Self {
        Self::serve_server(Server::new(cluster, static_dir).with_limits(limits)).await
    }

    /// The embedded cluster and a server as `configure` makes it (a workshop's options).
    pub async fn start_configured(configure: impl FnOnce(Server) -> Server) -> Self {
        let cluster = Cluster::embedded().expect("embedded cluster");
        Self::serve_server(configure(Server::new(cluster, PathBuf::from("/nonexistent")))).await
    }

    /// Serves `server` on 127.0.0.1:0.
    pub async fn serve_server(server: Server) -> Self {
        let bootstrap = server.bootstrap_servers().to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let instructor_token = server.instructor_token().to_owned();
        let task = tokio::spawn(server.serve(
            listener,
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(10),
        ));
        Self { addr, bootstrap, instructor_token, stop: Some(stop), task: Some(task) }
    }

    /// The sessions open now, as the instructor's view lists them.
    pub async fn sessions(&self) -> usize {
        let url = format!("http://{}/api/instructor", self.addr);
        let (status, body) = http("GET", &url, Some(&self.instructor_token), None).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<shared::protocol::ClassView>(&body).unwrap().trainees.len()
    }

    /// A server with no built page.
    pub async fn start() -> Self {
        Self::start_with(PathBuf::from("/nonexistent")).await
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client whose socket buffers only 4 KB: when it stops reading, the server feels
    /// it at once instead of after megabytes of kernel buffers.
    pub async fn connect_with_small_buffer(&self) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(self.addr).await.unwrap();
        let (ws, _) = tokio_tungstenite::client_async(format!("ws://{}/ws", self.addr), MaybeTlsStream::Plain(stream))
            .await
            .expect("websocket");
        Client { ws, queued: Default::default(), frames: 0 }
    }

    pub async fn connect(&self) -> Client {
        self.connect_path("/ws").await
    }

    /// A page coming back to its session with its `key` (from `hello`).
    pub async fn resume(&self, key: &str) -> Client {
        self.connect_path(&format!("/ws?resume={key}")).await
    }

    async fn connect_path(&self, path: &str) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}{path}", self.addr)).await.expect("websocket");
        Client { ws, queued: Default::default(), frames: 0 }
    }
}

/// A page's WebSocket to a server at `addr` (another process, say).
pub async fn connect_to(addr: SocketAddr) -> Client {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.expect("websocket");
    Client { ws, queued: Default::default(), frames: 0 }
}

/// A page's side of the WebSocket.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Events of a batch frame not handed out yet.
    queued: std::collections::VecDeque<Event>,
    /// Frames received, batches counted once.
    pub frames: usize,
}

impl Client {
    /// Says goodbye as a page that is done (close code 1000): the session ends at once.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        // Reads until the server's close frame, so the session has seen the goodbye.
        let _ =
            tokio::time::timeout(Duration::from_secs(15), async { while let Some(Ok(_)) = self.ws.next().await {} })
                .await;
    }

    pub async fn send(&mut self, command: &Command) {
        self.send_text(&serde_json::to_string(command).unwrap()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(tungstenite::Message::text(text)).await.unwrap();
    }

    /// The next event, batches unpacked, failing the test after `wait`.
    pub async fn next_raw_within(&mut self, wait: Duration) -> Event {
        self.try_next_raw_within(wait).await.expect("no event in time")
    }

    /// The next event, whatever it is, or `None` when none came within `wait`.
    pub async fn try_next_raw_within(&mut self, wait: Duration) -> Option<Event> {
        loop {
            if let Some(event) = self.queued.pop_front() {
                return Some(event);
            }
            let frame =
                tokio::time::timeout(wait, self.ws.next()).await.ok()?.expect("socket closed").expect("socket error");
            match frame {
                tungstenite::Message::Text(text) => {
                    self.frames += 1;
                    match serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad event {text}: {e}")) {
                        Event::Batch { events } => self.queued.extend(events),
                        event => return Some(event),
                    }
                }
                tungstenite::Message::Ping(_) | tungstenite::Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Reads until the server closes the socket; its close reason, if it gave one.
    pub async fn close_reason(&mut self, wait: Duration) -> Option<String> {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await.expect("no close in time")? {
                Ok(tungstenite::Message::Close(frame)) => return frame.map(|f| f.reason.to_string()),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    /// Reads until the server closes the socket; its close code, if it gave one.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.ws.next()).await.expect("no close in time")? {
                Ok(tungstenite::Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    /// The next event that is not periodic (`stats`, `producer_stats`) or a librdkafka `log` line.
    pub async fn next_within(&mut self, wait: Duration) -> Event {
        loop {
            match self.next_raw_within(wait).await {
                Event::Stats(_) | Event::Log(_) | Event::ProducerStats(_) => continue,
                event => return event,
            }
        }
    }

    pub async fn next(&mut self) -> Event {
        self.next_within(Duration::from_secs(30)).await
    }

    /// Events up to and including `run_finished`.
    pub async fn until_finished(&mut self, wait: Duration) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let event = self.next_raw_within(wait).await;
            let done = matches!(event, Event::RunFinished(_));
            events.push(event);
            if done {
                return events;
            }
        }
    }
}

/// The seq of each message's outcome (delivered or failed) among `events`, in order.
pub fn outcome_seqs(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Delivered(d) => Some(d.seq),
            Event::Failed(f) => Some(f.seq),
            _ => None,
        })
        .collect()
}

/// A record read back from the cluster.
#[derive(Debug, Clone)]
pub struct Record {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub value: String,
    pub headers: Vec<(String, String)>,
}

/// Reads every partition of `topic` from the beginning until `expected` records came or
/// `wait` passed.
pub fn consume_all(bootstrap: &str, topic: &str, partitions: i32, expected: usize, wait: Duration) -> Vec<Record> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "playground-tests")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    for p in 0..partitions {
        assignment.add_partition_offset(topic, p, Offset::Beginning).unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let deadline = std::time::Instant::now() + wait;
    let mut records = Vec::new();
    while records.len() < expected && std::time::Instant::now() < deadline {
        let Some(message) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        // A broker down is reported, then librdkafka goes on with the others: the count
        // of records read decides.
        let Ok(message) = message else { continue };
        let headers = message
            .headers()
            .map(|h| {
                h.iter()
                    .map(|h| (h.key.to_owned(), String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        records.push(Record {
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().map(|k| String::from_utf8_lossy(k).into_owned()),
            value: String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned(),
            headers,
        });
    }
    records
}

/// One HTTP/1.1 request to `url` (`http://host/path`), with the instructor's `token` as
/// a bearer token and a JSON `body`, if given: the status and the body.
pub async fn http(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> (u16, String) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("Authorization", b.as_str())).collect();
    http_with(method, url, &headers, body).await
}

/// One GET of `url`: the response's head (status line and headers) and body.
pub async fn http_head(method: &str, url: &str) -> (String, String) {
    raw_http(None, method, url, &[], None).await
}

/// One GET of `url` with `headers`: the response's head and body.
pub async fn http_head_with(url: &str, headers: &[(&str, &str)]) -> (String, String) {
    raw_http(None, "GET", url, headers, None).await
}

/// One request with the instructor's `token` from the loopback address `source`: the
/// status and the body.
pub async fn http_from(source: &str, method: &str, url: &str, token: Option<&str>) -> (u16, String) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("Authorization", b.as_str())).collect();
    let (head, body) = raw_http(Some(source), method, url, &headers, None).await;
    (status_of(&head), body)
}

fn status_of(head: &str) -> u16 {
    head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// One HTTP/1.1 request to `url` with `headers` (a `Host` among them replaces the
/// address's) and a JSON `body`, if given: the status and the body.
pub async fn http_with(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> (u16, String) {
    let (head, body) = raw_http(None, method, url, headers, body).await;
    (status_of(&head), body)
}

/// One HTTP/1.1 request, from the loopback address `source` if given: the head and body.
async fn raw_http(
    source: Option<&str>,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = url.strip_prefix("http://").unwrap();
    let (addr, path) = url.split_at(url.find('/').unwrap());
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{}:0", source.unwrap_or("127.0.0.1")).parse().unwrap()).unwrap();
    let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
    let host = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host")).map_or(addr, |(_, v)| *v);
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.to_owned(), body.to_owned())
}

/// This process's resident memory, in bytes (the server runs in it).
pub fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// Runs `test` on a multi-threaded runtime, as `#[tokio::test(flavor = "multi_thread")]`
/// does: for the tests that `rusty_fork_test!` runs in a process of their own.
pub fn block_on(test: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime").block_on(test);
}

/// The value of the line of a `/metrics` answer `text` that starts with `series` (name
/// and labels).
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Asks `probe` every 50 ms until it answers `Some`, in place of a fixed sleep before an
/// assertion: for what the server does a moment after the test's last step (a socket's
/// close read, a counter updated). It waits no longer than needed, and says what it
/// waited for when `within` passes first.
pub async fn eventually<T>(what: &str, within: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(tokio::time::Instant::now() < deadline, "waited {within:?} for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
