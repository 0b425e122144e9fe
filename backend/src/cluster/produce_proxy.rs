//! A TCP proxy in front of one broker of Apache Kafka started here, through which the
//! playground's producers reach it: it can lose the response of a produce request the
//! broker wrote (Exercise 4's real lesson: the producer's retry writes a duplicate unless
//! it is idempotent), or lose a produce request before the broker sees it (its retry then
//! lands behind the requests sent after it).
//!
//! Either way the connection is then closed, as a network cut would: librdkafka waits
//! for a lost response until the message's own `message.timeout.ms` and then fails the
//! message without a retry, while a closed connection fails its requests in flight at
//! once as transport errors, which it retries.
//!
//! It reads Kafka's framing only: a request is `[size i32][api_key i16][api_version i16]
//! [correlation_id i32]...`, a response `[size i32][correlation_id i32]...`, and a
//! response answers a produce request when its correlation id is one the client gave a
//! produce request on the same connection.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Kafka's API key of a produce request.
const PRODUCE: i16 = 0;

/// Largest frame passed on; Kafka's own `socket.request.max.bytes` is 100 MiB.
const MAX_FRAME: usize = 100 * 1024 * 1024;

/// How long a connection whose produce request was lost goes on before it is closed: the
/// requests sent after it are written and answered meanwhile (a few milliseconds here).
const CLOSE_AFTER_LOST_REQUEST: std::time::Duration = std::time::Duration::from_millis(500);

/// What the proxy is to lose: counts of produce requests and responses.
#[derive(Debug, Default)]
pub struct Losses {
    requests: AtomicU32,
    responses: AtomicU32,
}

impl Losses {
    /// Takes one from `count` if it is above zero: whether to lose this one.
    fn take(count: &AtomicU32) -> bool {
        count.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }

    /// Produce requests and responses still to lose.
    #[cfg(test)]
    pub fn pending(&self) -> (u32, u32) {
        (self.requests.load(Ordering::SeqCst), self.responses.load(Ordering::SeqCst))
    }
}

/// The proxy of one broker: its port, what it is to lose, and its task.
pub struct ProduceProxy {
    port: u16,
    losses: Arc<Losses>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ProduceProxy {
    fn drop(&mut self) {
        // Its connections are in the task's JoinSet, which ends them too.
        self.task.abort();
    }
}

impl ProduceProxy {
    /// Passes what comes to `listener` on to `broker`, on the current Tokio runtime.
    pub fn start(listener: TcpListener, broker: SocketAddr) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let losses = Arc::new(Losses::default());
        let task = tokio::spawn(accept(listener, broker, Arc::clone(&losses)));
        Ok(Self { port, losses, task })
    }

    /// The port producers connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Loses the responses of the next `count` produce requests (the broker writes them).
    pub fn lose_responses(&self, count: u32) {
        self.losses.responses.store(count, Ordering::SeqCst);
    }

    /// Loses the next `count` produce requests before the broker sees them.
    pub fn lose_requests(&self, count: u32) {
        self.losses.requests.store(count, Ordering::SeqCst);
    }

    /// What it is still to lose.
    #[cfg(test)]
    pub fn losses(&self) -> &Losses {
        &self.losses
    }
}

async fn accept(listener: TcpListener, broker: SocketAddr, losses: Arc<Losses>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else { continue };
                connections.spawn(connection(client, broker, Arc::clone(&losses)));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// One producer connection, to its end or the broker's.
async fn connection(client: TcpStream, broker: SocketAddr, losses: Arc<Losses>) {
    let Ok(server) = TcpStream::connect(broker).await else { return };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (from_client, to_client) = client.into_split();
    let (from_server, to_server) = server.into_split();
    let produce_requests = Mutex::new(HashSet::new());
    let (lost_request, request_was_lost) = tokio::sync::oneshot::channel();
    let close_after_lost_request = async {
        match request_was_lost.await {
            Ok(()) => tokio::time::sleep(CLOSE_AFTER_LOST_REQUEST).await,
            Err(_) => std::future::pending().await,
        }
    };
    // Whichever ends first closes both sockets.
    tokio::select! {
        _ = requests(BufReader::new(from_client), to_server, &losses, &produce_requests, lost_request) => {}
        _ = responses(BufReader::new(from_server), to_client, &losses, &produce_requests) => {}
        () = close_after_lost_request => {}
    }
}

/// Reads one frame, its size prefix kept: `None` at the end of the stream.
async fn frame(reader: &mut (impl AsyncRead + Unpin)) -> std::io::Result<Option<Vec<u8>>> {
    let mut size = [0u8; 4];
    match reader.read_exact(&mut size).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = usize::try_from(i32::from_be_bytes(size)).ok().filter(|len| *len <= MAX_FRAME);
    let len = len.ok_or_else(|| std::io::Error::other("not a Kafka frame"))?;
    let mut frame = vec![0; 4 + len];
    frame[..4].copy_from_slice(&size);
    reader.read_exact(&mut frame[4..]).await?;
    Ok(Some(frame))
}

/// A request frame's API key and correlation id.
fn request_header(frame: &[u8]) -> Option<(i16, i32)> {
    let body = frame.get(4..12)?;
    Some((i16::from_be_bytes([body[0], body[1]]), i32::from_be_bytes([body[4], body[5], body[6], body[7]])))
}

/// A response frame's correlation id.
fn response_correlation(frame: &[u8]) -> Option<i32> {
    frame.get(4..8).map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Passes requests on, but a produce request to lose: that one is said on `lost`, and
/// the others go on until the connection is closed.
async fn requests(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    losses: &Losses,
    produce_requests: &Mutex<HashSet<i32>>,
    lost: tokio::sync::oneshot::Sender<()>,
) -> std::io::Result<()> {
    let mut lost = Some(lost);
    while let Some(frame) = frame(&mut from).await? {
        if let Some((PRODUCE, correlation)) = request_header(&frame) {
            if lost.is_some() && Losses::take(&losses.requests) {
                let _ = lost.take().map(|lost| lost.send(()));
                continue;
            }
            produce_requests.lock().unwrap().insert(correlation);
        }
        to.write_all(&frame).await?;
    }
    Ok(())
}

/// Passes responses on until one to lose: then it returns, and the connection closes.
async fn responses(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    losses: &Losses,
    produce_requests: &Mutex<HashSet<i32>>,
) -> std::io::Result<()> {
    while let Some(frame) = frame(&mut from).await? {
        let answers_produce = response_correlation(&frame).is_some_and(|c| produce_requests.lock().unwrap().remove(&c));
        if answers_produce && Losses::take(&losses.responses) {
            return Ok(());
        }
        to.write_all(&frame).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request frame: API key, version 9, correlation id, then `rest`.
    fn request(api_key: i16, correlation: i32, rest: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(api_key.to_be_bytes());
        body.extend(9i16.to_be_bytes());
        body.extend(correlation.to_be_bytes());
        body.extend(rest);
        let mut frame = (body.len() as i32).to_be_bytes().to_vec();
        frame.extend(body);
        frame
    }

    fn response(correlation: i32) -> Vec<u8> {
        let mut frame = 8i32.to_be_bytes().to_vec();
        frame.extend(correlation.to_be_bytes());
        frame.extend([0xAA; 4]);
        frame
    }

    #[test]
    fn headers_are_read_where_kafka_puts_them() {
        assert_eq!(request_header(&request(PRODUCE, 7, b"x")), Some((PRODUCE, 7)));
        assert_eq!(request_header(&request(3, -2, b"")), Some((3, -2)));
        assert_eq!(response_correlation(&response(41)), Some(41));
        assert_eq!(request_header(&[0, 0, 0, 2, 0, 0]), None, "too short");
    }

    #[test]
    fn a_loss_is_taken_once_per_count() {
        let losses = Losses::default();
        losses.responses.store(2, Ordering::SeqCst);
        assert!(Losses::take(&losses.responses));
        assert!(Losses::take(&losses.responses));
        assert!(!Losses::take(&losses.responses));
        assert_eq!(losses.pending(), (0, 0));
    }

    /// A broker that answers each request with its correlation id; its address.
    async fn echo_broker() -> SocketAddr {
        let broker = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = broker.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = broker.accept().await {
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut read = BufReader::new(read);
                    while let Ok(Some(frame)) = frame(&mut read).await {
                        let (_, correlation) = request_header(&frame).unwrap();
                        write.write_all(&response(correlation)).await.unwrap();
                    }
                });
            }
        });
        addr
    }

    /// The correlation ids answered, until the proxy closes the connection.
    async fn answered(client: &mut TcpStream) -> Vec<i32> {
        let mut got = BufReader::new(client);
        let mut ids = Vec::new();
        while let Ok(Some(frame)) = frame(&mut got).await {
            ids.extend(response_correlation(&frame));
        }
        ids
    }

    #[tokio::test]
    async fn a_lost_response_closes_the_connection_after_the_broker_answered() {
        let proxy = ProduceProxy::start(TcpListener::bind("127.0.0.1:0").await.unwrap(), echo_broker().await).unwrap();
        let mut client = TcpStream::connect(("127.0.0.1", proxy.port())).await.unwrap();
        client.write_all(&request(PRODUCE, 1, b"batch")).await.unwrap();
        let mut got = BufReader::new(&mut client);
        assert_eq!(response_correlation(&frame(&mut got).await.unwrap().unwrap()), Some(1), "nothing lost yet");
        proxy.lose_responses(1);
        for (key, correlation) in [(3, 2), (PRODUCE, 3), (PRODUCE, 4)] {
            client.write_all(&request(key, correlation, b"")).await.unwrap();
        }
        assert_eq!(
            answered(&mut client).await,
            [2],
            "metadata answered; produce 3's response lost, and the connection"
        );
        assert_eq!(proxy.losses().pending(), (0, 0));
    }

    #[tokio::test]
    async fn a_lost_request_lets_the_ones_behind_it_through_then_closes_the_connection() {
        let proxy = ProduceProxy::start(TcpListener::bind("127.0.0.1:0").await.unwrap(), echo_broker().await).unwrap();
        let mut client = TcpStream::connect(("127.0.0.1", proxy.port())).await.unwrap();
        proxy.lose_requests(1);
        for correlation in 1..=3 {
            client.write_all(&request(PRODUCE, correlation, b"batch")).await.unwrap();
        }
        let started = std::time::Instant::now();
        assert_eq!(answered(&mut client).await, [2, 3], "the broker never saw request 1");
        assert!(started.elapsed() >= CLOSE_AFTER_LOST_REQUEST / 2, "closed after the others were answered");
        // The next connection is not touched.
        let mut client = TcpStream::connect(("127.0.0.1", proxy.port())).await.unwrap();
        client.write_all(&request(PRODUCE, 9, b"batch")).await.unwrap();
        let mut got = BufReader::new(&mut client);
        assert_eq!(response_correlation(&frame(&mut got).await.unwrap().unwrap()), Some(9));
    }
}
