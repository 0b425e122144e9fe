//! Faults: what a trainee or the instructor breaks on the cluster (a command of its own
//! kind) and its bounds.

use serde::{Deserialize, Serialize};

use super::*;

/// A fault a cluster can be made to show, by a trainee's page or by the instructor for
/// the whole class (`POST /api/instructor/fault`): the embedded cluster's (librdkafka's
/// mock switches them), or a broker process's on Apache Kafka started by the playground
/// (signals to the broker's JVM). [`Fault::kind`] says which.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::VariantNames)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
