//! The logs panel: librdkafka's log and error callbacks, as the lab's handlers print them.

use leptos::prelude::*;

use crate::context::Ctx;
use crate::t;

/// The last lines of librdkafka's log, newest last, with their levels.
#[component]
pub fn LogsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // A memo: deliveries streaming into the page must not redraw the log.
    let lines = Memo::new(move |_| ctx.page.with(|p| p.logs.clone()));
    view! {
        <section class="panel" id="logs">
            <h2>{t!("librdkafka log", "Journal de librdkafka")}</h2>
            <Show
                when=move || !lines.get().is_empty()
                fallback=|| {
                    view! {
                        <p class="hint">
                            {t!(
                                "Quiet: librdkafka logs here when a broker goes away or an error comes back.",
                                "Calme : librdkafka écrit ici quand un broker disparaît ou qu'une erreur revient."
                            )}
                        </p>
                    }
                }
            >
                <ol class="log">
                    {move || {
                        lines
                            .get()
                            .into_iter()
                            .map(|line| {
                                view! {
                                    <li class=format!("log-{}", line.level)>
                                        <span class="level">{line.level.clone()}</span>
                                        <span class="facility">{line.facility.clone()}</span>
                                        <span class="message">{line.message.clone()}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ol>
            </Show>
        </section>
    }
}
