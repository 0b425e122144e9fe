//! The WebSocket protocol (`GET /ws`) and the `/api/health` answer.
//!
//! Every frame is a JSON text frame holding one [`Command`] (page to server) or one
//! [`Event`] (server to page), tagged by `"type"`. `docs/protocol.md` shows an example of
//! each.

use serde::{Deserialize, Serialize};

use crate::problem::{Lang, Problem};
use crate::settings::{FieldError, ProducerSettings};

/// Bumped when a message changes shape, so a stale page can say it needs a reload.
pub const PROTOCOL_VERSION: u32 = 6;

/// Largest count one run may ask for.
pub const MAX_COUNT: u32 = 1_000_000;

/// Longest accepted key or value template, in bytes.
pub const MAX_TEMPLATE_LEN: usize = 64 * 1024;

/// What the page asks the server to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Send `count` messages the lab's way: one at a time, awaiting each delivery report.
    Produce(ProduceRequest),
    /// Stop the running run: nothing more is sent; messages in flight still get an outcome.
    Stop,
    /// Read a topic back (the lab's step 7, "verify"), from the beginning or from given
    /// offsets.
    Consume {
        /// The topic to read.
        topic: String,
        /// The most records to return, 1 to [`MAX_CONSUME`].
        max: u32,
        /// The partitions to read and where to start (and stop) in each; empty reads every
        /// partition from its beginning.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        from: Vec<StartAt>,
        /// Echoed in the `records` answer, so the page knows which question it answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tag: Option<String>,
    },
    /// Read one record back: the delivery table's details, Resend and Edit as new.
    Fetch {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The offset.
        offset: i64,
    },
    /// The trainee's name (kept in the browser): the instructor sees it, and on a server
    /// with a topic per trainee it picks their topic, `orders.created.<name>`.
    Join {
        /// 1 to [`MAX_NAME_LEN`] letters, digits, `-` or `_`.
        name: String,
    },
    /// The lab's progress on this page, for the instructor's view: the checklist's ticks
    /// and the exercises passed, by their ids, and what was tried and did not pass yet.
    Progress {
        /// Ids of what is done, such as `connected` or `exercise:spread`.
        done: Vec<String>,
        /// Checks tried that did not pass, each with its short answer.
        #[serde(default)]
        failed: Vec<FailedCheck>,
    },
    /// One of the page's experiments ended: its runs' figures, for the class comparison
    /// on the instructor's view.
    Experiment {
        /// The experiment and its runs.
        result: ExperimentResult,
    },
    /// A fault on the embedded cluster: `{"type":"fault","fault":{"type":"broker_down"}}`.
    /// Faults are an enum of their own, so that where only a fault is meant (the
    /// cluster's `fault`, the instructor's API) nothing else can be passed.
    Fault {
        /// The fault.
        fault: Fault,
    },
}

/// A checklist item or exercise a trainee tried that did not pass, with the check's short
/// answer in both languages (the instructor's page has a language of its own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedCheck {
    /// The item's id, as in `done`.
    pub id: String,
    /// The short answer, in English.
    pub en: String,
    /// The short answer, in French.
    pub fr: String,
}

/// Longest short answer of a failed check, in bytes.
pub const MAX_ANSWER_LEN: usize = 240;

/// The page's one-click experiments: the same messages sent once per setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Experiment {
    /// acks=0, acks=1, acks=all; and all with idempotence when asked.
    AcksLadder,
    /// linger.ms 0, 5 and 50.
    Linger,
    /// Sync against pipelined.
    SyncOrPipelined,
}

impl Experiment {
    /// Every experiment, in the order the pages list them.
    pub const ALL: [Experiment; 3] = [Experiment::AcksLadder, Experiment::Linger, Experiment::SyncOrPipelined];
}

/// What one experiment of a trainee's page came to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExperimentResult {
    /// Which experiment.
    pub experiment: Experiment,
    /// Its runs, in the order they were sent: at most [`MAX_EXPERIMENT_RUNS`].
    pub runs: Vec<ExperimentRun>,
}

/// Most runs one experiment has (the acks ladder with idempotence).
pub const MAX_EXPERIMENT_RUNS: usize = 4;

/// One run of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExperimentRun {
    /// The setting that run had, as Kafka names it: `acks=all`, `linger.ms=5`,
    /// `mode=sync`; at most [`MAX_SETTING_LEN`] bytes.
    pub setting: String,
    /// Messages sent.
    pub sent: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Messages failed.
    pub failed: u64,
    /// Messages per second, from the first send to the last outcome.
    pub msgs_per_sec: f64,
    /// Median latency, µs.
    pub p50_us: u64,
    /// 99th percentile latency, µs.
    pub p99_us: u64,
}

/// Longest setting name of an experiment's run.
pub const MAX_SETTING_LEN: usize = 40;

/// A fault a cluster can be made to show, by a trainee's page or by the instructor for
/// the whole class (`POST /api/instructor/fault`): the embedded cluster's (librdkafka's
/// mock switches them), or a broker process's on Apache Kafka started by the playground
/// (signals to the broker's JVM). [`Fault::kind`] says which.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fault {
    /// Take a broker down, or every broker when `broker` is `None`.
    BrokerDown {
        /// The broker's id, or `None` for all.
        #[serde(default)]
        broker: Option<i32>,
    },
    /// Bring a broker back, or every broker when `broker` is `None`.
    BrokerUp {
        /// The broker's id, or `None` for all.
        #[serde(default)]
        broker: Option<i32>,
    },
    /// Delay every answer of a broker (or all) by `ms` milliseconds.
    SetRoundTripTime {
        /// The broker's id, or `None` for all.
        #[serde(default)]
        broker: Option<i32>,
        /// The delay, 0 to [`MAX_RTT_MS`].
        ms: u32,
    },
    /// Answer the next `count` produce requests with `error`.
    InjectErrors {
        /// The error the brokers answer.
        error: ProduceError,
        /// How many produce requests fail, 1 to [`MAX_INJECTED`].
        count: u32,
    },
    /// Move a partition of the lab's topic to another leader.
    MovePartitionLeader {
        /// The partition.
        partition: i32,
        /// Its new leader.
        broker: i32,
    },
    /// Apache Kafka on this machine: stop a broker's process.
    StopBroker {
        /// The broker's id.
        broker: i32,
        /// A controlled shutdown (SIGTERM) or a crash (SIGKILL).
        how: Shutdown,
    },
    /// Apache Kafka on this machine: start a stopped broker again.
    StartBroker {
        /// The broker's id.
        broker: i32,
    },
    /// Apache Kafka on this machine: freeze a broker's process (SIGSTOP). Its sockets stay
    /// open and it answers nothing: its followers fall behind, and the controller fences
    /// it once its heartbeats stop for broker.session.timeout.ms.
    PauseBroker {
        /// The broker's id.
        broker: i32,
    },
    /// Apache Kafka on this machine: let a paused broker run again (SIGCONT).
    ResumeBroker {
        /// The broker's id.
        broker: i32,
    },
    /// Apache Kafka on this machine: the broker writes the next `count` produce requests
    /// of the playground's producers, and each response is lost on the way back with
    /// its connection (a proxy in front of the broker drops it and closes). The producer
    /// retries: a duplicate, unless it is idempotent.
    LoseProduceResponses {
        /// The broker's id.
        broker: i32,
        /// How many responses, 1 to [`MAX_INJECTED`].
        count: u32,
    },
    /// Apache Kafka on this machine: the next `count` produce requests of the
    /// playground's producers are lost before the broker sees them, and their connection
    /// closed 0.5 s later. The producer retries them behind the requests it sent after
    /// them, unless it is idempotent.
    LoseProduceRequests {
        /// The broker's id.
        broker: i32,
        /// How many requests, 1 to [`MAX_INJECTED`].
        count: u32,
    },
    /// Every broker up, no delay, no injected errors (on Apache Kafka: every broker
    /// resumed and started, nothing more lost).
    ResetFaults,
}

/// How a broker's process is stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shutdown {
    /// SIGTERM: Kafka's controlled shutdown moves the broker's leaders away first.
    Controlled,
    /// SIGKILL: no goodbye; the controller notices after broker.session.timeout.ms.
    Crash,
}

/// Which faults a cluster takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// librdkafka's mock: brokers down and up, delays, injected errors, leaders moved.
    Mock,
    /// Apache Kafka on this machine: its brokers' processes (stop, crash, pause, resume,
    /// start) and the producers' connections to them (produce requests or responses lost).
    Process,
}

impl Fault {
    /// Which cluster takes this fault; `None`: both (reset).
    pub fn kind(&self) -> Option<FaultKind> {
        match self {
            Fault::BrokerDown { .. }
            | Fault::BrokerUp { .. }
            | Fault::SetRoundTripTime { .. }
            | Fault::InjectErrors { .. }
            | Fault::MovePartitionLeader { .. } => Some(FaultKind::Mock),
            Fault::StopBroker { .. }
            | Fault::StartBroker { .. }
            | Fault::PauseBroker { .. }
            | Fault::ResumeBroker { .. }
            | Fault::LoseProduceResponses { .. }
            | Fault::LoseProduceRequests { .. } => Some(FaultKind::Process),
            Fault::ResetFaults => None,
        }
    }
}

impl From<Fault> for Command {
    fn from(fault: Fault) -> Self {
        Command::Fault { fault }
    }
}

/// Most records one `consume` returns.
pub const MAX_CONSUME: u32 = 10_000;

/// Largest round-trip time a fault may add, in milliseconds.
pub const MAX_RTT_MS: u32 = 60_000;

/// Most produce errors one command may inject.
pub const MAX_INJECTED: u32 = 1_000;

/// Errors a broker can be made to answer to produce requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProduceError {
    /// Fewer in-sync replicas than min.insync.replicas (retriable).
    NotEnoughReplicas,
    /// Written, but then too few replicas (retriable; may duplicate without idempotence).
    NotEnoughReplicasAfterAppend,
    /// The partition has no leader right now (retriable).
    LeaderNotAvailable,
    /// This broker is not the partition's leader (retriable).
    NotLeaderForPartition,
    /// The broker timed out waiting for replicas (retriable).
    RequestTimedOut,
    /// The broker's disk failed (retriable).
    KafkaStorageError,
    /// The message is larger than the broker accepts (not retriable).
    MessageTooLarge,
    /// The producer may not write this topic (not retriable).
    TopicAuthorizationFailed,
}

/// How a run sends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    /// One message at a time, awaiting each delivery report: the lab's loop.
    #[default]
    Sync,
    /// Many in flight, delivery reports awaited by a callback: Exercise 5 done right.
    Pipelined,
}

impl RunMode {
    /// Its name on the wire and in the page's tables: `sync` or `pipelined`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::Sync => "sync",
            RunMode::Pipelined => "pipelined",
        }
    }
}

/// A header of each message: name and value template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderTemplate {
    /// Header name.
    pub name: String,
    /// Template of its value (see [`crate::template`]).
    pub value: String,
}

/// Most headers per message.
pub const MAX_HEADERS: usize = 32;

/// A run to produce.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProduceRequest {
    /// The topic to send to.
    pub topic: String,
    /// How many messages, 1 to [`MAX_COUNT`].
    pub count: u32,
    /// The producer configuration.
    #[serde(default)]
    pub settings: ProducerSettings,
    /// Template of each message's key; `None` sends messages without a key.
    #[serde(default)]
    pub key_template: Option<String>,
    /// Template of each message's value (see [`crate::template`]).
    pub value_template: String,
    /// Each message's headers; the lab's are `correlation-id` and `source`.
    #[serde(default = "lab_headers")]
    pub headers: Vec<HeaderTemplate>,
    /// A partition for every message; `None` lets the partitioner choose.
    #[serde(default)]
    pub partition: Option<i32>,
    /// Sync (the lab's loop) or pipelined.
    #[serde(default)]
    pub mode: RunMode,
    /// A target rate in messages per second; `None` sends as fast as the mode allows.
    #[serde(default)]
    pub rate: Option<u32>,
    /// A circuit breaker around the producer (the lab's Exercise 6); `None` sends every
    /// message to Kafka.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<CircuitBreaker>,
}

/// Where a `consume` starts reading one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartAt {
    /// The partition.
    pub partition: i32,
    /// The first offset to read.
    pub offset: i64,
    /// Where to stop, exclusive; `None` reads to the partition's end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
}

/// A circuit breaker's settings: after `failure_threshold` failures in a row it opens and
/// fails messages at once, without sending them; after `open_ms` it lets one trial
/// message through (half-open): delivered closes it, failed opens it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreaker {
    /// Failures in a row that open the circuit, 1 to 1000.
    pub failure_threshold: u32,
    /// How long the circuit stays open before a trial, in ms, 100 to 600000.
    pub open_ms: u32,
}

impl Default for CircuitBreaker {
    /// The lab's: 3 failures, 5 seconds open.
    fn default() -> Self {
        Self { failure_threshold: 3, open_ms: 5_000 }
    }
}

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

/// The lab's headers: a fresh `correlation-id` per message and the `source`.
pub fn lab_headers() -> Vec<HeaderTemplate> {
    vec![
        HeaderTemplate { name: crate::lab::HEADER_CORRELATION_ID.to_owned(), value: "{uuid}".to_owned() },
        HeaderTemplate { name: crate::lab::HEADER_SOURCE.to_owned(), value: crate::lab::SOURCE.to_owned() },
    ]
}

/// Largest target rate, in messages per second.
pub const MAX_RATE: u32 = 1_000_000;

impl ProduceRequest {
    /// The lab's run: 10 orders to `orders.created` with the lab's settings.
    pub fn lab() -> Self {
        Self {
            topic: crate::lab::TOPIC.to_owned(),
            count: crate::lab::COUNT,
            settings: ProducerSettings::default(),
            // `ProducerBuilder<Null, string>`: no key.
            key_template: None,
            value_template: crate::lab::VALUE_TEMPLATE.to_owned(),
            headers: lab_headers(),
            partition: None,
            mode: RunMode::Sync,
            rate: None,
            circuit_breaker: None,
        }
    }

    /// Every problem with the request, field by field, before any client is created.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = self.settings.validate();
        let mut field = |field: &str, problem: Problem| errors.push(FieldError::new(field, problem));
        let range = |name: &str, max: u64, got: u64| Problem::OutOfRange {
            field: name.to_owned(),
            min: 1,
            max: max as i64,
            got: got.min(i64::MAX as u64) as i64,
        };
        if self.count == 0 || self.count > MAX_COUNT {
            field("count", range("count", MAX_COUNT.into(), self.count.into()));
        }
        if let Some(problem) = topic_error(&self.topic) {
            field("topic", problem);
        }
        if let Some(p) = self.partition
            && p < 0
        {
            field("partition", Problem::Negative { field: "partition".into(), got: p.into() });
        }
        if let Some(rate) = self.rate
            && (rate == 0 || rate > MAX_RATE)
        {
            field("rate", range("rate", MAX_RATE.into(), rate.into()));
        }
        let templates =
            [("key_template", self.key_template.as_deref()), ("value_template", Some(&self.value_template))];
        for (name, template) in templates {
            let Some(template) = template else { continue };
            if let Err(problem) = check_template(name, template) {
                field(name, problem);
            }
        }
        if let Some(breaker) = self.circuit_breaker {
            if !(1..=1000).contains(&breaker.failure_threshold) {
                let got = breaker.failure_threshold.into();
                field(
                    "failure_threshold",
                    Problem::OutOfRange { field: "failure_threshold".into(), min: 1, max: 1000, got },
                );
            }
            if !(100..=600_000).contains(&breaker.open_ms) {
                let got = breaker.open_ms.into();
                field("open_ms", Problem::OutOfRange { field: "open_ms".into(), min: 100, max: 600_000, got });
            }
        }
        if self.headers.len() > MAX_HEADERS {
            field("headers", Problem::TooManyHeaders { max: MAX_HEADERS, got: self.headers.len() });
        }
        for (n, header) in self.headers.iter().enumerate() {
            let name = format!("headers[{n}]");
            if header.name.trim().is_empty() || header.name.len() > 255 {
                field(&name, Problem::HeaderName);
            } else if let Err(problem) = check_template(&header.name, &header.value) {
                field(&name, problem);
            }
        }
        errors
    }
}

/// Why `topic` is not a valid Kafka topic name, if it is not.
pub fn topic_error(topic: &str) -> Option<Problem> {
    let ok = !topic.is_empty()
        && topic.len() <= 249
        && topic.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    (!ok).then_some(Problem::TopicName)
}

/// Longest trainee name, in letters (the server's `names` says what a name may be).
pub const MAX_NAME_LEN: usize = 32;

/// Why a `consume` or `fetch` cannot be carried out, if it cannot.
pub fn read_error(topic: &str, partition: i32, offset: i64) -> Option<Problem> {
    topic_error(topic)
        .or_else(|| (partition < 0).then(|| Problem::Negative { field: "partition".into(), got: partition.into() }))
        .or_else(|| (offset < 0).then(|| Problem::Negative { field: "offset".into(), got: offset }))
}

fn check_template(name: &str, template: &str) -> Result<(), Problem> {
    if template.len() > MAX_TEMPLATE_LEN {
        return Err(Problem::TooLong { field: name.to_owned(), max: MAX_TEMPLATE_LEN });
    }
    crate::template::Template::parse(template)
        .map(|_| ())
        .map_err(|problem| Problem::Template { field: name.to_owned(), problem })
}

/// What the server tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
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

/// The cluster as the server sees it, sent in [`Event::Hello`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`] of the server.
    pub protocol: u32,
    /// Embedded (mock) or external cluster.
    pub mode: ClusterMode,
    /// Where Kafka tools can reach the same cluster (for kcat and friends).
    pub bootstrap_servers: String,
    /// The cluster's brokers.
    pub brokers: Vec<BrokerInfo>,
    /// The cluster's topics.
    pub topics: Vec<TopicInfo>,
    /// What a session may do on this server.
    #[serde(default)]
    pub limits: Limits,
    /// This session's key: a page that lost its connection opens `/ws?resume=<key>` to
    /// find its session (its producer and its run) again.
    #[serde(default)]
    pub session: String,
    /// True when this connection found an existing session again.
    #[serde(default)]
    pub resumed: bool,
    /// True when each trainee produces to their own topic (`--topic-per-trainee`).
    #[serde(default)]
    pub topic_per_trainee: bool,
}

/// What a session may do on this server, set by its flags for a workshop: sent in `hello`,
/// and a command beyond one is refused with a `limit` problem naming it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Sessions (browser tabs) at once.
    pub sessions: u32,
    /// Sessions at once from one client address: a classroom behind one NAT shares one.
    pub sessions_per_address: u32,
    /// Messages in one run.
    pub messages_per_run: u32,
    /// Bytes of one message: key, value and headers as rendered.
    pub message_bytes: u32,
    /// Messages per second of one session; `None`: as fast as the producer goes.
    pub rate: Option<u32>,
    /// Bytes of one WebSocket frame from the page.
    pub frame_bytes: u32,
    /// Messages in flight (sent, no outcome yet) across every session: past it, sends
    /// wait for deliveries.
    pub in_flight: u32,
    /// Messages in flight of one session, a share of `in_flight`: a trainee whose
    /// messages wait for a broker that is down holds no more, so others still send.
    pub in_flight_per_session: u32,
    /// Whether trainees may switch faults on; if not, only the instructor does, for the
    /// whole class.
    pub trainee_faults: bool,
    /// Trainees' own topics this server creates at most (`--topic-per-trainee`).
    pub trainee_topics: u32,
}

impl Default for Limits {
    /// One trainee on their own machine: what the protocol allows.
    fn default() -> Self {
        Self {
            sessions: 250,
            // A class of 30 behind one NAT, two tabs each, fits; one machine cannot take
            // the whole server's 250.
            sessions_per_address: 64,
            messages_per_run: MAX_COUNT,
            message_bytes: 1_000_000,
            rate: None,
            frame_bytes: 256 * 1024,
            in_flight: 200_000,
            // A quarter: four trainees stuck on a broker that is down leave nothing, but
            // one pipelined run of the lab's batching exercise is not slowed (librdkafka
            // queues 100,000 messages at most by default, and a run waits on that first).
            in_flight_per_session: 50_000,
            trainee_faults: true,
            // Two for each session of the default 250: a class's names, and a few renames.
            trainee_topics: 500,
        }
    }
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

/// The answer of `GET /api/health`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when the cluster answered a metadata request.
    pub status: String,
    /// Embedded or external cluster.
    pub mode: ClusterMode,
    /// Where Kafka tools can reach the cluster.
    pub bootstrap_servers: String,
    /// The cluster's brokers.
    pub brokers: Vec<BrokerInfo>,
    /// The cluster's topics with their partition counts.
    pub topics: Vec<TopicInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_tagged_by_type() {
        let json = serde_json::to_value(Command::Produce(ProduceRequest::lab())).unwrap();
        assert_eq!(json["type"], "produce");
        assert_eq!(json["topic"], "orders.created");
        assert_eq!(json["settings"]["acks"], "all");
        let back: Command = serde_json::from_value(json).unwrap();
        assert_eq!(back, Command::Produce(ProduceRequest::lab()));
        assert_eq!(serde_json::from_str::<Command>(r#"{"type":"stop"}"#).unwrap(), Command::Stop);
    }

    #[test]
    fn unknown_fields_and_types_are_refused() {
        let extra = r#"{"type":"produce","topic":"t","count":1,"value_template":"x","linger":5}"#;
        assert!(serde_json::from_str::<Command>(extra).unwrap_err().to_string().contains("linger"));
        let raw = r#"{"type":"produce","topic":"t","count":1,"value_template":"x","settings":{"plugin.library.paths":"/tmp/x.so"}}"#;
        assert!(serde_json::from_str::<Command>(raw).is_err());
        assert!(serde_json::from_str::<Command>(r#"{"type":"format_disk"}"#).is_err());
    }

    #[test]
    fn lab_request_is_valid_and_bad_one_names_fields() {
        assert!(ProduceRequest::lab().validate().is_empty());
        let bad = ProduceRequest {
            topic: "orders created".into(),
            count: 0,
            key_template: Some("{nope}".into()),
            ..ProduceRequest::lab()
        };
        let fields: Vec<_> = bad.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["count", "topic", "key_template"]);
    }

    #[test]
    fn lab_request_has_the_labs_headers_and_bad_headers_are_named() {
        let lab = ProduceRequest::lab();
        let names: Vec<_> = lab.headers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["correlation-id", "source"]);
        let bad = ProduceRequest {
            headers: vec![HeaderTemplate { name: "environment".into(), value: "{env}".into() }],
            partition: Some(-1),
            rate: Some(0),
            ..ProduceRequest::lab()
        };
        let fields: Vec<_> = bad.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["partition", "rate", "headers[0]"]);
        let json = r#"{"type":"produce","topic":"t","count":1,"value_template":"x"}"#;
        let Command::Produce(r) = serde_json::from_str(json).unwrap() else { unreachable!() };
        assert_eq!((r.headers, r.mode, r.rate), (lab_headers(), RunMode::Sync, None));
    }

    #[test]
    fn error_names_travel_as_librdkafkas_strings_and_are_worded_in_both_languages() {
        // Every variant but Other is in NAMED: the match is exhaustive, and each index is
        // where the variant stands in NAMED.
        let index = |name: &ErrorName| match name {
            ErrorName::MessageTimedOut => Some(0),
            ErrorName::QueueFull => Some(1),
            ErrorName::CircuitOpen => Some(2),
            ErrorName::PurgeQueue => Some(3),
            ErrorName::PurgeInflight => Some(4),
            ErrorName::MessageSizeTooLarge => Some(5),
            ErrorName::UnknownTopicOrPartition => Some(6),
            ErrorName::NotEnoughReplicas => Some(7),
            ErrorName::Other(_) => None,
        };
        for (n, name) in ErrorName::NAMED.iter().enumerate() {
            assert_eq!(index(name), Some(n));
            let json = serde_json::to_string(name).unwrap();
            assert_eq!(json, format!("\"{}\"", name.as_str()));
            assert_eq!(&serde_json::from_str::<ErrorName>(&json).unwrap(), name);
            if matches!(name, ErrorName::PurgeQueue | ErrorName::PurgeInflight) {
                continue;
            }
            let (en, fr) = (name.words(Lang::En).unwrap(), name.words(Lang::Fr).unwrap());
            assert!(!en.is_empty() && !fr.is_empty() && en != fr, "{name}");
        }
        let other: ErrorName = serde_json::from_str("\"BrokerTransportFailure\"").unwrap();
        assert_eq!(other, ErrorName::Other("BrokerTransportFailure".into()));
        assert_eq!(other, "BrokerTransportFailure");
        assert_eq!(other.words(Lang::Fr), None);
        assert_eq!(ErrorName::CircuitOpen, CIRCUIT_OPEN);
    }

    #[test]
    fn faults_are_commands_of_their_own() {
        let fault = Command::Fault { fault: Fault::BrokerDown { broker: Some(2) } };
        let json = serde_json::to_string(&fault).unwrap();
        assert_eq!(json, r#"{"type":"fault","fault":{"type":"broker_down","broker":2}}"#);
        assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), fault);
        let not_a_fault = r#"{"type":"fault","fault":{"type":"stop"}}"#;
        assert!(serde_json::from_str::<Command>(not_a_fault).unwrap_err().to_string().contains("stop"));
    }

    #[test]
    fn batches_nest_events() {
        let batch = Event::Batch {
            events: vec![
                Event::Error(ErrorEvent::new(Problem::NoRun)),
                Event::Error(ErrorEvent::new(Problem::RunInProgress)),
            ],
        };
        let json = serde_json::to_string(&batch).unwrap();
        assert!(json.starts_with(r#"{"type":"batch","events":[{"type":"error""#), "{json}");
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), batch);
    }

    #[test]
    fn events_are_tagged_by_type() {
        let e = Event::Delivered(Delivered {
            run: 1,
            seq: 1,
            key: None,
            topic: "orders.created".into(),
            partition: 3,
            offset: Some(0),
            timestamp_ms: 1,
            log_append_time_ms: None,
            latency_us: 900,
            reported_us: 0,
        });
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], "delivered");
        assert_eq!(json["partition"], 3);
        assert_eq!(serde_json::from_value::<Event>(json).unwrap(), e);
    }
}

/// The instructor's view of the class (`GET /api/instructor`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassView {
    /// Every session, connected or waiting for its page to come back.
    pub trainees: Vec<TraineeView>,
    /// Messages in flight across the server now.
    pub in_flight: u64,
    /// The highest in flight since the server started.
    pub in_flight_peak: u64,
    /// The server's limits.
    pub limits: Limits,
    /// True with `--topic-per-trainee`.
    pub topic_per_trainee: bool,
    /// The cluster's brokers and faults.
    pub cluster: ClusterState,
    /// The servers of the class, this one first, when it spans several
    /// (`--class-topic`); empty otherwise.
    #[serde(default)]
    pub servers: Vec<String>,
}

/// One session as the instructor sees it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TraineeView {
    /// The session's number on its server, from 1.
    pub id: u64,
    /// Its server's name, when the class spans several servers (`--class-topic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The trainee's name, once they gave it.
    pub name: Option<String>,
    /// False while the page is away (a dropped connection it may resume).
    pub connected: bool,
    /// Their own topic, with a topic per trainee.
    pub topic: Option<String>,
    /// Runs started in this session.
    pub runs: u64,
    /// Their current or last run's figures.
    pub run: Option<RunStats>,
    /// The current or last run's end, once it ended.
    pub finished: Option<RunFinished>,
    /// Their lab progress, as the page reported it.
    pub done: Vec<String>,
    /// What they tried that did not pass yet, with each check's short answer.
    #[serde(default)]
    pub failed: Vec<FailedCheck>,
    /// The last result of each experiment they ran.
    #[serde(default)]
    pub experiments: Vec<ExperimentResult>,
    /// Seconds since their page last sent a command (a run, a check, a fault), when
    /// this server knows: who is idle or stuck.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_secs: Option<u64>,
    /// The last problems their page was told of, newest last (at most
    /// [`TRAINEE_ERRORS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<crate::problem::Problem>,
}

/// A message for the whole class (`POST /api/instructor/broadcast`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BroadcastRequest {
    /// 1 to [`MAX_BROADCAST_LEN`] characters.
    pub text: String,
}

/// Longest broadcast.
pub const MAX_BROADCAST_LEN: usize = 500;

/// What the instructor does to one trainee (`POST /api/instructor/trainee`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraineeOrder {
    /// The trainee's session, as the class view numbers it.
    pub id: u64,
    /// What to do.
    pub change: TraineeChange,
}

/// A change the instructor makes to a trainee, carried out by the trainee's session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraineeChange {
    /// Gives the trainee this name (a typo, a name to change), checked as their own
    /// join is; with a topic per trainee, later runs go to the new name's topic.
    Rename {
        /// The new name.
        name: String,
    },
    /// Starts the trainee's lab progress again (checklist, quiz, exercises), on their
    /// page and in the grid: a machine another trainee used before, say.
    ResetProgress,
}

/// A trainee's last problems the instructor's view keeps.
pub const TRAINEE_ERRORS: usize = 3;
