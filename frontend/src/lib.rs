//! The Kafka Producer Playground page, client-side rendered with Leptos.
//!
//! - [`app`]: the root component, shared state in context, the layout.
//! - [`ws`]: the WebSocket to the server, reconnecting by itself.
//! - [`model`]: the page's state and form as plain Rust, tested natively.
//! - [`panels`]: one module per panel (config, message, run, partitions, deliveries, cluster).
#![deny(missing_docs)]

pub mod app;
pub mod model;
pub mod panels;
pub mod ws;
