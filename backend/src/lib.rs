//! The Kafka Producer Playground server.
//!
//! A browser opens a WebSocket; the server gives it a session that owns a real rdkafka
//! producer, runs what the page asks, and streams every message's delivery report back.
//! Its modules, in the order data flows (page command, session, run, producer, delivery
//! report, page):
//!
//! - [`http`]: the accept loop (connection caps, header timeout, TLS), routes (`/`,
//!   `/api/health`, `/ws`, `/api/instructor`, `/metrics`, the built page) and the
//!   server's life; the class code; hands each WebSocket to a session.
//! - [`origin`]: which pages and host names `/ws` and `/api` answer (another site's page,
//!   DNS rebinding), checked before a session exists.
//! - [`session`]: one per browser tab, a state machine (connected, waiting for its page,
//!   ended); the only place that turns commands into actions. It owns the tab's producer
//!   and its current run.
//! - [`run`]: one run as an owned object: its messages, the gate they pass (circuit
//!   breaker, in-flight limit), the send loop, and the tally of delivery reports. The
//!   console's `playground produce` runs the same object.
//! - [`producer`]: settings to librdkafka properties (the only place), the producer, and
//!   its delivery reports in plain words.
//! - [`cluster`]: the Kafka cluster, embedded (librdkafka's mock, with faults) or
//!   external, behind one interface: metadata, topics, read-backs.
//! - [`class`]: every session as the instructor sees it, trainee names, broadcasts, and
//!   the limit of messages in flight across sessions.
//! - [`metrics`]: the counts `/metrics` gives an operator, in the Prometheus format.
//! - [`occupancy`]: places counted in all and by address (sessions, connections).
//!
//! Only [`cluster`] and [`producer`] touch rdkafka.
#![deny(missing_docs)]

pub mod class;
pub mod cluster;
pub mod http;
pub mod metrics;
pub mod occupancy;
pub mod origin;
pub mod producer;
pub mod run;
pub mod session;
