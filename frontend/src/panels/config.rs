//! The config panel: the lab's producer settings, each explained, checked as typed.

use leptos::prelude::*;
use shared::settings::{
    Acks, Bound, MESSAGE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, RETRIES, RETRY_BACKOFF_MS,
};

use crate::app::Ctx;
use crate::model::Form;

/// A numeric setting: label with its librdkafka and .NET names, input, explanation, error.
#[component]
fn NumberField(
    bound: Bound,
    get: fn(&Form) -> String,
    set: fn(&mut Form, String),
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let id = bound.name.replace('.', "-");
    let label_for = id.clone();
    let error = move || ctx.form.with(|f| f.error_for(bound.name));
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=label_for>
                <code>{bound.name}</code>
                <span class="dotnet">{format!(".NET {}", bound.dotnet)}</span>
            </label>
            <input
                id=id
                type="text"
                inputmode="numeric"
                prop:value=move || ctx.form.with(get)
                on:input=move |ev| ctx.form.update(|f| set(f, event_target_value(&ev)))
            />
            <p class="doc">{bound.doc}</p>
            <p class="error">{error}</p>
        </div>
    }
}

/// The settings of the lab's Program.cs.
#[component]
pub fn ConfigPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let client_id_error = move || ctx.form.with(|f| f.error_for("client.id"));
    let acks = move || ctx.form.with(|f| f.acks);
    view! {
        <section class="panel" id="config">
            <h2>"Producer config"</h2>
            <div class="field" class:invalid=move || client_id_error().is_some()>
                <label for="client-id"><code>"client.id"</code><span class="dotnet">".NET ClientId"</span></label>
                <input
                    id="client-id"
                    type="text"
                    prop:value=move || ctx.form.with(|f| f.client_id.clone())
                    on:input=move |ev| ctx.form.update(|f| f.client_id = event_target_value(&ev))
                />
                <p class="doc">"The name brokers log and apply quotas under."</p>
                <p class="error">{client_id_error}</p>
            </div>
            <fieldset class="field acks">
                <legend><code>"acks"</code><span class="dotnet">".NET Acks"</span></legend>
                {Acks::ALL
                    .into_iter()
                    .map(|level| {
                        let id = format!("acks-{}", level.as_str());
                        let label_for = id.clone();
                        view! {
                            <label class="radio" for=label_for>
                                <input
                                    type="radio"
                                    name="acks"
                                    id=id
                                    prop:checked=move || acks() == level
                                    on:change=move |_| ctx.form.update(|f| f.acks = level)
                                />
                                {level.as_str()}
                            </label>
                        }
                    })
                    .collect_view()}
                <p class="doc">
                    {move || match acks() {
                        Acks::Zero => "0: fire and forget. The broker sends no answer, so there is no offset.",
                        Acks::One => "1: delivered once the partition leader wrote it.",
                        Acks::All => "all: delivered once every in-sync replica has it (the lab's choice).",
                    }}
                </p>
                <Show when=move || ctx.embedded()>
                    <p class="honest">
                        "This embedded cluster is librdkafka's mock: it does not replicate and ignores acks, "
                        "so acks=1 and acks=all behave alike here. Use a real cluster to see the difference."
                    </p>
                </Show>
            </fieldset>
            <NumberField bound=RETRIES get=|f| f.retries.clone() set=|f, v| f.retries = v />
            <NumberField bound=RETRY_BACKOFF_MS get=|f| f.retry_backoff_ms.clone() set=|f, v| f.retry_backoff_ms = v />
            <NumberField bound=REQUEST_TIMEOUT_MS get=|f| f.request_timeout_ms.clone() set=|f, v| f.request_timeout_ms = v />
            <NumberField bound=MESSAGE_TIMEOUT_MS get=|f| f.message_timeout_ms.clone() set=|f, v| f.message_timeout_ms = v />
        </section>
    }
}
