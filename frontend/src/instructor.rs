//! The instructor's view at `/instructor`: the class (each trainee's name, connection,
//! last run and lab progress), a message to everyone, and faults for the whole class.
//!
//! It reads `GET /api/instructor` every second with the token the server printed at
//! start (`?token=` in the link, then kept in this tab only and taken out of the address
//! bar, so that a screen share does not show it).

use leptos::prelude::*;
use shared::problem::Problem;
use shared::protocol::{BroadcastRequest, ClassView, ErrorEvent, Fault, TraineeView};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{lang, say};
use crate::storage::{self, Place};
use crate::t;

/// Where this tab keeps the token.
const TOKEN_KEY: &str = "playground.instructor";

/// Checklist items and exercises of the lab, as the page reports them.
const LAB_ITEMS: usize = crate::lab::Tick::ALL.len() + crate::lab::Exercise::ALL.len();

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
    console.refresh();
    set_interval(move || console.refresh(), std::time::Duration::from_secs(1));
    view! {
        <header class="top">
            <h1>"Kafka Producer Playground"</h1>
            <span class="subtitle">{t!("Instructor's view", "Vue formateur")}</span>
        </header>
        <main class="instructor">
            <Show when=move || console.class.with(Option::is_none)>
                <TokenForm console=console />
            </Show>
            {move || console.class.get().map(|view| {
                let (faults, brokers) = (view.cluster.faults_available, view.cluster.brokers.clone());
                view! {
                    <ClassTable view=view />
                    <BroadcastPanel console=console />
                    <ClassFaults console=console faults=faults brokers=brokers />
                }
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

/// Every session: a row each, and the class's figures.
#[component]
fn ClassTable(view: ClassView) -> impl IntoView {
    let connected = view.trainees.iter().filter(|t| t.connected).count();
    let (sessions, in_flight, max, peak) =
        (view.trainees.len(), view.in_flight, view.limits.in_flight, view.in_flight_peak);
    let summary = move || t!(lang(); "Sessions: {sessions} ({connected} connected) · in flight {in_flight} / {max} (peak {peak})", "Sessions : {sessions} ({connected} connectées) · en vol {in_flight} / {max} (pic {peak})");
    let per_trainee =
        view.topic_per_trainee.then(|| t!("Each trainee has their own topic.", "Chaque stagiaire a son propre topic."));
    view! {
        <section class="panel" id="class">
            <h2>{t!("The class", "La classe")}</h2>
            <p id="class-summary">{summary} " " {per_trainee}</p>
            <table id="trainees">
                <thead><tr>
                    <th>"#"</th>
                    <th>{t!("Name", "Nom")}</th>
                    <th>{t!("Page", "Page")}</th>
                    <th>{t!("Runs", "Envois")}</th>
                    <th>{t!("Last run", "Dernier envoi")}</th>
                    <th>{t!("Lab", "Lab")}</th>
                </tr></thead>
                <tbody>
                    {view.trainees.into_iter().map(trainee_row).collect_view()}
                </tbody>
            </table>
        </section>
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
                <input id="broadcast-text" maxlength="500" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev)) />
                <button id="broadcast-send" type="submit">{t!("Send to everyone", "Envoyer à tous")}</button>
            </form>
            <p id="instructor-said" role="status">{move || console.said.get()}</p>
        </section>
    }
}

/// The embedded cluster's faults, for the whole class.
#[component]
fn ClassFaults(console: Console, faults: bool, brokers: Vec<shared::protocol::BrokerState>) -> impl IntoView {
    let buttons = move || {
        let each = brokers.clone().into_iter().map(|b| {
            let id = b.id;
            let (label, fault) = if b.up {
                (t!(lang(); "Broker {id} ↓", "Broker {id} ↓"), Fault::BrokerDown { broker: Some(id) })
            } else {
                (t!(lang(); "Broker {id} ↑", "Broker {id} ↑"), Fault::BrokerUp { broker: Some(id) })
            };
            view! {
                <button class="small" data-broker=id class:down=!b.up on:click=move |_| console.fault(fault.clone())>{label}</button>
            }
        });
        view! {
            <div class="brokers">
                {each.collect_view()}
                <button class="small" id="class-all-down" on:click=move |_| console.fault(Fault::BrokerDown { broker: None })>
                    {t!("Every broker down", "Tous les brokers arrêtés")}
                </button>
                <button class="small" id="class-reset" on:click=move |_| console.fault(Fault::ResetFaults)>
                    {t!("Reset faults", "Réinitialiser les pannes")}
                </button>
            </div>
        }
    };
    view! {
        <section class="panel" id="class-faults">
            <h2>{t!("Faults for the whole class", "Pannes pour toute la classe")}</h2>
            {if faults {
                buttons().into_any()
            } else {
                view! { <p class="hint">{t!("A real Kafka cluster: stop a broker with docker compose stop kafka-2.", "Un vrai cluster Kafka : arrêtez un broker avec docker compose stop kafka-2.")}</p> }.into_any()
            }}
        </section>
    }
}

/// One trainee's row.
fn trainee_row(t: TraineeView) -> impl IntoView {
    let name = t.name.clone().unwrap_or_else(|| t!(lang(); "(no name yet)", "(pas encore de nom)"));
    let page = if t.connected { t!(lang(); "connected", "connectée") } else { t!(lang(); "away", "partie") };
    let run = match (&t.run, &t.finished) {
        (None, _) => String::new(),
        (Some(s), None) => {
            let (sent, delivered, failed) = (s.sent, s.delivered, s.failed);
            t!(lang(); "running · {sent} sent · {delivered} ✓ · {failed} ✗", "en cours · {sent} envoyés · {delivered} ✓ · {failed} ✗")
        }
        (Some(_), Some(f)) => {
            let (sent, delivered, failed) = (f.sent, f.delivered, f.failed);
            let stopped = if f.stopped { t!(lang(); " (stopped)", " (arrêté)") } else { String::new() };
            t!(lang(); "{sent} sent · {delivered} ✓ · {failed} ✗{stopped}", "{sent} envoyés · {delivered} ✓ · {failed} ✗{stopped}")
        }
    };
    let failing = t.run.as_ref().is_some_and(|s| s.failed > 0);
    let lab = format!("{} / {LAB_ITEMS}", t.done.len().min(LAB_ITEMS));
    let topic = t.topic.clone().unwrap_or_default();
    view! {
        <tr data-trainee=t.id class:away=!t.connected class:failing=failing>
            <td>{t.id}</td>
            <td class="name">{name} <small class="topic">{topic}</small></td>
            <td>{page}</td>
            <td>{t.runs}</td>
            <td class="run">{run}</td>
            <td class="lab-progress">{lab}</td>
        </tr>
    }
}
