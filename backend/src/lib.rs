//! The Kafka Producer Playground server.
//!
//! A browser opens a WebSocket; the server gives it a session that owns a real rdkafka
//! producer, runs what the page asks, and streams every message's delivery report back.
//!
//! - [`cluster`]: the Kafka cluster the playground talks to: librdkafka's mock cluster on a
//!   thread of its own (the default), or an external one; its metadata.
//! - [`producer`]: builds an rdkafka producer from typed settings and runs the lab's send
//!   loop, turning delivery reports into events.
//! - [`breaker`]: the circuit breaker a run may put around the producer (Exercise 6).
//! - [`session`]: one per browser tab; the only place that turns commands into actions.
//!   It outlives a dropped connection for a while, so a page comes back to its run.
//! - [`class`]: every session as the instructor sees it, trainee names, broadcasts, and
//!   the limit of messages in flight across sessions.
//! - [`http`]: routes (`/`, `/api/health`, `/ws`, `/api/instructor`, the built page) and
//!   the server's life.
//!
//! Only [`cluster`] and [`producer`] touch rdkafka.
#![deny(missing_docs)]

pub mod breaker;
pub mod class;
pub mod cluster;
pub mod http;
pub mod producer;
pub mod session;
