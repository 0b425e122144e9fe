//! Export and share: the current scenario as code to take home, or as a link to hand out.

use leptos::prelude::*;
use shared::problem::Problem;

use crate::context::Ctx;
use crate::export::{Language, export};
use crate::i18n::{lang, say};
use crate::share;
use crate::t;

/// Copies `text` to the clipboard, where the browser allows it.
fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Tabs of code, a copy button, and a link that restores the scenario.
#[component]
pub fn ExportPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let language = RwSignal::new(Language::CSharp);
    let link = RwSignal::new(String::new());
    let bootstrap = Memo::new(move |_| {
        ctx.page.with(|p| p.hello.as_ref().map_or_else(|| "localhost:9092".to_owned(), |h| h.bootstrap_servers.clone()))
    });
    let code = move || match ctx.form.with(|f| f.request()) {
        Ok(request) => export(language.get(), &request, &bootstrap.get()),
        Err(errors) => {
            let first = say(&errors[0].problem);
            t!(lang(); "// Fix the marked fields first: {first}", "// Corrigez d'abord les champs marqués : {first}")
        }
    };
    view! {
        <section class="panel" id="export">
            <h2>{t!("Take it home", "À emporter")}</h2>
            <div class="tabs" role="tablist">
                {Language::ALL
                    .into_iter()
                    .map(|l| {
                        view! {
                            <button
                                id=format!("export-{}", l.id())
                                role="tab"
                                aria-selected=move || (language.get() == l).to_string()
                                class:active=move || language.get() == l
                                on:click=move |_| language.set(l)
                            >
                                {l.label()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <pre id="export-code" tabindex="0">{code}</pre>
            <div class="actions">
                <button id="copy-code" on:click=move |_| copy(&code())>{t!("Copy code", "Copier le code")}</button>
                <button
                    id="share"
                    on:click=move |_| match ctx.form.with(|f| f.request()) {
                        Ok(request) => {
                            let url = share::link(&request);
                            copy(&url);
                            link.set(url);
                        }
                        Err(errors) => ctx.notice.set(Some(Problem::InvalidRequest { fields: errors.len() })),
                    }
                >
                    {t!("Share this scenario", "Partager ce scénario")}
                </button>
            </div>
            <Show when=move || !link.get().is_empty()>
                <label class="share-link">
                    {t!("Link (copied): ", "Lien (copié) : ")}
                    <input id="share-link" type="text" readonly prop:value=move || link.get() />
                </label>
            </Show>
        </section>
    }
}
