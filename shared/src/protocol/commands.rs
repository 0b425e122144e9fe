//! What the page asks (`Command`): a run's request and its bounds, a read back, an
//! experiment's result, a checklist try.

use serde::{Deserialize, Serialize};

use super::*;
use crate::problem::Problem;
use crate::settings::{FieldError, ProducerSettings};

/// Largest count one run may ask for.
pub const MAX_COUNT: u32 = 1_000_000;

/// Longest accepted key or value template, in bytes.
pub const MAX_TEMPLATE_LEN: usize = 64 * 1024;

/// What the page asks the server to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::VariantNames)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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

/// Most records one `consume` returns.
pub const MAX_CONSUME: u32 = 10_000;

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
