//! The instructor's view at `/instructor`: the class (each trainee's name, connection,
//! last run), a grid of who passed, failed or has not tried each checklist item and
//! exercise, the trainees' experiments side by side, a message to everyone, and faults
//! for the whole class.
//!
//! It reads `GET /api/instructor` every second with the token the server printed at
//! start (`?token=` in the link, then kept in this tab only and taken out of the address
//! bar, so that a screen share does not show it).

use leptos::prelude::*;
use shared::problem::Problem;
use shared::protocol::{
    BroadcastRequest, ClassView, ErrorEvent, Experiment, ExperimentRun, Fault, ProduceError, TraineeChange,
    TraineeOrder, TraineeView,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{LanguageSelect, lang, say};
use crate::lab::{Exercise, Tick};
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

/// Every session: a row each, and the class's figures.
#[component]
fn ClassTable(view: ClassView) -> impl IntoView {
    let connected = view.trainees.iter().filter(|t| t.connected).count();
    let (sessions, in_flight, max, peak) =
        (view.trainees.len(), view.in_flight, view.limits.in_flight, view.in_flight_peak);
    let summary = move || {
        let n = |v: u64| crate::i18n::number(v as f64, 0);
        let (in_flight, max, peak) = (n(in_flight), n(u64::from(max)), n(peak));
        t!(lang(); "Sessions: {sessions} ({connected} connected) · in flight {in_flight} / {max} (peak {peak})", "Sessions : {sessions} ({connected} connectées) · en vol {in_flight} / {max} (pic {peak})")
    };
    let per_trainee =
        view.topic_per_trainee.then(|| t!("Each trainee has their own topic.", "Chaque stagiaire a son propre topic."));
    let servers = view.servers.len();
    let across = (servers > 1).then_some(
        move || t!(lang(); "The class spans {servers} servers.", "La classe s'étend sur {servers} serveurs."),
    );
    view! {
        <section class="panel" id="class">
            <h2>{t!("The class", "La classe")}</h2>
            <p id="class-summary">{summary} " " {per_trainee} " " {across}</p>
            <table id="trainees">
                <thead><tr>
                    <th>"#"</th>
                    <th>{t!("Name", "Nom")}</th>
                    <th>{t!("Page", "Page")}</th>
                    <th>{t!("Runs", "Envois")}</th>
                    <th>{t!("Last run", "Dernier envoi")}</th>
                    <th>{t!("Lab", "Lab")}</th>
                    <th>{t!("Last active", "Dernière action")}</th>
                    <th>{t!("Last errors", "Dernières erreurs")}</th>
                </tr></thead>
                <tbody>
                    // In a closure: a component's body does not redraw when the language changes.
                    {move || view.trainees.clone().into_iter().map(trainee_row).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// One trainee: a new name, or their lab progress started again.
#[component]
fn TraineeActions(console: Console) -> impl IntoView {
    let chosen = RwSignal::new(None::<u64>);
    let name = RwSignal::new(String::new());
    let order = move |change: TraineeChange, done: String| {
        let Some(id) = chosen.get_untracked() else {
            console.said.set(Some(t!(lang(); "Choose a trainee first.", "Choisissez d'abord un stagiaire.")));
            return;
        };
        let body = serde_json::to_string(&TraineeOrder { id, change }).unwrap_or_default();
        console.post("/api/instructor/trainee", body, done);
    };
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new_name = name.get_untracked();
        let done = t!(lang(); "Sent to their page: renamed {}.", "Envoyé à sa page : renommé {}.", new_name);
        order(TraineeChange::Rename { name: new_name }, done);
        name.set(String::new());
    };
    let reset = move |_| {
        let done = t!(lang(); "Sent to their page: lab progress started again.", "Envoyé à sa page : progression du lab remise à zéro.");
        order(TraineeChange::ResetProgress, done);
    };
    let options = move || {
        console.class.with(|c| {
            c.iter()
                // This server's trainees: another server's sessions are its own to change.
                .flat_map(|view| view.trainees.iter().filter(|t| t.server.is_none() || t.server == view.servers.first().cloned()))
                .map(|t| {
                    let id = t.id;
                    view! { <option value=id.to_string() selected=move || chosen.get() == Some(id)>{trainee_name(t)}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <section class="panel" id="trainee-actions">
            <h2>{t!("One trainee", "Un stagiaire")}</h2>
            <form class="actions" on:submit=rename>
                <label for="trainee-pick">{t!("Trainee", "Stagiaire")}</label>
                <select id="trainee-pick" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || chosen.get().is_none()>{t!("(choose)", "(choisir)")}</option>
                    {options}
                </select>
                <label for="trainee-new-name">{t!("New name", "Nouveau nom")}</label>
                <input id="trainee-new-name" maxlength="32" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <button id="trainee-rename" type="submit" class="small">{t!("Rename", "Renommer")}</button>
                <button id="trainee-reset" type="button" class="small" on:click=reset>
                    {t!("Start their lab progress again", "Remettre sa progression du lab à zéro")}
                </button>
            </form>
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
                <label class="sr-only" for="broadcast-text">{t!("Message to every page", "Message à chaque page")}</label>
                <input id="broadcast-text" maxlength="500" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev)) />
                <button id="broadcast-send" type="submit">{t!("Send to everyone", "Envoyer à tous")}</button>
            </form>
            <p id="instructor-said" role="status">{move || console.said.get()}</p>
        </section>
    }
}

/// The embedded cluster's faults, for the whole class.
#[component]
fn ClassFaults(
    console: Console,
    faults: Option<shared::protocol::FaultKind>,
    brokers: Vec<shared::protocol::BrokerState>,
    partitions: usize,
) -> impl IntoView {
    let ids: Vec<i32> = brokers.iter().map(|b| b.id).collect();
    // Apache Kafka started by the playground: each broker's process, as on a trainee's page.
    let processes = brokers.clone();
    let process_buttons = move || {
        let rows = processes.clone().into_iter().map(|b| {
            let id = b.id;
            let state = crate::panels::cluster::broker_state(&b);
            let actions = crate::panels::cluster::broker_actions(&b, faults);
            view! {
                <div class="broker-actions" data-broker=id>
                    <span>{move || format!("Broker {id}: {}", state.words(lang()))}</span>
                    {actions
                        .into_iter()
                        .map(|action| {
                            view! {
                                <button class="small" data-action=action.name() title=move || action.hint(lang()) on:click=move |_| console.fault(action.fault(id))>
                                    {move || action.label(lang())}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            }
        });
        view! {
            <div class="brokers">
                {rows.collect_view()}
                <button class="small" id="class-reset" on:click=move |_| console.fault(Fault::ResetFaults)>
                    {t!("Every broker running", "Tous les brokers en marche")}
                </button>
            </div>
        }
    };
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
                <button class="small" id="class-latency" on:click=move |_| console.fault(Fault::SetRoundTripTime { broker: None, ms: 200 })>
                    {t!("+200 ms latency", "+200 ms de latence")}
                </button>
                <button
                    class="small"
                    id="class-inject-errors"
                    title=t!(
                        "The next 3 produce requests are refused with NOT_ENOUGH_REPLICAS: the producers retry them.",
                        "Les 3 prochaines requêtes produce sont refusées avec NOT_ENOUGH_REPLICAS : les producers les réessaient."
                    )
                    on:click=move |_| console.fault(Fault::InjectErrors { error: ProduceError::NotEnoughReplicas, count: 3 })
                >
                    {t!("Inject 3 NOT_ENOUGH_REPLICAS", "Injecter 3 NOT_ENOUGH_REPLICAS")}
                </button>
                <button class="small" id="class-reset" on:click=move |_| console.fault(Fault::ResetFaults)>
                    {t!("Reset faults", "Réinitialiser les pannes")}
                </button>
            </div>
            <LeaderMove console=console partitions=partitions brokers=ids.clone() />
        }
    };
    view! {
        <section class="panel" id="class-faults">
            <h2>{t!("Faults for the whole class", "Pannes pour toute la classe")}</h2>
            {if faults == Some(shared::protocol::FaultKind::Mock) {
                buttons().into_any()
            } else if faults == Some(shared::protocol::FaultKind::Process) {
                process_buttons().into_any()
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
    let idle = t.idle_secs.map(idle_text).unwrap_or_default();
    let errors = t.errors.iter().map(say).collect::<Vec<_>>();
    view! {
        <tr data-trainee=t.id class:away=!t.connected class:failing=failing>
            <td>{t.id}</td>
            <td class="name">{name} <small class="topic">{topic}</small> <small class="server">{t.server.clone()}</small></td>
            <td>{page}</td>
            <td>{t.runs}</td>
            <td class="run">{run}</td>
            <td class="lab-progress">{lab}</td>
            <td class="idle">{idle}</td>
            <td class="errors">
                <ul>{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            </td>
        </tr>
    }
}

/// How long ago a trainee's page last did something: `12 s ago`, `4 min ago`.
fn idle_text(secs: u64) -> String {
    match secs {
        0..60 => t!(lang(); "{secs} s ago", "il y a {secs} s"),
        60..3600 => t!(lang(); "{} min ago", "il y a {} min", secs / 60),
        _ => t!(lang(); "{} h ago", "il y a {} h", secs / 3600),
    }
}

/// The lab grid as CSV: one line per trainee, one column per checklist item and
/// exercise (`passed`, `failed: what the check found`, or empty), fields made inert.
pub fn grid_csv(trainees: &[TraineeView], lang: shared::problem::Lang) -> String {
    let items: Vec<(String, String)> = Tick::ALL
        .iter()
        .enumerate()
        .map(|(n, tick)| (tick.id(), format!("C{} {}", n + 1, tick.text().get(lang))))
        .chain(Exercise::ALL.iter().map(|e| (e.id(), format!("E{} {}", e.number(), e.title().get(lang)))))
        .collect();
    let mut csv = String::from("trainee,server,connected,runs");
    for (_, title) in &items {
        csv.push(',');
        csv.push_str(&crate::compare::csv_field(title));
    }
    csv.push('\n');
    for t in trainees {
        let name = t.name.clone().unwrap_or_else(|| format!("#{}", t.id));
        let fields = [name, t.server.clone().unwrap_or_default(), t.connected.to_string(), t.runs.to_string()];
        csv.push_str(&fields.iter().map(|f| crate::compare::csv_field(f)).collect::<Vec<_>>().join(","));
        for (id, _) in &items {
            let cell = match cell(t, id, lang) {
                Cell::Passed => "passed".to_owned(),
                Cell::Failed(answer) => format!("failed: {answer}"),
                Cell::NotTried => String::new(),
            };
            csv.push(',');
            csv.push_str(&crate::compare::csv_field(&cell));
        }
        csv.push('\n');
    }
    csv
}

/// The class's experiments as CSV: one line per trainee's run of an experiment.
pub fn experiments_csv(trainees: &[TraineeView]) -> String {
    let mut csv = String::from("trainee,experiment,setting,sent,delivered,failed,msgs_per_sec,p50_ms,p99_ms\n");
    for t in trainees {
        let name = t.name.clone().unwrap_or_else(|| format!("#{}", t.id));
        for result in &t.experiments {
            let experiment = serde_json::to_value(result.experiment)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            for run in &result.runs {
                let fields = [
                    crate::compare::csv_field(&name),
                    experiment.clone(),
                    crate::compare::csv_field(&run.setting),
                    run.sent.to_string(),
                    run.delivered.to_string(),
                    run.failed.to_string(),
                    format!("{:.1}", run.msgs_per_sec),
                    format!("{:.3}", run.p50_us as f64 / 1000.0),
                    format!("{:.3}", run.p99_us as f64 / 1000.0),
                ];
                csv.push_str(&fields.join(","));
                csv.push('\n');
            }
        }
    }
    csv
}

/// A `data:` address holding CSV `text`, for a download link.
fn csv_url(text: &str) -> String {
    format!("data:text/csv;charset=utf-8,{}", String::from(js_sys::encode_uri_component(text)))
}

/// Moves a partition's leader to another broker, for the whole class: the producers get
/// NOT_LEADER_FOR_PARTITION, refresh their metadata and send to the new leader.
#[component]
fn LeaderMove(console: Console, partitions: usize, brokers: Vec<i32>) -> impl IntoView {
    let partition = RwSignal::new(0_i32);
    let broker = RwSignal::new(brokers.first().copied().unwrap_or(1));
    view! {
        <form class="leader-move" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            console.fault(Fault::MovePartitionLeader { partition: partition.get_untracked(), broker: broker.get_untracked() });
        }>
            <label for="move-partition">{t!("Move the leader of", "Déplacer le leader de")}</label>
            <select id="move-partition" on:change=move |ev| partition.set(event_target_value(&ev).parse().unwrap_or(0))>
                {(0..partitions as i32).map(|p| view! { <option value=p.to_string()>{format!("P{p}")}</option> }).collect_view()}
            </select>
            <label for="move-broker">{t!("to broker", "vers le broker")}</label>
            <select id="move-broker" on:change=move |ev| broker.set(event_target_value(&ev).parse().unwrap_or(1))>
                {brokers.iter().map(|b| view! { <option value=b.to_string()>{b.to_string()}</option> }).collect_view()}
            </select>
            <button class="small" id="class-move-leader" type="submit">{t!("Move", "Déplacer")}</button>
        </form>
    }
}

/// How one trainee stands on one checklist item or exercise.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    /// Done.
    Passed,
    /// Tried and not passed: the check's short answer.
    Failed(String),
    /// Not tried.
    NotTried,
}

/// Where `trainee` stands on the item `id`, with a failed check's answer in `lang`.
fn cell(trainee: &TraineeView, id: &str, lang: shared::problem::Lang) -> Cell {
    if trainee.done.iter().any(|d| d == id) {
        return Cell::Passed;
    }
    match trainee.failed.iter().find(|f| f.id == id) {
        Some(f) => Cell::Failed(if lang == shared::problem::Lang::Fr { f.fr.clone() } else { f.en.clone() }),
        None => Cell::NotTried,
    }
}

/// The name a trainee goes by in the instructor's tables (with a class across servers,
/// a nameless session is numbered on its server).
fn trainee_name(t: &TraineeView) -> String {
    let number = t.server.as_ref().map_or_else(|| format!("#{}", t.id), |s| format!("#{}@{s}", t.id));
    t.name.clone().unwrap_or_else(|| t!(lang(); "{number} (no name yet)", "{number} (pas encore de nom)"))
}

/// Trainees by checklist item and exercise: passed, tried and failed (with what the check
/// found), or not tried, so who is stuck where shows at a glance.
#[component]
fn LabGrid(trainees: Vec<TraineeView>) -> impl IntoView {
    let trainees_csv = trainees.clone();
    // In a closure: a component's body does not redraw when the language changes.
    let grid = move || {
        let items: Vec<(String, String, String)> = Tick::ALL
            .iter()
            .enumerate()
            .map(|(n, tick)| (tick.id(), format!("C{}", n + 1), tick.text().get(lang()).to_owned()))
            .chain(Exercise::ALL.iter().map(|e| (e.id(), format!("E{}", e.number()), e.title().get(lang()).to_owned())))
            .collect();
        let head = items
            .iter()
            .map(|(id, short, title)| view! { <th data-item=id.clone() title=title.clone()>{short.clone()}</th> })
            .collect_view();
        let rows = trainees
            .iter()
            .map(|t| {
                let cells = items
                    .iter()
                    .map(|(id, _, title)| match cell(t, id, lang()) {
                        Cell::Passed => {
                            view! { <td class="passed" data-item=id.clone() title=title.clone()>"✓"</td> }.into_any()
                        }
                        Cell::Failed(answer) => view! {
                            <td class="failed" data-item=id.clone() title=format!("{title}: {answer}")>
                                "✗" <small class="answer">{answer.clone()}</small>
                            </td>
                        }
                        .into_any(),
                        Cell::NotTried => view! {
                            <td class="not-tried" data-item=id.clone() title=title.clone()>
                                <span aria-hidden="true">"·"</span>
                                <span class="sr-only">{t!(lang(); "not tried", "pas essayé")}</span>
                            </td>
                        }
                        .into_any(),
                    })
                    .collect_view();
                view! { <tr data-trainee=t.id><th class="name" scope="row">{trainee_name(t)}</th>{cells}</tr> }
            })
            .collect_view();
        view! {
            <thead><tr><th>{t!(lang(); "Trainee", "Stagiaire")}</th>{head}</tr></thead>
            <tbody>{rows}</tbody>
        }
    };
    view! {
        <section class="panel" id="lab-grid-panel">
            <h2>{t!("Where each trainee is in the lab", "Où en est chaque stagiaire du lab")}</h2>
            <p class="doc">
                {t!(
                    "C1 to C7: the checklist; E1 to E6: the exercises. ✓ passed, ✗ tried and not passed (with what the check found), · not tried.",
                    "C1 à C7 : la checklist ; E1 à E6 : les exercices. ✓ réussi, ✗ essayé sans succès (avec ce que la vérification a trouvé), · pas essayé."
                )}
            </p>
            <div class="grid-scroll">
                <table id="lab-grid">{grid}</table>
            </div>
            <a id="lab-grid-csv" class="button" download="lab-grid.csv" href=move || csv_url(&grid_csv(&trainees_csv, lang()))>
                {t!("Download the grid (CSV)", "Télécharger la grille (CSV)")}
            </a>
        </section>
    }
}

/// One run of an experiment in a cell: msgs/s, p50 and p99, failures if any.
fn experiment_cell(run: &ExperimentRun) -> String {
    let rate = crate::i18n::number(run.msgs_per_sec, 0);
    let (p50, p99) = (crate::i18n::latency(run.p50_us), crate::i18n::latency(run.p99_us));
    let failed =
        if run.failed > 0 { t!(lang(); " · {} failed", " · {} en échec", run.failed) } else { String::new() };
    t!(lang(); "{rate} msgs/s · p50 {p50} · p99 {p99}{failed}", "{rate} msgs/s · p50 {p50} · p99 {p99}{failed}")
}

/// Each trainee's last run of each experiment, one line per trainee: the class's results
/// side by side.
#[component]
fn ClassExperiments(trainees: Vec<TraineeView>) -> impl IntoView {
    let empty = trainees.iter().all(|t| t.experiments.is_empty());
    let csv = csv_url(&experiments_csv(&trainees));
    // In a closure: a component's body does not redraw when the language changes.
    let tables = move || {
        Experiment::ALL
            .into_iter()
            .filter_map(|experiment| {
                let lines: Vec<(String, &[ExperimentRun])> = trainees
                    .iter()
                    .filter_map(|t| {
                        let result = t.experiments.iter().find(|r| r.experiment == experiment)?;
                        Some((trainee_name(t), result.runs.as_slice()))
                    })
                    .collect();
                if lines.is_empty() {
                    return None;
                }
                // The settings in the order the runs came, across every trainee's result.
                let mut settings: Vec<String> = Vec::new();
                for (_, runs) in &lines {
                    for run in *runs {
                        if !settings.contains(&run.setting) {
                            settings.push(run.setting.clone());
                        }
                    }
                }
                let id = format!("class-{}", serde_json::to_value(experiment).ok()?.as_str()?.replace('_', "-"));
                let head = settings.iter().map(|s| view! { <th><code>{s.clone()}</code></th> }).collect_view();
                let rows = lines
                    .iter()
                    .map(|(name, runs)| {
                        let cells = settings
                            .iter()
                            .map(|s| {
                                let run = runs.iter().find(|r| r.setting == *s);
                                view! { <td>{run.map(experiment_cell)}</td> }
                            })
                            .collect_view();
                        view! { <tr><th class="name" scope="row">{name.clone()}</th>{cells}</tr> }
                    })
                    .collect_view();
                Some(view! {
                    <h3>{crate::compare::experiment_name(experiment)}</h3>
                    <table id=id class="class-experiment">
                        <thead><tr><th>{t!("Trainee", "Stagiaire")}</th>{head}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                })
            })
            .collect::<Vec<_>>()
    };
    view! {
        <section class="panel" id="class-experiments">
            <h2>{t!("The class's experiments", "Les expériences de la classe")}</h2>
            {empty.then(|| view! {
                <p class="hint">{t!(
                    "When trainees run an experiment (Compare runs), each one's last result shows here, one line per trainee.",
                    "Quand les stagiaires lancent une expérience (Comparer des envois), le dernier résultat de chacun s'affiche ici, une ligne par stagiaire."
                )}</p>
            })}
            {tables}
            {(!empty).then(|| view! {
                <a id="class-experiments-csv" class="button" download="class-experiments.csv" href=csv.clone()>
                    {t!("Download the experiments (CSV)", "Télécharger les expériences (CSV)")}
                </a>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use shared::problem::Lang;
    use shared::protocol::{ExperimentResult, FailedCheck};

    use super::*;

    #[test]
    fn the_grid_and_the_experiments_download_as_csv_with_every_field_inert() {
        let trainee = TraineeView {
            id: 3,
            name: Some("=HYPERLINK(\"x\")".into()),
            runs: 2,
            done: vec!["ten_sent".into()],
            failed: vec![FailedCheck { id: "exercise:spread".into(), en: "P0 50, P1 0".into(), fr: "P0 50".into() }],
            experiments: vec![ExperimentResult {
                experiment: Experiment::Linger,
                runs: vec![ExperimentRun {
                    setting: "linger.ms=5".into(),
                    sent: 10,
                    delivered: 10,
                    failed: 0,
                    msgs_per_sec: 812.34,
                    p50_us: 1_500,
                    p99_us: 4_000,
                }],
            }],
            ..TraineeView::default()
        };
        let grid = grid_csv(std::slice::from_ref(&trainee), Lang::En);
        let lines: Vec<&str> = grid.lines().collect();
        assert!(lines[0].starts_with("trainee,server,connected,runs,C1 "), "{grid}");
        assert!(lines[1].starts_with("\"'=HYPERLINK(\"\"x\"\")\",,false,2,"), "a formula made text: {grid}");
        assert!(lines[1].contains(",passed,") && lines[1].contains("\"failed: P0 50, P1 0\""), "{grid}");
        let experiments = experiments_csv(&[trainee]);
        assert_eq!(
            experiments.lines().nth(1),
            Some("\"'=HYPERLINK(\"\"x\"\")\",linger,linger.ms=5,10,10,0,812.3,1.500,4.000")
        );
    }

    #[test]
    fn a_cell_is_passed_failed_with_its_answer_or_not_tried() {
        let trainee = TraineeView {
            done: vec!["ten_sent".into()],
            failed: vec![FailedCheck { id: "exercise:spread".into(), en: "P0 50".into(), fr: "P0 50 (fr)".into() }],
            ..TraineeView::default()
        };
        assert_eq!(cell(&trainee, "ten_sent", Lang::En), Cell::Passed);
        assert_eq!(cell(&trainee, "exercise:spread", Lang::Fr), Cell::Failed("P0 50 (fr)".into()));
        assert_eq!(cell(&trainee, "exercise:header", Lang::En), Cell::NotTried);
    }
}
