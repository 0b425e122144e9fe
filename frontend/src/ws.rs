//! The page's WebSocket to the server: JSON frames in and out, reconnecting by itself.
//!
//! The browser runs the page on one thread, so the socket lives in a thread-local.

use std::cell::RefCell;
use std::rc::Rc;

use shared::problem::{Limit, Problem};
use shared::protocol::{Command, Event};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::model::Connection;
use crate::storage::{self, Place};

/// How long to wait before opening a dropped socket again.
const RECONNECT_MS: i32 = 1000;

thread_local! {
    static SOCKET: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
    /// The handlers of the last [`connect`], to connect again with a class code.
    static HANDLERS: RefCell<Option<Handlers>> = const { RefCell::new(None) };
    /// Set when the server asked for the class's code: the page waits for the trainee
    /// instead of reconnecting (each try with a wrong code counts as a guess).
    static NEEDS_CODE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Callbacks of the socket: every event, and every change of connection state.
#[derive(Clone)]
pub struct Handlers {
    /// Called with each event the server sends.
    pub on_event: Rc<dyn Fn(Event)>,
    /// Called when the connection opens, closes or is being opened.
    pub on_connection: Rc<dyn Fn(Connection)>,
}

/// Where this tab keeps its session's key: per tab, and kept across a reload, as a
/// session is.
const SESSION_KEY: &str = "playground.session";

/// Remembers this tab's session key (from `hello`), so that a dropped connection or a
/// reload comes back to the same session and its run.
pub fn keep_session(key: &str) {
    storage::write(Place::Tab, SESSION_KEY, key);
}

/// Where this tab keeps the class's code, once given.
const CLASS_KEY: &str = "playground.class";

/// Whether `code` can be a class code: what the server accepts, so that nothing else
/// goes into the socket's address.
fn fits_a_code(code: &str) -> bool {
    (1..=64).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Takes the class's code from the link (`/?class=<code>`) into this tab, then out of
/// the address bar (the fragment, a shared scenario, stays).
pub fn keep_class_code_from_link() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let search = location.search().unwrap_or_default();
    let code = search.trim_start_matches('?').split('&').find_map(|pair| pair.strip_prefix("class="));
    let Some(code) = code.filter(|c| fits_a_code(c)) else { return };
    storage::write(Place::Tab, CLASS_KEY, code);
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let hash = location.hash().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{hash}")));
    }
}

/// Keeps the class's code the trainee typed, and connects with it.
pub fn connect_with_class_code(code: &str) {
    let code = code.trim();
    if !fits_a_code(code) {
        return;
    }
    storage::write(Place::Tab, CLASS_KEY, code);
    NEEDS_CODE.with(|n| n.set(false));
    if let Some(handlers) = HANDLERS.with(|h| h.borrow().clone()) {
        connect(handlers);
    }
}

/// `ws://host/ws` (or `wss://`) for the page's own origin, with the tab's class code and
/// session key.
fn url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    // The key is 32 hex digits from the server, the code what a server accepts; anything
    // else is not sent.
    let key =
        storage::read(Place::Tab, SESSION_KEY).filter(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()));
    let code = storage::read(Place::Tab, CLASS_KEY).filter(|c| fits_a_code(c));
    let query: Vec<String> =
        code.map(|c| format!("class={c}")).into_iter().chain(key.map(|k| format!("resume={k}"))).collect();
    let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
    Some(format!("{scheme}://{}/ws{query}", location.host().ok()?))
}

/// Whether `event` (or one in its batch) is the server asking for the class's code.
fn asks_for_code(event: &Event) -> bool {
    match event {
        Event::Error(e) => match &e.problem {
            Problem::ClassCode { .. } => true,
            Problem::Limit { limit, .. } => *limit == Limit::ClassCodes,
            _ => false,
        },
        Event::Batch { events } => events.iter().any(asks_for_code),
        _ => false,
    }
}

/// Opens the socket and keeps it open.
pub fn connect(handlers: Handlers) {
    HANDLERS.with(|h| *h.borrow_mut() = Some(handlers.clone()));
    (handlers.on_connection)(Connection::Connecting);
    let Some(socket) = url().and_then(|url| WebSocket::new(&url).ok()) else {
        schedule_reconnect(handlers);
        return;
    };

    let on_open = {
        let handlers = handlers.clone();
        Closure::<dyn FnMut()>::new(move || (handlers.on_connection)(Connection::Open))
    };
    let on_message = {
        let handlers = handlers.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            let Some(text) = message.data().as_string() else {
                return;
            };
            match decode(&text) {
                Ok(event) => {
                    if asks_for_code(&event) {
                        NEEDS_CODE.with(|n| n.set(true));
                    }
                    (handlers.on_event)(event)
                }
                Err(e) => web_sys::console::warn_1(&format!("unreadable event {text}: {e}").into()),
            }
        })
    };
    let on_close = {
        let handlers = handlers.clone();
        Closure::<dyn FnMut(CloseEvent)>::new(move |close: CloseEvent| {
            SOCKET.with(|s| s.borrow_mut().take());
            if NEEDS_CODE.with(std::cell::Cell::get) {
                (handlers.on_connection)(Connection::CodeNeeded);
                return;
            }
            if close.code() == shared::protocol::CLOSE_SESSION_ELSEWHERE {
                (handlers.on_connection)(Connection::Elsewhere);
                return;
            }
            (handlers.on_connection)(Connection::Closed);
            schedule_reconnect(handlers.clone());
        })
    };
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    // The socket calls these for as long as it lives; a new socket gets new ones.
    on_open.forget();
    on_message.forget();
    on_close.forget();
    SOCKET.with(|s| *s.borrow_mut() = Some(socket));
}

fn schedule_reconnect(handlers: Handlers) {
    let retry = Closure::once_into_js(move || connect(handlers));
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), RECONNECT_MS);
    }
}

/// Sends a command; fails with a reason when the socket is not open.
pub fn send(command: &Command) -> Result<(), Problem> {
    let json = serde_json::to_string(command).map_err(|e| Problem::Kafka { detail: e.to_string() })?;
    SOCKET.with(|s| match s.borrow().as_ref() {
        // A socket that refuses to send is closing: the reconnect follows.
        Some(socket) if socket.ready_state() == WebSocket::OPEN => {
            socket.send_with_str(&json).map_err(|_| Problem::NotConnected)
        }
        _ => Err(Problem::NotConnected),
    })
}

/// An event's `type`, read first.
#[derive(serde::Deserialize)]
struct Tag<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
}

/// `run_started`'s fields.
#[derive(serde::Deserialize)]
struct RunStarted {
    run: u64,
    topic: String,
    count: u32,
    mode: shared::protocol::RunMode,
}

/// `joined`'s fields.
#[derive(serde::Deserialize)]
struct Joined {
    name: String,
    topic: Option<String>,
}

/// `broadcast`'s fields.
#[derive(serde::Deserialize)]
struct Broadcast {
    text: String,
}

/// `batch`'s events, each kept as its text until decoded.
#[derive(serde::Deserialize)]
struct Batch<'a> {
    #[serde(borrow)]
    events: Vec<&'a serde_json::value::RawValue>,
}

/// Decodes an event as `serde_json::from_str::<Event>` does (a native test holds them
/// to it), but by reading its `type` first and then its fields straight from the text:
/// serde's way with an internally tagged enum buffers every event into a generic tree
/// first, and that code, instantiated for each kind of event, was a tenth of the page's
/// wasm.
pub fn decode(text: &str) -> Result<Event, serde_json::Error> {
    use serde::de::Error;
    use serde_json::from_str as read;
    let tag: Tag<'_> = read(text)?;
    Ok(match tag.kind.as_ref() {
        "hello" => Event::Hello(read(text)?),
        "run_started" => {
            let RunStarted { run, topic, count, mode } = read(text)?;
            Event::RunStarted { run, topic, count, mode }
        }
        "delivered" => Event::Delivered(read(text)?),
        "failed" => Event::Failed(read(text)?),
        "stats" => Event::Stats(read(text)?),
        "run_finished" => Event::RunFinished(read(text)?),
        "log" => Event::Log(read(text)?),
        "error" => Event::Error(read(text)?),
        "producer_stats" => Event::ProducerStats(read(text)?),
        "cluster" => Event::Cluster(read(text)?),
        "records" => Event::Records(read(text)?),
        "circuit" => Event::Circuit(read(text)?),
        "joined" => {
            let Joined { name, topic } = read(text)?;
            Event::Joined { name, topic }
        }
        "broadcast" => Event::Broadcast { text: read::<Broadcast>(text)?.text },
        "progress_reset" => Event::ProgressReset,
        "batch" => {
            let batch: Batch<'_> = read(text)?;
            Event::Batch { events: batch.events.into_iter().map(|e| decode(e.get())).collect::<Result<_, _>>()? }
        }
        other => return Err(serde_json::Error::custom(format!("unknown event type {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event of docs/protocol.md, decoded here as serde decodes it.
    #[test]
    fn decode_reads_every_documented_event_as_serde_does() {
        let doc = include_str!("../../docs/protocol.md");
        let mut seen = std::collections::BTreeSet::new();
        for block in doc.split("```json\n").skip(1) {
            let json = &block[..block.find("```").unwrap()];
            if let Ok(expected) = serde_json::from_str::<Event>(json) {
                assert_eq!(decode(json).unwrap(), expected, "{json}");
                seen.insert(serde_json::from_str::<serde_json::Value>(json).unwrap()["type"].to_string());
            }
        }
        assert!(seen.len() >= 15, "every kind of event: {seen:?}");
        let batch = r#"{"type":"batch","events":[{"type":"broadcast","text":"hi"},{"type":"run_finished","run":1,"sent":1,"delivered":1,"failed":0,"elapsed_ms":3,"stopped":false}]}"#;
        assert_eq!(decode(batch).unwrap(), serde_json::from_str::<Event>(batch).unwrap());
        assert!(decode(r#"{"type":"nonsense"}"#).is_err());
        assert!(decode(r#"{"type":"delivered","run":"x"}"#).is_err());
    }
}
