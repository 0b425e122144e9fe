//! The command line: the server's flags, `playground produce` (the lab's Program.cs as
//! flags) and `playground cluster`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use playground::http::ConnectionLimits;
use shared::protocol::{Limits, ProduceRequest, RunMode};
use shared::settings::{Acks, Compression, Partitioner, ProducerSettings};

/// The Kafka Producer Playground: a real Kafka producer in the browser.
#[derive(Debug, Parser)]
#[command(version, about)]
pub(crate) struct Cli {
    /// Kafka cluster to use. Without it the playground starts its embedded cluster
    /// (librdkafka's mock: 3 brokers, orders.created with 6 partitions).
    #[arg(long, global = true, env = "KAFKA_BOOTSTRAP_SERVERS", conflicts_with = "local_kafka")]
    pub(crate) bootstrap_servers: Option<String>,

    /// Apache Kafka on this machine instead: a KRaft controller and 3 brokers started
    /// from the jars in DIR/libs (`cargo xtask run --kafka` fetches them with Maven),
    /// formatted anew in DIR/cluster at each start, with orders.created made as the lab's
    /// (6 partitions, replication factor 3, min.insync.replicas 2). Needs Java 17+.
    #[arg(long, global = true, env = "PLAYGROUND_LOCAL_KAFKA", value_name = "DIR")]
    pub(crate) local_kafka: Option<PathBuf>,

    /// With --local-kafka: the first broker's port; the other two and the controller
    /// take the next three. 0: any free ports.
    #[arg(long, global = true, env = "PLAYGROUND_KAFKA_PORT", default_value_t = 19092)]
    pub(crate) kafka_port: u16,

    #[command(flatten)]
    pub(crate) serve: ServeArgs,

    #[command(subcommand)]
    pub(crate) command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// The lab's Program.cs, headless: send messages, print each delivery report, flush,
    /// and exit non-zero if any message failed.
    Produce(ProduceArgs),
    /// Only the cluster, in this process: the embedded one, or with --local-kafka Apache
    /// Kafka; prints its bootstrap address, so that another playground
    /// (`--bootstrap-servers`) or kcat can use it.
    Cluster(ClusterArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ClusterArgs {
    /// Start without the lab's topic (to try `--create-topics` against it).
    #[arg(long)]
    pub(crate) without_topic: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on. Port 8080 is left to Kafka UI, as in the lab.
    #[arg(long, env = "PLAYGROUND_LISTEN", default_value = "127.0.0.1:3000")]
    pub(crate) listen: SocketAddr,

    /// On an external cluster, create the lab's topic (orders.created, 6 partitions) when
    /// it is missing, through the admin API.
    #[arg(long, env = "PLAYGROUND_CREATE_TOPICS")]
    pub(crate) create_topics: bool,

    /// Workshop limits: sessions (browser tabs) at once.
    #[arg(long, env = "PLAYGROUND_MAX_SESSIONS", default_value_t = Limits::default().sessions)]
    pub(crate) max_sessions: u32,

    /// Workshop limits: sessions at once from one client address. A classroom behind one
    /// NAT, or every trainee behind a reverse proxy, shares one address: raise it to the
    /// class's size there.
    #[arg(long, env = "PLAYGROUND_MAX_SESSIONS_PER_ADDRESS", default_value_t = Limits::default().sessions_per_address)]
    pub(crate) max_sessions_per_address: u32,

    /// Workshop limits: messages in one run.
    #[arg(long, env = "PLAYGROUND_MAX_MESSAGES_PER_RUN", default_value_t = Limits::default().messages_per_run)]
    pub(crate) max_messages_per_run: u32,

    /// Workshop limits: bytes of one message (key, value and headers).
    #[arg(long, env = "PLAYGROUND_MAX_MESSAGE_BYTES", default_value_t = Limits::default().message_bytes)]
    pub(crate) max_message_bytes: u32,

    /// Workshop limits: messages per second of one session (default: no limit).
    #[arg(long, env = "PLAYGROUND_MAX_RATE")]
    pub(crate) max_rate: Option<u32>,

    /// Workshop limits: bytes of one WebSocket frame from a page.
    #[arg(long, env = "PLAYGROUND_MAX_FRAME_BYTES", default_value_t = Limits::default().frame_bytes)]
    pub(crate) max_frame_bytes: u32,

    /// Workshop limits: messages in flight (sent, no outcome yet) across every session;
    /// past it, sends wait for deliveries.
    #[arg(long, env = "PLAYGROUND_MAX_IN_FLIGHT", default_value_t = Limits::default().in_flight)]
    pub(crate) max_in_flight: u32,

    /// Workshop limits: messages in flight of one session, a share of --max-in-flight, so
    /// that one trainee whose messages wait for a broker that is down cannot hold them all.
    #[arg(long, env = "PLAYGROUND_MAX_IN_FLIGHT_PER_SESSION", default_value_t = Limits::default().in_flight_per_session)]
    pub(crate) max_in_flight_per_session: u32,

    /// A class across several servers on one Kafka cluster: the class's log, a compacted
    /// topic of that cluster that every server of the class names (created when missing).
    /// The instructor's view on any of them shows every trainee; names are unique across
    /// them; a broadcast reaches every page.
    #[arg(long, env = "PLAYGROUND_CLASS_TOPIC")]
    pub(crate) class_topic: Option<String>,

    /// How long a session keeps its producer after its last run, in seconds: then its
    /// librdkafka threads and sockets are closed, and the next run builds another.
    #[arg(long, env = "PLAYGROUND_PRODUCER_IDLE_SECS", default_value_t = playground::session::PRODUCER_IDLE.as_secs())]
    pub(crate) producer_idle_secs: u64,

    /// Workshop: only the instructor switches faults on the embedded cluster, for the
    /// whole class (trainees' fault buttons are off).
    #[arg(long, env = "PLAYGROUND_INSTRUCTOR_FAULTS_ONLY")]
    pub(crate) instructor_faults_only: bool,

    /// Workshop: trainees' own topics this server creates at most (with
    /// --topic-per-trainee); past it, a new name is refused.
    #[arg(long, env = "PLAYGROUND_MAX_TRAINEE_TOPICS", default_value_t = Limits::default().trainee_topics)]
    pub(crate) max_trainee_topics: u32,

    /// Workshop: each trainee produces to their own topic, orders.created.<name>,
    /// created on first use, so their offsets and partitions are their own.
    #[arg(long, env = "PLAYGROUND_TOPIC_PER_TRAINEE")]
    pub(crate) topic_per_trainee: bool,

    /// The token of the instructor's view (/instructor); a random one is printed at
    /// start without it.
    #[arg(long, env = "PLAYGROUND_INSTRUCTOR_TOKEN")]
    pub(crate) instructor_token: Option<String>,

    /// The address trainees open (`https://class.example`, or `http://10.0.0.5:3000`
    /// behind a proxy or a DNS name): printed as the trainees' link, and answered on `/ws`
    /// and `/api`. Without it, those answer only the pages this machine serves under its
    /// own names (its IP addresses, localhost, its host name).
    #[arg(long, env = "PLAYGROUND_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,

    /// Another origin whose pages `/ws` and `/api` answer (repeatable).
    #[arg(long, env = "PLAYGROUND_ALLOWED_ORIGIN", value_delimiter = ',')]
    pub(crate) allowed_origin: Vec<String>,

    /// The class's code (6 to 64 letters, digits, '-' or '_'). A server that listens
    /// beyond loopback, or has --public-url, needs one: without this flag a random code is
    /// printed with the trainees' link. Without the code a page gets only the page's
    /// files.
    #[arg(long, env = "PLAYGROUND_CLASS_CODE")]
    pub(crate) class_code: Option<String>,

    /// No class code even beyond loopback (a network where everyone is trusted).
    #[arg(long, env = "PLAYGROUND_NO_CLASS_CODE", conflicts_with = "class_code")]
    pub(crate) no_class_code: bool,

    /// TLS: the server's certificate chain, PEM (with --tls-key). Trainees then open
    /// https:// and the page's socket is wss://.
    #[arg(long, env = "PLAYGROUND_TLS_CERT", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,

    /// TLS: the certificate's private key, PEM.
    #[arg(long, env = "PLAYGROUND_TLS_KEY", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,

    /// A reverse proxy whose X-Forwarded-For names the client (repeatable; `127.0.0.1` for
    /// a proxy on this machine): sessions and wrong codes are then counted by trainee,
    /// not all as the proxy's.
    #[arg(long, env = "PLAYGROUND_TRUSTED_PROXY", value_delimiter = ',')]
    pub(crate) trusted_proxy: Vec<std::net::IpAddr>,

    /// Open connections at most; past it a new one is closed at once (with a 503).
    #[arg(long, env = "PLAYGROUND_MAX_CONNECTIONS", default_value_t = ConnectionLimits::default().max)]
    pub(crate) max_connections: u32,

    /// Open connections at most from one client address (raise it behind a reverse
    /// proxy, where every trainee shares the proxy's address).
    #[arg(long, env = "PLAYGROUND_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = ConnectionLimits::default().per_address)]
    pub(crate) max_connections_per_address: u32,

    /// Folder of the page built by trunk.
    #[arg(long, env = "PLAYGROUND_STATIC_DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../dist"))]
    pub(crate) static_dir: PathBuf,
}

/// The lab's producer settings as flags; the defaults are the lab's.
#[derive(Debug, Args)]
pub(crate) struct ProduceArgs {
    /// Topic to send to.
    #[arg(long, default_value = shared::lab::TOPIC)]
    pub(crate) topic: String,
    /// Messages to send.
    #[arg(long, default_value_t = shared::lab::COUNT)]
    pub(crate) count: u32,
    /// Key template (`ORD-{i:04}`); without it no key, as in the lab.
    #[arg(long)]
    pub(crate) key: Option<String>,
    /// Value template.
    #[arg(long, default_value = shared::lab::VALUE_TEMPLATE)]
    pub(crate) value: String,
    /// sync (await each delivery, the lab's loop) or pipelined.
    #[arg(long, default_value = "sync", value_parser = parse_named::<RunMode>)]
    pub(crate) mode: RunMode,
    /// Target rate in messages per second.
    #[arg(long)]
    pub(crate) rate: Option<u32>,
    /// Without the lab's `correlation-id` and `source` headers (to compare with a tool
    /// that sends none, such as kcat in the benchmark).
    #[arg(long)]
    pub(crate) no_headers: bool,
    /// client.id
    #[arg(long, default_value = shared::lab::CLIENT_ID)]
    pub(crate) client_id: String,
    /// acks: 0, 1 or all.
    #[arg(long, default_value = "all", value_parser = parse_named::<Acks>)]
    pub(crate) acks: Acks,
    /// enable.idempotence
    #[arg(long)]
    pub(crate) idempotence: bool,
    /// max.in.flight.requests.per.connection
    #[arg(long)]
    pub(crate) max_in_flight: Option<u32>,
    /// message.send.max.retries
    #[arg(long)]
    pub(crate) retries: Option<u32>,
    /// retry.backoff.ms
    #[arg(long)]
    pub(crate) retry_backoff_ms: Option<u32>,
    /// request.timeout.ms
    #[arg(long)]
    pub(crate) request_timeout_ms: Option<u32>,
    /// message.timeout.ms
    #[arg(long)]
    pub(crate) message_timeout_ms: Option<u32>,
    /// linger.ms
    #[arg(long)]
    pub(crate) linger_ms: Option<u32>,
    /// batch.size
    #[arg(long)]
    pub(crate) batch_size: Option<u32>,
    /// compression.type: none, gzip, snappy, lz4 or zstd.
    #[arg(long, value_parser = parse_named::<Compression>)]
    pub(crate) compression: Option<Compression>,
    /// partitioner: consistent_random, murmur2_random, random, consistent, murmur2, fnv1a, fnv1a_random.
    #[arg(long, value_parser = parse_named::<Partitioner>)]
    pub(crate) partitioner: Option<Partitioner>,
    /// Embedded cluster only: take every broker down first, to see the producer fail.
    #[arg(long)]
    pub(crate) brokers_down: bool,
}

/// Parses a value by its name in the protocol (`all`, `snappy`, `pipelined`...).
fn parse_named<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|e| e.to_string())
}

impl ProduceArgs {
    pub(crate) fn request(&self) -> ProduceRequest {
        let lab = ProducerSettings::default();
        let settings = ProducerSettings {
            client_id: self.client_id.clone(),
            acks: self.acks,
            enable_idempotence: self.idempotence,
            max_in_flight: self.max_in_flight.unwrap_or(if self.idempotence { 5 } else { lab.max_in_flight }),
            message_send_max_retries: self.retries.unwrap_or(lab.message_send_max_retries),
            retry_backoff_ms: self.retry_backoff_ms.unwrap_or(lab.retry_backoff_ms),
            request_timeout_ms: self.request_timeout_ms.unwrap_or(lab.request_timeout_ms),
            message_timeout_ms: self.message_timeout_ms.unwrap_or(lab.message_timeout_ms),
            linger_ms: self.linger_ms.unwrap_or(lab.linger_ms),
            batch_size: self.batch_size.unwrap_or(lab.batch_size),
            compression_type: self.compression.unwrap_or(lab.compression_type),
            partitioner: self.partitioner.unwrap_or(lab.partitioner),
            ..lab
        };
        ProduceRequest {
            topic: self.topic.clone(),
            count: self.count,
            settings,
            key_template: self.key.clone().filter(|k| k != "none"),
            value_template: self.value.clone(),
            mode: self.mode,
            rate: self.rate,
            headers: if self.no_headers { Vec::new() } else { ProduceRequest::lab().headers },
            ..ProduceRequest::lab()
        }
    }
}
