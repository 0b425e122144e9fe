//! The WebSocket protocol (`GET /ws`) and the `/api/health` answer.
//!
//! Every frame is a JSON text frame holding one [`Command`] (page to server) or one
//! [`Event`] (server to page), tagged by `"type"`. `docs/protocol.md` shows an example of
//! each.
//!
//! One file per direction or part: `commands` (page to server), `faults`, `events`
//! (server to page), `instructor` (the instructor's HTTP API); the greeting, the limits
//! and the health answer here.

mod commands;
mod events;
mod faults;
mod instructor;
#[cfg(test)]
mod tests;

pub use commands::*;
pub use events::*;
pub use faults::*;
pub use instructor::*;

use serde::{Deserialize, Serialize};

/// Bumped when a message changes shape, so a stale page can say it needs a reload.
pub const PROTOCOL_VERSION: u32 = 6;

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
