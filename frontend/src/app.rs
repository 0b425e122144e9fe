//! The page's root: shared state in context, the WebSocket, and the panels' layout.

use std::rc::Rc;

use leptos::prelude::*;
use shared::problem::Problem;
use shared::protocol::{ClusterMode, Command};

use crate::i18n::{Lang, lang, set_lang};

use crate::model::{Connection, Form, Page};
use crate::panels::{
    ChartsPanel, ClusterLine, ClusterPanel, ConfigPanel, DeliveryTable, ExportPanel, LabSidebar, LogsPanel,
    MessagePanel, PartitionStrip, RunPanel,
};
use crate::{t, ws};

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
            Ok(request) => {
                self.page.update(|p| p.sent = Some(request.clone()));
                self.send(Command::Produce(request));
            }
            Err(errors) => self.notice.set(Some(Problem::InvalidRequest { fields: errors.len() })),
        }
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

/// The playground page.
#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        page: RwSignal::new(Page::default()),
        // A shared link's scenario, or the lab's.
        form: RwSignal::new(crate::share::from_location().map_or_else(Form::default, |r| Form::from_request(&r))),
        connection: RwSignal::new(Connection::Connecting),
        notice: RwSignal::new(None),
    };
    provide_context(ctx);
    ws::connect(ws::Handlers {
        on_event: Rc::new(move |event| ctx.page.update(|p| p.apply(event))),
        on_connection: Rc::new(move |state| ctx.connection.set(state)),
    });

    let show_lab = RwSignal::new(true);
    let connection_text = move || match ctx.connection.get() {
        Connection::Connecting => crate::i18n::pick("connecting…", "connexion…"),
        Connection::Open => crate::i18n::pick("connected", "connecté"),
        Connection::Closed => crate::i18n::pick("disconnected, reconnecting…", "déconnecté, reconnexion…"),
    };
    let connection_class = move || match ctx.connection.get() {
        Connection::Connecting => "badge badge-wait",
        Connection::Open => "badge badge-ok",
        Connection::Closed => "badge badge-bad",
    };
    view! {
        <header class="top">
            <h1>"Kafka Producer Playground"</h1>
            <span class="subtitle">{t!("LAB 1.2A · basic synchronous producer", "LAB 1.2A · producer synchrone de base")}</span>
            <span id="connection" class=connection_class role="status">{connection_text}</span>
            <button
                id="toggle-lab"
                class="small"
                aria-pressed=move || show_lab.get().to_string()
                on:click=move |_| show_lab.update(|s| *s = !*s)
            >
                {t!("Lab", "Lab")}
            </button>
            <label class="lang" for="lang">
                <span class="sr-only">"Language / Langue"</span>
                <select id="lang" on:change=move |ev| {
                    if let Some(chosen) = Lang::from_code(&event_target_value(&ev)) {
                        set_lang(chosen);
                    }
                }>
                    <option value="en" selected=move || lang() == Lang::En>"English"</option>
                    <option value="fr" selected=move || lang() == Lang::Fr>"Français"</option>
                </select>
            </label>
        </header>
        <ClusterLine />
        <main class="layout" class:with-lab=move || show_lab.get()>
            <Show when=move || show_lab.get()>
                <LabSidebar />
            </Show>
            <section class="column left">
                <ConfigPanel />
                <MessagePanel />
            </section>
            <section class="column right">
                <RunPanel />
                <PartitionStrip />
                <ChartsPanel />
                <DeliveryTable />
                <ClusterPanel />
                <LogsPanel />
                <ExportPanel />
            </section>
        </main>
    }
}
