//! The page's root: shared state in context, the WebSocket, and the panels' layout.

use std::rc::Rc;

use leptos::prelude::*;
use shared::problem::{Limit, Problem};
use shared::protocol::{Command, Event};
use wasm_bindgen::JsCast;

use crate::i18n::{LanguageSelect, lang};

use crate::context::{Ctx, keep_form, keep_summaries, kept_form, kept_sent, kept_summaries};
use crate::model::{Connection, Form, Page};
use crate::panels::{
    AcksLossPanel, ChartsPanel, ClusterLine, ClusterPanel, ComparePanel, ConfigPanel, DeliveryTable, ExportPanel,
    LabSidebar, LogsPanel, MessagePanel, PartitionStrip, RunPanel,
};
use crate::storage::{self, Place};
use crate::{t, ws};

/// Where the trainee's name is kept in the browser.
const NAME_KEY: &str = "playground.name";

fn stored_name() -> Option<String> {
    storage::read(Place::Browser, NAME_KEY).filter(|n| !n.is_empty())
}

/// The `hello` in `event`, alone or first in a batch.
fn hello_in(event: &Event) -> Option<&shared::protocol::Hello> {
    match event {
        Event::Hello(hello) => Some(hello),
        Event::Batch { events } => events.iter().find_map(hello_in),
        _ => None,
    }
}

/// The name in a `joined` of `event`, alone or in a batch.
fn joined_in(event: &Event) -> Option<String> {
    match event {
        Event::Joined { name, .. } => Some(name.clone()),
        Event::Batch { events } => events.iter().find_map(joined_in),
        _ => None,
    }
}

thread_local! {
    /// Events received and not yet applied to the page.
    static PENDING: std::cell::RefCell<Vec<Event>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How long events wait to be applied together: about a frame.
const APPLY_EVERY: std::time::Duration = std::time::Duration::from_millis(16);

/// Applies `event` to the page with the others of the same frame: one update of the
/// page (and of everything drawn from it) per frame, however many frames the server
/// sends. A page that applied each of a fast run's hundreds of frames a second redrew
/// that often and fell to 36 fps (`cargo xtask bench`). A timer, not
/// requestAnimationFrame: a tab in the background still applies (once a second), so
/// its events do not pile up.
fn apply_soon(page: RwSignal<Page>, event: Event) {
    let first = PENDING.with(|p| {
        let mut pending = p.borrow_mut();
        pending.push(event);
        pending.len() == 1
    });
    if first {
        set_timeout(
            move || {
                let events = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
                page.update(|p| events.into_iter().for_each(|e| p.apply(e)));
            },
            APPLY_EVERY,
        );
    }
}

/// The trainee's page. The instructor's view is a WebAssembly of its own
/// (`src/bin/instructor.rs`, served at `/instructor`), so that none of its code is in
/// what every trainee downloads.
#[component]
pub fn App() -> impl IntoView {
    Playground()
}

/// The trainee's name: kept in the browser, told to the server on every connection.
#[component]
fn TraineeName() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let draft = RwSignal::new(stored_name().unwrap_or_default());
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = draft.get_untracked().trim().to_owned();
        storage::write(Place::Browser, NAME_KEY, &name);
        ctx.send(Command::Join { name });
    };
    let error = move || {
        ctx.page.with(|p| {
            let e = p.error.as_ref()?;
            e.fields.iter().any(|f| f.field == "name").then(|| crate::i18n::say(&e.problem))
        })
    };
    let joined = move || {
        ctx.page.with(|p| match &p.joined {
            Some((name, Some(topic))) => Some(format!("{} {name} → {topic}", t!(lang(); "as", "en tant que"))),
            Some((name, None)) => Some(format!("{} {name}", t!(lang(); "as", "en tant que"))),
            None => None,
        })
    };
    let needed = move || ctx.page.with(|p| p.joined.is_none() && p.hello.as_ref().is_some_and(|h| h.topic_per_trainee));
    view! {
        <form class="trainee" on:submit=join>
            <label for="trainee-name">{t!("Your name", "Votre nom")}</label>
            <input
                id="trainee-name"
                maxlength="32"
                autocomplete="nickname"
                class:needed=needed
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
            />
            <button id="join" type="submit" class="small">{t!("Join", "Rejoindre")}</button>
            <span id="joined" class="hint">{joined}</span>
            <span id="name-error" class="field-error" role="alert">{error}</span>
            <Show when=needed>
                <span class="hint" id="name-needed">
                    // The refusal's own words: the page says it before a send is refused.
                    {move || Problem::NameNeeded.sentence(lang()) + "."}
                </span>
            </Show>
        </form>
    }
}

/// Asks for the class's code when the server refused the page without it (or with a
/// wrong one); the code is kept in this tab.
#[component]
fn ClassCodeForm() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let draft = RwSignal::new(String::new());
    let enter = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ws::connect_with_class_code(&draft.get_untracked());
    };
    let why = move || {
        ctx.page.with(|p| {
            let problem = &p.error.as_ref()?.problem;
            let about_code = match problem {
                shared::problem::Problem::ClassCode { .. } => true,
                shared::problem::Problem::Limit { limit, .. } => *limit == Limit::ClassCodes,
                _ => false,
            };
            about_code.then(|| crate::i18n::say(problem))
        })
    };
    view! {
        <Show when=move || ctx.connection.get() == Connection::CodeNeeded>
            <form id="class-code" class="trainee class-code" on:submit=enter>
                <label for="class-code-input">{t!("Class code", "Code de la classe")}</label>
                <input
                    id="class-code-input"
                    maxlength="64"
                    autocomplete="off"
                    spellcheck="false"
                    class="needed"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
                <button id="class-code-enter" type="submit" class="small">{t!("Enter", "Entrer")}</button>
                <span id="class-code-error" class="field-error" role="alert">{why}</span>
            </form>
        </Show>
    }
}

/// The instructor's last message to the class, until dismissed.
#[component]
fn BroadcastBanner() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        {move || ctx.page.with(|p| p.broadcast.clone()).map(|text| view! {
            <aside class="broadcast-bar" aria-label=t!("The instructor's message", "Le message du formateur")>
                <div id="broadcast" class="broadcast" role="alert">
                    <strong>{t!("Instructor: ", "Formateur : ")}</strong>
                    <span class="text">{text}</span>
                    <button class="small" on:click=move |_| ctx.page.update(|p| p.broadcast = None)>
                        {t!("Dismiss", "Fermer")}
                    </button>
                </div>
            </aside>
        })}
    }
}

/// The playground page.
#[component]
fn Playground() -> impl IntoView {
    let ctx = Ctx {
        page: RwSignal::new(Page { sent: kept_sent(), summaries: kept_summaries(), ..Page::default() }),
        // A shared link's scenario, else the form this tab had before a reload, else the lab's.
        form: RwSignal::new(
            crate::share::from_location().or_else(kept_form).map_or_else(Form::default, |r| Form::from_request(&r)),
        ),
        connection: RwSignal::new(Connection::Connecting),
        notice: RwSignal::new(None),
    };
    provide_context(ctx);
    // The runs to compare, kept in the tab whenever one more finishes.
    let finished_runs =
        Memo::new(move |_| ctx.page.with(|p| p.summaries.last().map(|s| (p.summaries.len(), s.run, s.elapsed_ms))));
    Effect::new(move |_| {
        if finished_runs.get().is_some() {
            ctx.page.with_untracked(|p| keep_summaries(&p.summaries));
        }
    });
    // The form, whenever it describes a request, kept in the tab for a reload.
    Effect::new(move |_| {
        if let Ok(request) = ctx.form.with(Form::request) {
            keep_form(&request);
        }
    });
    ws::keep_class_code_from_link();
    ws::connect(ws::Handlers {
        on_event: Rc::new(move |event| {
            // A new connection: keep its session's key for the next one, and tell the
            // server who this is again.
            let hello = hello_in(&event).map(|h| h.session.clone());
            // The name the server gave (the trainee's, or the instructor's rename) is the
            // one to join with next time.
            if let Some(name) = joined_in(&event) {
                storage::write(Place::Browser, NAME_KEY, &name);
            }
            apply_soon(ctx.page, event);
            if let Some(key) = hello {
                ws::keep_session(&key);
                if let Some(name) = stored_name() {
                    ctx.send(Command::Join { name });
                }
            }
        }),
        on_connection: Rc::new(move |state| ctx.connection.set(state)),
    });

    let show_lab = RwSignal::new(true);
    let connection_text = move || match ctx.connection.get() {
        Connection::Connecting => t!(lang(); "connecting…", "connexion…"),
        Connection::Open => t!(lang(); "connected", "connecté"),
        Connection::Closed => t!(lang(); "disconnected, reconnecting…", "déconnecté, reconnexion…"),
        Connection::CodeNeeded => t!(lang(); "class code needed", "code de la classe demandé"),
        Connection::Elsewhere => {
            t!(lang(); "continued in another tab: reload to take it back here", "poursuivi dans un autre onglet : rechargez pour le reprendre ici")
        }
    };
    let connection_class = move || match ctx.connection.get() {
        Connection::Connecting => "badge badge-wait",
        Connection::Open => "badge badge-ok",
        Connection::Closed | Connection::CodeNeeded | Connection::Elsewhere => "badge badge-bad",
    };
    // The lab is a column of its own from the top of the page down (sticky, scrolling by
    // itself) so that on a laptop an exercise, the form it changes and Send share the first
    // screen; on a phone it goes below the producer.
    view! {
        <div class="page" class:with-lab=move || show_lab.get()>
            // The first Tab stop: past the lab and the form, straight to Send.
            <a href="#send" id="skip-to-send" class="skip-link" on:click=move |ev| {
                ev.prevent_default();
                if let Some(send) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("send"))
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = send.focus();
                }
            }>
                {t!("Skip to Send", "Aller à Envoyer")}
            </a>
            <Show when=move || show_lab.get()>
                <LabSidebar />
            </Show>
            <div class="page-main">
                <header class="top">
                    <h1>"Kafka Producer Playground"</h1>
                    <span class="subtitle">
                        <a href="#lab" id="to-lab">{t!("LAB 1.2A · basic synchronous producer", "LAB 1.2A · producer synchrone de base")}</a>
                    </span>
                    <span id="connection" class=connection_class role="status">{connection_text}</span>
                    <button
                        id="toggle-lab"
                        class="small"
                        aria-pressed=move || show_lab.get().to_string()
                        on:click=move |_| show_lab.update(|s| *s = !*s)
                    >
                        {t!("Lab", "Lab")}
                    </button>
                    <LanguageSelect />
                </header>
                <BroadcastBanner />
                // A landmark of its own, as every part of the page is in one (screen readers list them).
                <section class="session-bar" aria-label=t!("Your session", "Votre session")>
                    <ClassCodeForm />
                    <TraineeName />
                    <ClusterLine />
                </section>
                <main class="layout">
                    <section class="column left">
                        <ConfigPanel />
                        <MessagePanel />
                    </section>
                    <section class="column right">
                        <RunPanel />
                        <PartitionStrip />
                        <ChartsPanel />
                        <ComparePanel />
                        <DeliveryTable />
                        <ClusterPanel />
                        <AcksLossPanel />
                        <LogsPanel />
                        <ExportPanel />
                    </section>
                </main>
            </div>
        </div>
    }
}
