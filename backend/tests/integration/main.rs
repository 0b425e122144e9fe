//! The playground's integration tests, one binary with a module each: real servers on
//! port 0, real WebSockets and HTTP, rdkafka over TCP to the embedded cluster (or to
//! Apache Kafka), and Chromium through WebDriver. One binary, so librdkafka is linked
//! once for all of them.
//!
//! `cargo test` runs those that need nothing installed. The ignored ones need more and
//! are run by `cargo xtask test`, a module at a time: `browser::` (Chromium and the
//! built page), `real_kafka::` and `servers::` (Apache Kafka).
//!
//! Tests that measure this process's threads or memory run in a process of their own
//! (`rusty_fork_test!`): the tests beside them in this one would show in their figures.

mod common;

mod browser;
mod class;
mod cli;
mod compose;
mod cycles;
mod engine;
mod external;
mod foundation;
mod hostile;
mod real_kafka;
mod served;
mod servers;
mod tls;
mod workshop;
