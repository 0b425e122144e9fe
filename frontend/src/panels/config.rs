//! The config panel: every producer setting, grouped, explained, checked as typed.

use leptos::prelude::*;
use shared::settings::{
    Acks, BATCH_NUM_MESSAGES, BATCH_SIZE, Bound, Compression, LINGER_MS, MAX_IN_FLIGHT, MESSAGE_TIMEOUT_MS,
    Partitioner, Preset, REQUEST_TIMEOUT_MS, RETRIES, RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS, STICKY_LINGER_MS,
};

use crate::app::Ctx;

/// A numeric setting: label with its librdkafka and .NET names, input, explanation, error.
#[component]
fn NumberField(bound: Bound) -> impl IntoView {
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
                prop:value=move || ctx.form.with(|f| f.numbers.get(bound.name).cloned().unwrap_or_default())
                on:input=move |ev| ctx.form.update(|f| {
                    f.numbers.insert(bound.name, event_target_value(&ev));
                })
            />
            <p class="doc">{bound.doc}</p>
            <p class="error">{error}</p>
        </div>
    }
}

/// A choice among named values, as a select with its explanation.
#[component]
fn Choice<T: Copy + PartialEq + Send + Sync + 'static>(
    name: &'static str,
    dotnet: &'static str,
    options: &'static [T],
    label: fn(T) -> &'static str,
    get: fn(&shared::settings::ProducerSettings) -> T,
    set: fn(&mut shared::settings::ProducerSettings, T),
    doc: &'static str,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let id = name.replace('.', "-");
    let label_for = id.clone();
    view! {
        <div class="field">
            <label for=label_for><code>{name}</code><span class="dotnet">{format!(".NET {dotnet}")}</span></label>
            <select
                id=id
                on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    if let Some(value) = options.iter().copied().find(|o| label(*o) == chosen) {
                        ctx.form.update(|f| set(&mut f.settings, value));
                    }
                }
            >
                {options
                    .iter()
                    .copied()
                    .map(|option| {
                        view! {
                            <option value=label(option) selected=move || ctx.form.with(|f| get(&f.settings) == option)>
                                {label(option)}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="doc">{doc}</p>
        </div>
    }
}

/// Every setting of the engine, in the lab's groups, with the presets.
#[component]
pub fn ConfigPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let client_id_error = move || ctx.form.with(|f| f.error_for("client.id"));
    let acks_error = move || ctx.form.with(|f| f.error_for("acks"));
    let acks = move || ctx.form.with(|f| f.settings.acks);
    view! {
        <section class="panel" id="config">
            <h2>"Producer config"</h2>
            <div class="presets" role="group" aria-label="Presets">
                {Preset::ALL
                    .into_iter()
                    .map(|preset| {
                        let (id, name) = match preset {
                            Preset::LabBasic => ("preset-lab-basic", "Lab basic"),
                            Preset::Idempotent => ("preset-idempotent", "Idempotent (Ex. 4)"),
                            Preset::Optimized => ("preset-optimized", "Optimized (Ex. 5)"),
                        };
                        view! {
                            <button id=id title=preset.doc() on:click=move |_| ctx.form.update(|f| f.apply_preset(preset))>
                                {name}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="field" class:invalid=move || client_id_error().is_some()>
                <label for="client-id"><code>"client.id"</code><span class="dotnet">".NET ClientId"</span></label>
                <input
                    id="client-id"
                    type="text"
                    prop:value=move || ctx.form.with(|f| f.settings.client_id.clone())
                    on:input=move |ev| ctx.form.update(|f| f.settings.client_id = event_target_value(&ev))
                />
                <p class="doc">"The name brokers log and apply quotas under."</p>
                <p class="error">{client_id_error}</p>
            </div>

            <h3>"Delivery guarantees"</h3>
            <fieldset class="field acks" class:invalid=move || acks_error().is_some()>
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
                                    on:change=move |_| ctx.form.update(|f| f.settings.acks = level)
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
                <p class="error">{acks_error}</p>
                <Show when=move || ctx.embedded()>
                    <p class="honest">
                        "This embedded cluster is librdkafka's mock: it does not replicate and ignores acks, "
                        "so acks=1 and acks=all behave alike here. Use a real cluster to see the difference."
                    </p>
                </Show>
            </fieldset>
            <div class="field">
                <label for="enable-idempotence" class="radio">
                    <input
                        id="enable-idempotence"
                        type="checkbox"
                        prop:checked=move || ctx.form.with(|f| f.settings.enable_idempotence)
                        on:change=move |ev| ctx.form.update(|f| f.settings.enable_idempotence = event_target_checked(&ev))
                    />
                    <code>"enable.idempotence"</code>
                    <span class="dotnet">".NET EnableIdempotence"</span>
                </label>
                <p class="doc">"The broker drops duplicates of the producer's own retries and keeps their order. Needs acks=all and at most 5 requests in flight."</p>
            </div>
            <NumberField bound=MAX_IN_FLIGHT />

            <h3>"Retries and timeouts"</h3>
            <NumberField bound=RETRIES />
            <NumberField bound=RETRY_BACKOFF_MS />
            <NumberField bound=RETRY_BACKOFF_MAX_MS />
            <NumberField bound=REQUEST_TIMEOUT_MS />
            <NumberField bound=MESSAGE_TIMEOUT_MS />

            <h3>"Batching"</h3>
            <NumberField bound=LINGER_MS />
            <NumberField bound=BATCH_SIZE />
            <NumberField bound=BATCH_NUM_MESSAGES />
            <Choice
                name="compression.type"
                dotnet="CompressionType"
                options=&Compression::ALL
                label=Compression::as_str
                get=|s| s.compression_type
                set=|s, v| s.compression_type = v
                doc="How batches are compressed on the wire and on disk."
            />

            <h3>"Partitioning"</h3>
            <Choice
                name="partitioner"
                dotnet="Partitioner"
                options=&Partitioner::ALL
                label=Partitioner::as_str
                get=|s| s.partitioner
                set=|s, v| s.partitioner = v
                doc="consistent_random is librdkafka's and .NET's default (CRC32 of the key); murmur2_random puts keys where Java's producer does."
            />
            <NumberField bound=STICKY_LINGER_MS />
        </section>
    }
}
