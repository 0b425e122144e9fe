//! The instructor's view at `/instructor`: the class (each trainee's name, connection,
//! last run), a grid of who passed, failed or has not tried each checklist item and
//! exercise, the trainees' experiments side by side, a message to everyone, and faults
//! for the whole class.
//!
//! It reads `GET /api/instructor` every second with the token the server printed at
//! start (`?token=` in the link, then kept in this tab only and taken out of the address
//! bar, so that a screen share does not show it).
//!
//! One file per part of the view: `class_table`, `lab_grid`, `class_experiments`,
//! `class_faults`; the token, the console and the broadcast here.

mod class_experiments;
mod class_faults;
mod class_table;
mod lab_grid;
#[cfg(test)]
mod tests;

use leptos::prelude::*;
use shared::problem::Problem;
use shared::protocol::{BroadcastRequest, ClassView, ErrorEvent, Fault};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{LanguageSelect, lang, say};
use crate::storage::{self, Place};
use crate::t;

use class_experiments::ClassExperiments;
pub use class_experiments::experiments_csv;
use class_faults::ClassFaults;
use class_table::{ClassTable, TraineeActions};
use lab_grid::LabGrid;
pub use lab_grid::grid_csv;

/// Where this tab keeps the token.
const TOKEN_KEY: &str = "playground.instructor";

/// The token from the link (then out of the address bar) or from this tab.
fn initial_token() -> String {
    let from_link = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| q.strip_prefix("?token=").map(|t| t.split('&').next().unwrap_or("").to_owned()))
        .filter(|t| !t.is_empty());
    if let Some(token) = from_link {
        storage::write(Place::Tab, TOKEN_KEY, &token);
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/instructor"));
        }
        return token;
    }
    storage::read(Place::Tab, TOKEN_KEY).unwrap_or_default()
}

/// What an instructor request came back with.
enum Answer {
    Ok(String),
    Refused(Problem),
}

/// One request to the server's instructor API: the body of a 2xx, or the problem.
async fn call(method: &str, path: &str, token: &str, body: Option<String>) -> Answer {
    let failed = |detail: String| Answer::Refused(Problem::Kafka { detail });
    let Some(window) = web_sys::window() else { return failed("no window".into()) };
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let Ok(headers) = web_sys::Headers::new() else { return failed("no headers".into()) };
    let _ = headers.set("Authorization", &format!("Bearer {token}"));
    if let Some(body) = &body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let response = match JsFuture::from(window.fetch_with_str_and_init(path, &init)).await {
        Ok(r) => r.unchecked_into::<web_sys::Response>(),
        Err(_) => return Answer::Refused(Problem::NotConnected),
    };
    let text = match response.text().map(JsFuture::from) {
        Ok(text) => text.await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    if response.ok() {
        Answer::Ok(text)
    } else {
        match serde_json::from_str::<ErrorEvent>(&text) {
            Ok(e) => Answer::Refused(e.problem),
            Err(_) => failed(format!("HTTP {}", response.status())),
        }
    }
}

/// The instructor's page: its state and the requests it makes, shared by its panels.
#[derive(Clone, Copy)]
struct Console {
    /// The token, once given.
    token: RwSignal<String>,
    /// The class, as last read.
    class: RwSignal<Option<ClassView>>,
    /// Why the server refused the token, if it did.
    refused: RwSignal<Option<Problem>>,
    /// What the last broadcast or fault came to.
    said: RwSignal<Option<String>>,
}

impl Console {
    fn new() -> Self {
        Self {
            token: RwSignal::new(initial_token()),
            class: RwSignal::new(None),
            refused: RwSignal::new(None),
            said: RwSignal::new(None),
        }
    }

    /// Reads the class again.
    fn refresh(self) {
        let token = self.token.get_untracked();
        if token.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match call("GET", "/api/instructor", &token, None).await {
                Answer::Ok(body) => match serde_json::from_str::<ClassView>(&body) {
                    Ok(view) => {
                        self.class.set(Some(view));
                        self.refused.set(None);
                    }
                    Err(e) => self.refused.set(Some(Problem::Kafka { detail: e.to_string() })),
                },
                Answer::Refused(problem) => {
                    self.class.set(None);
                    self.refused.set(Some(problem));
                }
            }
        });
    }

    /// Posts `body` to `path`; says `done`, or the problem, then reads the class again.
    fn post(self, path: &'static str, body: String, done: String) {
        let token = self.token.get_untracked();
        leptos::task::spawn_local(async move {
            match call("POST", path, &token, Some(body)).await {
                Answer::Ok(_) => self.said.set(Some(done)),
                Answer::Refused(problem) => self.said.set(Some(say(&problem))),
            }
            self.refresh();
        });
    }

    /// Switches `fault` on for the whole class.
    fn fault(self, fault: Fault) {
        let body = serde_json::to_string(&fault).unwrap_or_default();
        self.post(
            "/api/instructor/fault",
            body,
            t!(lang(); "Done, for the whole class.", "Fait, pour toute la classe."),
        );
    }
}

/// The instructor's page.
#[component]
pub fn InstructorPage() -> impl IntoView {
    let console = Console::new();
    let opened = Memo::new(move |_| console.class.with(Option::is_some));
    console.refresh();
    set_interval(move || console.refresh(), std::time::Duration::from_secs(1));
    view! {
        <header class="top">
            <h1>"Kafka Producer Playground"</h1>
            <span class="subtitle">{t!("Instructor's view", "Vue formateur")}</span>
            <LanguageSelect />
        </header>
        <main class="instructor">
            <Show when=move || console.class.with(Option::is_none)>
                <TokenForm console=console />
            </Show>
            {move || console.class.get().map(|view| {
                let (faults, brokers) = (view.cluster.faults, view.cluster.brokers.clone());
                let partitions = view.cluster.leaders.len();
                view! {
                    <ClassTable view=view.clone() />
                    <LabGrid trainees=view.trainees.clone() />
                    <ClassExperiments trainees=view.trainees.clone() />
                    <ClassFaults console=console faults=faults brokers=brokers partitions=partitions />
                }
            })}
            // Drawn when the class first comes, not with each refresh of it: what the
            // instructor types stays.
            {move || opened.get().then(|| view! {
                <TraineeActions console=console />
                <BroadcastPanel console=console />
            })}
        </main>
    }
}

/// Asks for the token the server printed at start.
#[component]
fn TokenForm(console: Console) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let open = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let token = draft.get_untracked().trim().to_owned();
        storage::write(Place::Tab, TOKEN_KEY, &token);
        console.token.set(token);
        console.refresh();
    };
    view! {
        <form class="panel" id="token-form" on:submit=open>
            <label for="token">{t!("Instructor token (printed when the playground starts)", "Jeton formateur (affiché au démarrage du playground)")}</label>
            <input id="token" type="password" autocomplete="off" on:input=move |ev| draft.set(event_target_value(&ev)) />
            <button type="submit">{t!("Open", "Ouvrir")}</button>
            <p id="refused" class="field-error" role="alert">{move || console.refused.get().map(|p| say(&p))}</p>
        </form>
    }
}

/// A message to every page.
#[component]
fn BroadcastPanel(console: Console) -> impl IntoView {
    let message = RwSignal::new(String::new());
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = serde_json::to_string(&BroadcastRequest { text: message.get_untracked() }).unwrap_or_default();
        console.post(
            "/api/instructor/broadcast",
            body,
            t!(lang(); "Sent to every page.", "Envoyé à toutes les pages."),
        );
        message.set(String::new());
    };
    view! {
        <section class="panel" id="broadcast-panel">
            <h2>{t!("Message to the class", "Message à la classe")}</h2>
            <form on:submit=send>
                <label class="sr-only" for="broadcast-text">{t!("Message to every page", "Message à chaque page")}</label>
                <input id="broadcast-text" maxlength="500" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev)) />
                <button id="broadcast-send" type="submit">{t!("Send to everyone", "Envoyer à tous")}</button>
            </form>
            <p id="instructor-said" role="status">{move || console.said.get()}</p>
        </section>
    }
}
