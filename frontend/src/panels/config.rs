//! The config panel: every producer setting, grouped, explained, checked as typed.

use leptos::prelude::*;
use shared::settings::{
    Acks, BATCH_NUM_MESSAGES, BATCH_SIZE, Bound, Compression, LINGER_MS, MAX_IN_FLIGHT, MESSAGE_TIMEOUT_MS,
    Partitioner, Preset, REQUEST_TIMEOUT_MS, RETRIES, RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS, STICKY_LINGER_MS,
};

use crate::context::Ctx;
use crate::i18n::{lang, say};
use crate::t;

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
            <p class="doc">{move || bound.doc.get(lang())}</p>
            <p class="error">{move || error().map(|p| say(&p))}</p>
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
    doc: shared::problem::Text,
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
            <p class="doc">{move || doc.get(lang())}</p>
        </div>
    }
}

/// Every setting of the engine, in the lab's groups, with the presets.
#[component]
pub fn ConfigPanel() -> impl IntoView {
    view! {
        <section class="panel" id="config">
            <h2>{t!("Producer config", "Configuration du producer")}</h2>
            <Presets />
            <DeliveryGuarantees />
            <RetriesAndTimeouts />
            <Batching />
            <Partitioning />
        </section>
    }
}

/// The presets and client.id.
#[component]
fn Presets() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let client_id_error = move || ctx.form.with(|f| f.error_for("client.id"));
    view! {
        <div class="presets" role="group" aria-label=t!("Presets", "Préréglages")>
            {Preset::ALL
                .into_iter()
                .map(|preset| {
                    let (id, en, fr) = match preset {
                        Preset::LabBasic => ("preset-lab-basic", "Lab basic", "Lab de base"),
                        Preset::Idempotent => ("preset-idempotent", "Idempotent (Ex. 4)", "Idempotent (Ex. 4)"),
                        Preset::Optimized => ("preset-optimized", "Optimized (Ex. 5)", "Optimisé (Ex. 5)"),
                    };
                    view! {
                        <button
                            id=id
                            title=move || preset.doc().get(lang())
                            on:click=move |_| ctx.form.update(|f| f.apply_preset(preset))
                        >
                            {t!(en, fr)}
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
            <p class="doc">
                {t!(
                    "The name brokers log and apply quotas under.",
                    "Le nom sous lequel les brokers journalisent et appliquent les quotas."
                )}
            </p>
            <p class="error">{move || client_id_error().map(|p| say(&p))}</p>
        </div>

    }
}

/// acks, idempotence and the requests in flight.
#[component]
fn DeliveryGuarantees() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <h3>{t!("Delivery guarantees", "Garanties de livraison")}</h3>
        <AcksField />
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
            <p class="doc">
                {t!(
                    "The broker drops duplicates of the producer's own retries and keeps their order. \
                     Needs acks=all and at most 5 requests in flight.",
                    "Le broker écarte les doublons des propres tentatives du producer et garde leur ordre. \
                     Exige acks=all et au plus 5 requêtes en vol."
                )}
            </p>
        </div>
        <NumberField bound=MAX_IN_FLIGHT />
    }
}

/// acks, what each level means, and what the embedded cluster does of it.
#[component]
fn AcksField() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let acks_error = move || ctx.form.with(|f| f.error_for("acks"));
    let acks = move || ctx.form.with(|f| f.settings.acks);
    view! {
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
                    Acks::Zero => t!(lang(); "0: fire and forget. The broker sends no answer, so there is no offset.", "0 : envoyer et oublier. Le broker ne répond pas, donc il n'y a pas d'offset."),
                    Acks::One => t!(lang(); "1: delivered once the partition leader wrote it.", "1 : livré dès que le leader de la partition l'a écrit."),
                    Acks::All => t!(lang(); "all: delivered once every in-sync replica has it (the lab's choice).", "all : livré quand chaque réplique synchronisée (ISR) l'a (le choix du lab)."),
                }}
            </p>
            <p class="error">{move || acks_error().map(|p| say(&p))}</p>
            <Show when=move || ctx.embedded()>
                <p class="honest">
                    {t!(
                        "This embedded cluster is librdkafka's mock: it does not replicate and ignores acks, \
                         so acks=1 and acks=all behave alike here. Use a real cluster to see the difference \
                         (`cargo xtask run --kafka` starts Apache Kafka on this machine).",
                        "Ce cluster embarqué est le mock de librdkafka : il ne réplique pas et ignore acks, \
                         donc acks=1 et acks=all se comportent pareil ici. Utilisez un vrai cluster pour voir la différence \
                         (`cargo xtask run --kafka` lance Apache Kafka sur cette machine)."
                    )}
                </p>
            </Show>
        </fieldset>
    }
}

/// Retries, backoff and the timeouts.
#[component]
fn RetriesAndTimeouts() -> impl IntoView {
    view! {
        <h3>{t!("Retries and timeouts", "Tentatives et délais")}</h3>
        <NumberField bound=RETRIES />
        <NumberField bound=RETRY_BACKOFF_MS />
        <NumberField bound=RETRY_BACKOFF_MAX_MS />
        <NumberField bound=REQUEST_TIMEOUT_MS />
        <NumberField bound=MESSAGE_TIMEOUT_MS />
    }
}

/// linger.ms, the batch sizes and compression.
#[component]
fn Batching() -> impl IntoView {
    view! {
        <h3>{t!("Batching", "Batchs")}</h3>
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
            doc=shared::problem::Text {
                en: "How batches are compressed on the wire and on disk.",
                fr: "Comment les batchs sont compressés sur le réseau et sur disque.",
            }
        />
    }
}

/// The partitioner and the sticky partitioner's linger.
#[component]
fn Partitioning() -> impl IntoView {
    view! {
        <h3>{t!("Partitioning", "Partitionnement")}</h3>
        <Choice
            name="partitioner"
            dotnet="Partitioner"
            options=&Partitioner::ALL
            label=Partitioner::as_str
            get=|s| s.partitioner
            set=|s, v| s.partitioner = v
            doc=shared::problem::Text {
                en: "consistent_random is librdkafka's and .NET's default (CRC32 of the key); \
                     murmur2_random puts keys where Java's producer does.",
                fr: "consistent_random est le défaut de librdkafka et de .NET (CRC32 de la clé) ; \
                     murmur2_random place les clés là où le producer Java les met.",
            }
        />
        <NumberField bound=STICKY_LINGER_MS />
    }
}
