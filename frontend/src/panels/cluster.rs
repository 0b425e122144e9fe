//! The cluster line: which cluster this is, and how to look at it with your own tools.

use leptos::prelude::*;
use shared::protocol::ClusterMode;

use crate::app::Ctx;

/// Mode, brokers and bootstrap address, with a ready kcat command.
#[component]
pub fn ClusterLine() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let hello = move || ctx.page.with(|p| p.hello.clone());
    view! {
        <div id="cluster" class="cluster-line">
            {move || match hello() {
                None => view! { <span>"Waiting for the server…"</span> }.into_any(),
                Some(h) => {
                    let mode = match h.mode {
                        ClusterMode::Embedded => "Embedded cluster (librdkafka mock)",
                        ClusterMode::External => "Kafka cluster",
                    };
                    let kcat = format!("kcat -b {} -C -t orders.created -f '%p:%o %k %s\\n'", h.bootstrap_servers);
                    view! {
                        <span class="mode">{mode}</span>
                        <span>{format!("{} brokers", h.brokers.len())}</span>
                        <span>"bootstrap " <code id="bootstrap">{h.bootstrap_servers.clone()}</code></span>
                        <span class="tools">"Use your own tools: " <code>{kcat}</code></span>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}
