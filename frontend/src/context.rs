//! What every panel shares, provided as context by the page's root: the server's state
//! folded into the [`Page`], the trainee's [`Form`], the connection, and the page's own
//! notice; and how a panel sends a command.

use leptos::prelude::*;
use shared::problem::Problem;
use shared::protocol::{ClusterMode, Command};

use crate::model::{Connection, Form, Page};
use crate::storage::{self, Place};
use crate::ws;

/// What every panel reads and writes, provided as context.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// What the server told.
    pub page: RwSignal<Page>,
    /// What the trainee typed.
    pub form: RwSignal<Form>,
    /// The WebSocket's state.
    pub connection: RwSignal<Connection>,
    /// A problem on the page's side (not connected, fields to fix).
    pub notice: RwSignal<Option<Problem>>,
}

impl Ctx {
    /// Sends the form's run, or says why it cannot.
    pub fn send_run(self) {
        match self.form.with(Form::request) {
            Ok(request) => self.send_request(request),
            Err(errors) => self.notice.set(Some(Problem::InvalidRequest { fields: errors.len() })),
        }
    }

    /// Sends `request` as the next run, remembered as what this page asked for.
    pub fn send_request(self, request: shared::protocol::ProduceRequest) {
        keep_sent(&request);
        self.page.update(|p| p.sent = Some(request.clone()));
        self.send(Command::Produce(request));
    }

    /// Sends a command, or says why it cannot.
    pub fn send(self, command: Command) {
        self.notice.set(ws::send(&command).err());
    }

    /// True when the page talks to the embedded mock cluster.
    pub fn embedded(self) -> bool {
        self.page.with(|p| p.hello.as_ref().is_some_and(|h| h.mode == ClusterMode::Embedded))
    }
}

/// Where this tab keeps the last request it sent: a reloaded page that comes back to its
/// run knows what that run was asked to do, so the lab can judge it.
const SENT_KEY: &str = "playground.sent";

fn keep_sent(request: &shared::protocol::ProduceRequest) {
    if let Ok(json) = serde_json::to_string(request) {
        storage::write(Place::Tab, SENT_KEY, &json);
    }
}

/// The request this tab sent last, if it kept one.
pub(crate) fn kept_sent() -> Option<shared::protocol::ProduceRequest> {
    serde_json::from_str(&storage::read(Place::Tab, SENT_KEY)?).ok()
}

/// Where this tab keeps its form as the request it describes, so that a reload (in the
/// middle of a run, say) keeps what the trainee set.
const FORM_KEY: &str = "playground.form";

/// Keeps `request`, the form's, in this tab.
pub(crate) fn keep_form(request: &shared::protocol::ProduceRequest) {
    if let Ok(json) = serde_json::to_string(request) {
        storage::write(Place::Tab, FORM_KEY, &json);
    }
}

/// The form this tab kept, if any.
pub(crate) fn kept_form() -> Option<shared::protocol::ProduceRequest> {
    serde_json::from_str(&storage::read(Place::Tab, FORM_KEY)?).ok()
}

/// Where this tab keeps its runs for comparing, so that a reload keeps them.
const SUMMARIES_KEY: &str = "playground.runs";

/// Keeps `summaries` in this tab.
pub(crate) fn keep_summaries(summaries: &[crate::model::Summary]) {
    if let Ok(json) = serde_json::to_string(summaries) {
        storage::write(Place::Tab, SUMMARIES_KEY, &json);
    }
}

/// The runs this tab kept for comparing.
pub(crate) fn kept_summaries() -> Vec<crate::model::Summary> {
    storage::read(Place::Tab, SUMMARIES_KEY).and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default()
}
