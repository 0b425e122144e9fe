//! What the server tests share: a real server on port 0 with the embedded cluster, a
//! real WebSocket client, and an rdkafka consumer to read back what was written.
#![allow(dead_code, missing_docs)]

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
    pub queues: playground::http::QueueProbe,
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
        let bootstrap = cluster.bootstrap_servers().to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = Server::new(cluster, static_dir).with_limits(limits);
        let queues = server.queues();
        let task = tokio::spawn(server.serve(
            listener,
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(10),
        ));
        Self { addr, bootstrap, queues, stop: Some(stop), task: Some(task) }
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
        let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/ws", self.addr)).await.expect("websocket");
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
    pub async fn send(&mut self, command: &Command) {
        self.send_text(&serde_json::to_string(command).unwrap()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(tungstenite::Message::text(text)).await.unwrap();
    }

    /// The next event, batches unpacked, failing the test after `wait`.
    pub async fn next_raw_within(&mut self, wait: Duration) -> Event {
        loop {
            if let Some(event) = self.queued.pop_front() {
                return event;
            }
            let frame = tokio::time::timeout(wait, self.ws.next())
                .await
                .expect("no event in time")
                .expect("socket closed")
                .expect("socket error");
            match frame {
                tungstenite::Message::Text(text) => {
                    self.frames += 1;
                    match serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad event {text}: {e}")) {
                        Event::Batch { events } => self.queued.extend(events),
                        event => return event,
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
        let message = message.expect("consume error");
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
