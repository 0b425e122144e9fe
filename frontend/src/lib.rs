//! The Kafka Producer Playground page, client-side rendered with Leptos.
//!
//! In the order data flows: the panels send a command through [`ws`], the server's
//! events come back through it and are folded into [`model`], which the panels draw.
//! - [`app`]: the root component and the layout; it provides the [`context`].
//! - [`context`]: what every panel shares, and how a panel sends a command.
//! - [`ws`]: the WebSocket to the server, reconnecting by itself; the events' decoder.
//! - [`model`]: the page's state and form as plain Rust, tested natively.
//! - [`lab`]: LAB 1.2A's checklist and exercises, checked from the session's real events.
//! - [`acks_ladder`]: the acks ladder on a replicating cluster, repeated until it shows.
//! - [`compare`]: runs kept and compared, the settings that differ, the experiments.
//! - [`panels`]: one module per panel (config, message, run, partitions, deliveries, cluster).
//! - [`i18n`]: English and French, every text written one way, as a pair (`t!`).
//! - [`instructor`]: the instructor's view of the class, at `/instructor`.
//! - [`export`]: the settings and send loop as C#, Rust, Java properties and kcat.
//! - [`share`]: a scenario in the URL, to hand out as a link.
//! - [`storage`]: what the page keeps in the browser or in the tab.
#![deny(missing_docs)]

pub mod acks_ladder;
pub mod acks_loss;
pub mod app;
pub mod compare;
pub mod context;
pub mod export;
pub mod i18n;
pub mod image;
pub mod instructor;
pub mod lab;
pub mod model;
pub mod panels;
pub mod share;
pub mod storage;
pub mod ws;
