//! What the server tells the page (`Event`): each message's one outcome, a run's figures,
//! the cluster as Kafka reports it, the records read back, the logs and errors.

use serde::{Deserialize, Serialize};

use super::*;
use crate::problem::{Lang, Problem};
use crate::settings::FieldError;

/// A circuit breaker's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    /// Messages go to Kafka; failures in a row are counted.
    #[default]
    Closed,
    /// Messages fail at once with `CircuitOpen`, not sent.
    Open,
    /// One trial message is in flight; the others fail at once.
    HalfOpen,
}

/// The error name of a message that an open circuit failed without sending it.
pub const CIRCUIT_OPEN: &str = ErrorName::CircuitOpen.as_str();

/// Why a message failed: librdkafka's error name (`MessageTimedOut`), or the
/// playground's own `CircuitOpen`. On the wire it is the name as a string. The names the
/// page and the lab's checks reason about are variants; any other stays as librdkafka
/// names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ErrorName {
    /// Not delivered within message.timeout.ms: a broker is down, or too slow.
    MessageTimedOut,
    /// The producer's local queue (queue.buffering.max.*) was full.
    QueueFull,
    /// Not sent: the run's circuit breaker was open (Exercise 6).
    CircuitOpen,
    /// Failed by a purge of the producer's queue (a session closing).
    PurgeQueue,
    /// Failed by a purge of the messages in flight (a session closing).
    PurgeInflight,
    /// Larger than the broker or message.max.bytes accept.
    MessageSizeTooLarge,
    /// The topic or partition does not exist.
    UnknownTopicOrPartition,
    /// Too few in-sync replicas for acks=all.
    NotEnoughReplicas,
    /// Any other librdkafka error, by its name.
    Other(String),
}

impl ErrorName {
    /// Every name that is a variant of its own, for the tests of their wording.
    pub const NAMED: [ErrorName; 8] = [
        ErrorName::MessageTimedOut,
        ErrorName::QueueFull,
        ErrorName::CircuitOpen,
        ErrorName::PurgeQueue,
        ErrorName::PurgeInflight,
        ErrorName::MessageSizeTooLarge,
        ErrorName::UnknownTopicOrPartition,
        ErrorName::NotEnoughReplicas,
    ];

    /// The name as librdkafka (or the playground) writes it.
    pub const fn as_str(&self) -> &str {
        match self {
            ErrorName::MessageTimedOut => "MessageTimedOut",
            ErrorName::QueueFull => "QueueFull",
            ErrorName::CircuitOpen => "CircuitOpen",
            ErrorName::PurgeQueue => "PurgeQueue",
            ErrorName::PurgeInflight => "PurgeInflight",
            ErrorName::MessageSizeTooLarge => "MessageSizeTooLarge",
            ErrorName::UnknownTopicOrPartition => "UnknownTopicOrPartition",
            ErrorName::NotEnoughReplicas => "NotEnoughReplicas",
            ErrorName::Other(name) => name.as_str(),
        }
    }

    /// What the failure means, in `lang`; `None` for a name the playground does not word
    /// (librdkafka's own message says it then).
    pub fn words(&self, lang: Lang) -> Option<&'static str> {
        let (en, fr) = match self {
            ErrorName::MessageTimedOut => (
                "not delivered within message.timeout.ms (is a broker down?)",
                "non livré dans le délai message.timeout.ms (un broker est-il arrêté ?)",
            ),
            ErrorName::QueueFull => (
                "the producer's local queue is full; wait for deliveries or slow down",
                "la file locale du producer est pleine ; attendez les livraisons ou ralentissez",
            ),
            ErrorName::CircuitOpen => {
                ("not sent: the circuit breaker was open", "non envoyé : le disjoncteur était ouvert")
            }
            ErrorName::MessageSizeTooLarge => {
                ("too large for the broker (message.max.bytes)", "trop gros pour le broker (message.max.bytes)")
            }
            ErrorName::UnknownTopicOrPartition => {
                ("the topic or partition does not exist", "le topic ou la partition n'existe pas")
            }
            ErrorName::NotEnoughReplicas => (
                "too few in-sync replicas for acks=all (min.insync.replicas)",
                "trop peu de réplicas synchronisés pour acks=all (min.insync.replicas)",
            ),
            // A purge fails a closing session's messages: no page is there to read it.
            ErrorName::PurgeQueue | ErrorName::PurgeInflight | ErrorName::Other(_) => return None,
        };
        Some(match lang {
            Lang::En => en,
            Lang::Fr => fr,
        })
    }
}

impl From<String> for ErrorName {
    fn from(name: String) -> Self {
        ErrorName::NAMED.into_iter().find(|named| named.as_str() == name).unwrap_or(ErrorName::Other(name))
    }
}

impl From<&str> for ErrorName {
    fn from(name: &str) -> Self {
        ErrorName::from(name.to_owned())
    }
}

impl From<ErrorName> for String {
    fn from(name: ErrorName) -> Self {
        name.as_str().to_owned()
    }
}

impl std::fmt::Display for ErrorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What the server tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::VariantNames)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Event {
    /// First frame of every connection: what cluster this is and what it has.
    Hello(Hello),
    /// A run was accepted and starts now.
    RunStarted {
        /// The run's number within this session, from 1.
        run: u64,
        /// The topic it sends to.
        topic: String,
        /// How many messages it will send.
        count: u32,
        /// Sync or pipelined.
        mode: RunMode,
    },
    /// One message's delivery report: the broker has it.
    Delivered(Delivered),
    /// The instructor started this trainee's lab progress again: the page clears its
    /// checklist, quiz and exercises.
    ProgressReset,
    /// One message's delivery report: it failed, with the reason.
    Failed(Failed),
    /// A live run's exact totals and latency percentiles, about every 50 ms.
    Stats(RunStats),
    /// The run is over: every message sent has its outcome and the producer was flushed.
    RunFinished(RunFinished),
    /// A line from librdkafka's log or error callback (the lab's SetLogHandler and
    /// SetErrorHandler).
    Log(LogLine),
    /// A command was refused or something went wrong; the connection stays usable.
    Error(ErrorEvent),
    /// librdkafka's statistics for this session's producer, about every second.
    ProducerStats(ProducerStats),
    /// The embedded cluster's brokers and faults, sent after `hello` and to every page
    /// whenever they change.
    Cluster(ClusterState),
    /// Records read back by `consume`.
    Records(Records),
    /// A run's circuit breaker changed state.
    Circuit(CircuitChange),
    /// The server knows the trainee by this name now.
    Joined {
        /// The name.
        name: String,
        /// Their own topic, on a server with a topic per trainee: `orders.created` in a
        /// command stands for it.
        topic: Option<String>,
    },
    /// A message from the instructor to the whole class.
    Broadcast {
        /// What the instructor wrote.
        text: String,
    },
    /// Several events in one frame, in order: how the server keeps up under load.
    Batch {
        /// The events.
        events: Vec<Event>,
    },
}

/// A live run's figures. Counts are exact; latencies come from a histogram.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// The run.
    pub run: u64,
    /// Messages handed to the producer so far.
    pub sent: u64,
    /// Messages delivered so far.
    pub delivered: u64,
    /// Messages failed so far.
    pub failed: u64,
    /// Messages sent and still without an outcome.
    pub in_flight: u64,
    /// Outcomes per second since the run started.
    pub msgs_per_sec: f64,
    /// Median delivery latency, in microseconds.
    pub p50_us: u64,
    /// 95th percentile latency, in microseconds.
    pub p95_us: u64,
    /// 99th percentile latency, in microseconds.
    pub p99_us: u64,
    /// Largest latency, in microseconds.
    pub max_us: u64,
    /// Delivered messages per partition.
    pub per_partition: Vec<u64>,
    /// Since the run started, in milliseconds.
    pub elapsed_ms: u64,
    /// Per-message details not sent to the page: past the detail cap (then only a
    /// sample is sent) or because the page fell behind. The counts stay exact.
    pub details_skipped: u64,
    /// The circuit breaker's state, when the run has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit: Option<CircuitState>,
    /// For a paced run (a rate), the latency from each message's intended send time
    /// rather than from when it was sent: a producer that falls behind its schedule (a
    /// sync loop waiting on a slow broker, a full queue) shows here, where the latency
    /// from the send hides it (coordinated omission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_intended: Option<Percentiles>,
}

/// Latency percentiles, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50_us: u64,
    /// 95th percentile.
    pub p95_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// Largest.
    pub max_us: u64,
}

/// One broker as the producer sees it, from librdkafka's statistics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerStats {
    /// The broker's node id (-1 for the bootstrap connections).
    pub id: i32,
    /// librdkafka's connection state, such as `UP`, `DOWN`, `CONNECT`.
    pub state: String,
    /// Average round-trip time of requests, in microseconds, over the last interval.
    pub rtt_avg_us: i64,
    /// 99th percentile round-trip time, in microseconds.
    pub rtt_p99_us: i64,
    /// Average time a message waited in the producer's partition queue (linger,
    /// batching) before going into a request, in microseconds, over the last interval
    /// (librdkafka's `int_latency`).
    #[serde(default)]
    pub queue_latency_avg_us: i64,
    /// Average time a request waited to be sent (librdkafka's `outbuf_latency`), in
    /// microseconds, over the last interval.
    #[serde(default)]
    pub send_wait_avg_us: i64,
    /// Messages behind `queue_latency_avg_us` (those put into produce requests over the
    /// interval): 0 for a broker that only answered metadata requests.
    #[serde(default)]
    pub queued_samples: i64,
    /// Requests sent and awaiting an answer.
    pub in_flight_requests: i64,
    /// Requests waiting to be sent.
    pub queued_requests: i64,
    /// Requests retried since the producer started.
    pub retries: u64,
    /// Requests that timed out since the producer started.
    pub timeouts: u64,
}

/// A producer's statistics (librdkafka's `statistics.interval.ms` callback).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStats {
    /// librdkafka's name for this producer instance (`client.id#producer-N`): a new name
    /// means the session built a new producer, which it does only when settings change.
    pub producer: String,
    /// Messages in the producer's local queue, waiting or in flight.
    pub queued_messages: u64,
    /// Average batch size in bytes over the last interval, across topics.
    pub batch_size_avg: i64,
    /// Average messages per batch over the last interval, across topics.
    pub batch_count_avg: i64,
    /// Each broker, by id.
    pub brokers: Vec<BrokerStats>,
}

/// A broker as the fault panel sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerState {
    /// The broker's id.
    pub id: i32,
    /// False after `broker_down`.
    pub up: bool,
    /// Delay added to its answers, in milliseconds.
    pub rtt_ms: u32,
    /// On Apache Kafka started by the playground, its process: running, paused or
    /// stopped (a broker running but not yet, or no longer, in the metadata is not `up`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<BrokerProcess>,
}

/// A broker's process on Apache Kafka started by the playground.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerProcess {
    /// Running.
    Running,
    /// Frozen by SIGSTOP.
    Paused,
    /// Not running (stopped, crashed, or still starting its JVM).
    Stopped,
}

/// The cluster's brokers, leaders and in-sync replicas, and the faults switched on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterState {
    /// Which faults this cluster takes; none on an external cluster.
    pub faults: Option<FaultKind>,
    /// The brokers.
    pub brokers: Vec<BrokerState>,
    /// Leader broker of each partition of the lab's topic (-1: none).
    pub leaders: Vec<i32>,
    /// In-sync replicas of each partition of the lab's topic, as the cluster's metadata
    /// says; empty on the embedded cluster, which does not replicate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub isr: Vec<Vec<i32>>,
    /// Produce errors injected and not yet all answered, as the last command set them.
    pub injected: Option<(ProduceError, u32)>,
    /// When this is a trainee's own cluster (on the embedded cluster, a trainee's first
    /// fault starts one, so that their faults cost no one else a run): its address and
    /// the instructor's faults it carries for the class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own: Option<OwnCluster>,
    /// Who switched on the last fault of this cluster, when the page can be told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_by: Option<SetBy>,
}

/// The WebSocket close code of a connection whose session went on on a newer connection
/// of the same page (its key): that page does not reconnect.
pub const CLOSE_SESSION_ELSEWHERE: u16 = 4000;

/// A trainee's own embedded cluster, as their page sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnCluster {
    /// Where Kafka tools reach it (kcat, say).
    pub bootstrap_servers: String,
    /// Brokers down or slowed by the instructor, for the whole class: the trainee cannot
    /// undo that.
    pub instructor_brokers: Vec<i32>,
}

/// Who switched a fault on: `"instructor"`, or `{"trainee": "Zoé"}` (`null` for a trainee
/// with no name yet). Externally tagged: an internally tagged enum costs the page's
/// WebAssembly a buffer of its content and more code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetBy {
    /// The instructor, for the whole class.
    Instructor,
    /// A trainee, by name when they gave one.
    Trainee(Option<String>),
}

/// A record read back from a topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its key, as text (lossy if not UTF-8).
    pub key: Option<String>,
    /// Its value, as text (lossy if not UTF-8).
    pub value: Option<String>,
    /// Its headers, name and value as text.
    pub headers: Vec<(String, String)>,
    /// Its timestamp in Unix milliseconds, if it has one.
    pub timestamp_ms: Option<i64>,
    /// `create_time` or `log_append_time`.
    pub timestamp_type: Option<String>,
}

/// What `consume` read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Records {
    /// The `consume` command's tag, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The topic read.
    pub topic: String,
    /// The records, by partition then offset.
    pub records: Vec<Record>,
    /// True when the topic held more than `max` records.
    pub truncated: bool,
}

/// A librdkafka log line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// `error`, `warning`, `info` or `debug`.
    pub level: String,
    /// librdkafka's facility, such as `FAIL` or `REQTMOUT`; `ERROR` for the error callback.
    pub facility: String,
    /// The line.
    pub message: String,
}

/// Which kind of cluster the server talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterMode {
    /// librdkafka's mock cluster inside the server: no replication, acks ignored, fake
    /// LogAppendTime.
    Embedded,
    /// A real Kafka cluster given by `--bootstrap-servers`.
    External,
    /// Apache Kafka that the playground started on this machine (`--local-kafka`): real
    /// replication, and faults on its brokers' processes.
    Local,
}

/// A broker of the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerInfo {
    /// The broker's node id.
    pub id: i32,
    /// Host it listens on.
    pub host: String,
    /// Port it listens on.
    pub port: i32,
}

/// A topic and its partitions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicInfo {
    /// Topic name.
    pub name: String,
    /// Number of partitions.
    pub partitions: i32,
}

/// A delivered message, as its delivery report told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    /// The run it belongs to.
    pub run: u64,
    /// Its number in the run, from 1.
    pub seq: u64,
    /// Its key, if it had one.
    pub key: Option<String>,
    /// The topic it was written to.
    pub topic: String,
    /// The partition it was written to.
    pub partition: i32,
    /// Its offset in the partition; `None` with acks=0, where the broker does not answer.
    pub offset: Option<i64>,
    /// The message's CreateTime, set by the producer, in Unix milliseconds.
    pub timestamp_ms: i64,
    /// The broker's LogAppendTime when the topic uses it. The embedded cluster always
    /// answers a synthetic 1234.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_append_time_ms: Option<i64>,
    /// From handing the message to the producer to its delivery report, by the server's
    /// clock, in microseconds.
    pub latency_us: u64,
    /// When the delivery report reached the server, in Unix microseconds: on one machine,
    /// a client's clock minus this is how long the report took to reach it (the
    /// benchmarks measure the playground's own latency so).
    #[serde(default)]
    pub reported_us: u64,
}

/// Whether a failed message may still have been written (librdkafka's message status).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// Never reached a broker: safe to send again.
    NotPersisted,
    /// Sent, but no answer came: it may be in the log, and a resend may duplicate it.
    PossiblyPersisted,
    /// The broker wrote it.
    Persisted,
}

/// A message that failed, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failed {
    /// The run it belongs to.
    pub run: u64,
    /// Its number in the run, from 1.
    pub seq: u64,
    /// Its key, if it had one.
    pub key: Option<String>,
    /// librdkafka's error name, such as `MessageTimedOut`.
    pub error: ErrorName,
    /// The error in words.
    pub message: String,
    /// Whether the error is of a kind that retrying can cure (the producer retried
    /// already, up to message.send.max.retries and message.timeout.ms).
    pub retriable: bool,
    /// Whether the message may have been written anyway.
    pub persistence: Persistence,
    /// From handing the message to the producer to its failure, in microseconds.
    pub latency_us: u64,
}

/// A run's totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFinished {
    /// The run.
    pub run: u64,
    /// Messages handed to the producer.
    pub sent: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Messages failed; `sent = delivered + failed`.
    pub failed: u64,
    /// From the run's start to the end of the flush, in milliseconds.
    pub elapsed_ms: u64,
    /// True when a `stop` command ended the run early.
    pub stopped: bool,
}

/// A circuit breaker's change of state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitChange {
    /// The run.
    pub run: u64,
    /// The new state.
    pub state: CircuitState,
    /// Failures in a row when it changed.
    pub failures: u32,
    /// Since the run started, in milliseconds.
    pub at_ms: u64,
}

/// A refused command or a server-side problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// What went wrong, in plain English words (the page shows `problem` in its language).
    pub message: String,
    /// What went wrong, as a code with parameters.
    pub problem: Problem,
    /// The fields at fault, so the page can mark them; empty when it is not about a field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl ErrorEvent {
    /// An error about no field in particular.
    pub fn new(problem: Problem) -> Self {
        Self { message: problem.text(Lang::En), problem, fields: Vec::new() }
    }

    /// A command refused for one field, which the page marks.
    pub fn at_field(field: &str, problem: Problem) -> Self {
        let fields = vec![FieldError::new(field, problem.clone())];
        Self { message: problem.text(Lang::En), problem, fields }
    }

    /// A produce request refused for its fields.
    pub fn fields(fields: Vec<FieldError>) -> Self {
        let message = fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; ");
        Self { message, problem: Problem::InvalidRequest { fields: fields.len() }, fields }
    }
}
