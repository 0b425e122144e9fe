//! What the playground's server and page agree on.
//!
//! The browser and the server never share code paths, only these types. In the order
//! data flows (the page's command, the run it asks for, the events that come back):
//! - [`protocol`]: the WebSocket messages, declared once: a [`protocol::Command`] from the
//!   page (a [`protocol::Fault`] is a command of its own kind) and an
//!   [`protocol::Event`] from the server, each a serde enum tagged `"type"`; the typed
//!   error names of failed messages ([`protocol::ErrorName`]); the instructor's view and
//!   the `/api/health` answer.
//! - [`settings`]: the producer settings a trainee may change, as typed fields with
//!   bounds and one-line explanations; never a raw librdkafka property.
//! - [`template`]: the key, value and header templates (`ORD-{i:04}`, `{uuid}`, ...).
//! - [`partitioner`]: librdkafka's partitioners, to predict where a key goes.
//! - [`lab`]: the names and defaults of LAB 1.2A.
//! - [`problem`]: what can be refused, as codes with parameters, worded in English and
//!   French.
//!
//! This crate depends on serde alone so that it compiles for wasm32 and native.
#![deny(missing_docs)]

pub mod lab;
pub mod partitioner;
pub mod problem;
pub mod protocol;
pub mod settings;
pub mod template;
