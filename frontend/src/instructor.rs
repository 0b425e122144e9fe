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

use crate::i18n::{pick, say};
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

/// The instructor's page.
#[component]
pub fn InstructorPage() -> impl IntoView {
    let token = RwSignal::new(initial_token());
    let draft = RwSignal::new(String::new());
    let class = RwSignal::new(None::<ClassView>);
    let refused = RwSignal::new(None::<Problem>);
    let said = RwSignal::new(None::<String>);
    let message = RwSignal::new(String::new());

    let refresh = move || {
        let token = token.get_untracked();
        if token.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match call("GET", "/api/instructor", &token, None).await {
                Answer::Ok(body) => match serde_json::from_str::<ClassView>(&body) {
                    Ok(view) => {
                        class.set(Some(view));
                        refused.set(None);
                    }
                    Err(e) => refused.set(Some(Problem::Kafka { detail: e.to_string() })),
                },
                Answer::Refused(problem) => {
                    class.set(None);
                    refused.set(Some(problem));
                }
            }
        });
    };
    refresh();
    set_interval(refresh, std::time::Duration::from_secs(1));

    let open = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = draft.get_untracked().trim().to_owned();
        storage::write(Place::Tab, TOKEN_KEY, &t);
        token.set(t);
        refresh();
    };
    let post = move |path: &'static str, body: String, done: String| {
        let token = token.get_untracked();
        leptos::task::spawn_local(async move {
            match call("POST", path, &token, Some(body)).await {
                Answer::Ok(_) => said.set(Some(done)),
                Answer::Refused(problem) => said.set(Some(say(&problem))),
            }
            refresh();
        });
    };
    let send_message = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = message.get_untracked();
        let body = serde_json::to_string(&BroadcastRequest { text }).unwrap_or_default();
        post("/api/instructor/broadcast", body, pick("Sent to every page.", "Envoyé à toutes les pages.").to_owned());
        message.set(String::new());
    };
    let fault = move |fault: Fault| {
        let body = serde_json::to_string(&fault).unwrap_or_default();
        post(
            "/api/instructor/fault",
            body,
            pick("Done, for the whole class.", "Fait, pour toute la classe.").to_owned(),
        );
    };

    view! {
        <header class="top">
            <h1>"Kafka Producer Playground"</h1>
            <span class="subtitle">{t!("Instructor's view", "Vue formateur")}</span>
        </header>
        <main class="instructor">
            <Show when=move || class.with(Option::is_none)>
                <form class="panel" id="token-form" on:submit=open>
                    <label for="token">{t!("Instructor token (printed when the playground starts)", "Jeton formateur (affiché au démarrage du playground)")}</label>
                    <input id="token" type="password" autocomplete="off" on:input=move |ev| draft.set(event_target_value(&ev)) />
                    <button type="submit">{t!("Open", "Ouvrir")}</button>
                    <p id="refused" class="field-error" role="alert">{move || refused.get().map(|p| say(&p))}</p>
                </form>
            </Show>
            {move || class.get().map(|view| {
                let connected = view.trainees.iter().filter(|t| t.connected).count();
                let summary = format!(
                    "{}: {} ({connected} {}) · {} {} / {} ({} {})",
                    pick("Sessions", "Sessions"),
                    view.trainees.len(),
                    pick("connected", "connectées"),
                    pick("in flight", "en vol"),
                    view.in_flight,
                    view.limits.in_flight,
                    pick("peak", "pic"),
                    view.in_flight_peak,
                );
                let per_trainee = view.topic_per_trainee.then(|| pick("Each trainee has their own topic.", "Chaque stagiaire a son propre topic."));
                let faults = view.cluster.faults_available;
                let brokers = view.cluster.brokers.clone();
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
                    <section class="panel" id="broadcast-panel">
                        <h2>{t!("Message to the class", "Message à la classe")}</h2>
                        <form on:submit=send_message>
                            <input id="broadcast-text" maxlength="500" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev)) />
                            <button id="broadcast-send" type="submit">{t!("Send to everyone", "Envoyer à tous")}</button>
                        </form>
                        <p id="instructor-said" role="status">{move || said.get()}</p>
                    </section>
                    <section class="panel" id="class-faults">
                        <h2>{t!("Faults for the whole class", "Pannes pour toute la classe")}</h2>
                        {if faults {
                            view! {
                                <div class="brokers">
                                    {brokers.into_iter().map(|b| {
                                        let id = b.id;
                                        let (label, class_fault) = if b.up {
                                            (format!("{} {id} ↓", pick("Broker", "Broker")), Fault::BrokerDown { broker: Some(id) })
                                        } else {
                                            (format!("{} {id} ↑", pick("Broker", "Broker")), Fault::BrokerUp { broker: Some(id) })
                                        };
                                        view! {
                                            <button class="small" data-broker=id class:down=!b.up on:click=move |_| fault(class_fault.clone())>{label}</button>
                                        }
                                    }).collect_view()}
                                    <button class="small" id="class-all-down" on:click=move |_| fault(Fault::BrokerDown { broker: None })>
                                        {t!("Every broker down", "Tous les brokers arrêtés")}
                                    </button>
                                    <button class="small" id="class-reset" on:click=move |_| fault(Fault::ResetFaults)>
                                        {t!("Reset faults", "Réinitialiser les pannes")}
                                    </button>
                                </div>
                            }.into_any()
                        } else {
                            view! { <p class="hint">{t!("A real Kafka cluster: stop a broker with docker compose stop kafka-2.", "Un vrai cluster Kafka : arrêtez un broker avec docker compose stop kafka-2.")}</p> }.into_any()
                        }}
                    </section>
                }
            })}
        </main>
    }
}

/// One trainee's row.
fn trainee_row(t: TraineeView) -> impl IntoView {
    let name = t.name.clone().unwrap_or_else(|| pick("(no name yet)", "(pas encore de nom)").to_owned());
    let page = if t.connected { pick("connected", "connectée") } else { pick("away", "partie") };
    let run = match (&t.run, &t.finished) {
        (None, _) => String::new(),
        (Some(s), None) => {
            format!(
                "{} · {} {} · {} ✓ · {} ✗",
                pick("running", "en cours"),
                s.sent,
                pick("sent", "envoyés"),
                s.delivered,
                s.failed
            )
        }
        (Some(_), Some(f)) => format!(
            "{} {} · {} ✓ · {} ✗{}",
            f.sent,
            pick("sent", "envoyés"),
            f.delivered,
            f.failed,
            if f.stopped { pick(" (stopped)", " (arrêté)") } else { "" }
        ),
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
