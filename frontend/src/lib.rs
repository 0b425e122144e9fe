//! The Kafka Producer Playground page, client-side rendered with Leptos.
//!
//! - [`app`]: the root component, shared state in context, the layout.
//! - [`ws`]: the WebSocket to the server, reconnecting by itself.
//! - [`export`]: the settings and send loop as C#, Rust, Java properties and kcat.
//! - [`i18n`]: English and French, every text written as a pair.
//! - [`instructor`]: the instructor's view of the class, at `/instructor`.
//! - [`lab`]: LAB 1.2A's checklist and exercises, checked from the session's real events.
//! - [`model`]: the page's state and form as plain Rust, tested natively.
//! - [`share`]: a scenario in the URL, to hand out as a link.
//! - [`storage`]: what the page keeps in the browser or in the tab.
//! - [`panels`]: one module per panel (config, message, run, partitions, deliveries, cluster).
#![deny(missing_docs)]

pub mod app;
pub mod export;
pub mod i18n;
pub mod instructor;
pub mod lab;
pub mod model;
pub mod panels;
pub mod share;
pub mod storage;
pub mod ws;
