//! The message panel: the key and value templates.

use leptos::prelude::*;
use shared::template::{PLACEHOLDERS, TemplateEnv};

use crate::context::Ctx;
use crate::i18n::{lang, say};
use crate::t;

/// Messages shown in the preview.
const PREVIEW_COUNT: u64 = 5;

/// `{now}`, `{uuid}` and `{rand:..}` from the browser, for the preview.
struct BrowserEnv;

impl TemplateEnv for BrowserEnv {
    fn now_ms(&mut self) -> i64 {
        js_sys::Date::now() as i64
    }
    fn random_bytes(&mut self) -> [u8; 16] {
        std::array::from_fn(|_| (js_sys::Math::random() * 256.0) as u8)
    }
    fn random_in(&mut self, min: i64, max: i64) -> i64 {
        // In i128: `{rand:MIN-MAX}` may span all of i64, whose width overflows i64.
        let span = (i128::from(max) - i128::from(min) + 1) as f64;
        let pick = i128::from(min) + (js_sys::Math::random() * span) as i128;
        pick.clamp(min.into(), max.into()) as i64
    }
}

/// What each message holds.
#[component]
pub fn MessagePanel() -> impl IntoView {
    view! {
        <section class="panel" id="message">
            <h2>{t!("Messages to ", "Messages vers ")} <code>"orders.created"</code></h2>
            <KeyAndValue />
            <HeaderFields />
            <MessagePreview />
        </section>
    }
}

/// The key and value templates, each checked as typed.
#[component]
fn KeyAndValue() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let problem = move |field: &'static str| move || ctx.form.with(|f| f.error_for(field));
    let error = move |field: &'static str| move || problem(field)().map(|p| say(&p));
    view! {
        <div class="field" class:invalid=move || problem("key_template")().is_some()>
            <label for="keyed" class="radio">
                <input
                    id="keyed"
                    type="checkbox"
                    prop:checked=move || ctx.form.with(|f| f.keyed)
                    on:change=move |ev| ctx.form.update(|f| f.keyed = event_target_checked(&ev))
                />
                {t!("Key", "Clé")}
            </label>
            <input
                id="key-template"
                type="text"
                aria-label=t!("Key template", "Modèle de clé")
                prop:disabled=move || !ctx.form.with(|f| f.keyed)
                prop:value=move || ctx.form.with(|f| f.key_template.clone())
                on:input=move |ev| ctx.form.update(|f| f.key_template = event_target_value(&ev))
            />
            <p class="doc">
                {t!(
                    "Messages with the same key go to the same partition.",
                    "Les messages de même clé vont dans la même partition."
                )}
            </p>
            <p class="error">{error("key_template")}</p>
        </div>
        <div class="field" class:invalid=move || problem("value_template")().is_some()>
            <label for="value-template">{t!("Value", "Valeur")}</label>
            <textarea
                id="value-template"
                rows="4"
                prop:value=move || ctx.form.with(|f| f.value_template.clone())
                on:input=move |ev| ctx.form.update(|f| f.value_template = event_target_value(&ev))
            ></textarea>
            <p class="doc">{move || t!(lang(); "Placeholders: {PLACEHOLDERS}.", "Variables : {PLACEHOLDERS}.")}</p>
            <p class="error">{error("value_template")}</p>
        </div>
    }
}

/// The headers: a name and a value template each.
#[component]
fn HeaderFields() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let header_count = Memo::new(move |_| ctx.form.with(|f| f.headers.len()));
    view! {
        <fieldset class="field headers">
            <legend>{t!("Headers", "En-têtes")}</legend>
            {move || {
                // Rebuilt only when a header is added or removed, so typing keeps focus.
                (0..header_count.get())
                    .map(|n| {
                        let problem = move || ctx.form.with(|f| f.error_for(&format!("headers[{n}]")));
                        let error = move || problem().map(|p| say(&p));
                        view! {
                            <div class="header-row" class:invalid=move || problem().is_some()>
                                <input
                                    id=format!("header-name-{n}")
                                    type="text"
                                    aria-label=move || t!(lang(); "Header {} name", "Nom de l'en-tête {}", n + 1)
                                    prop:value=move || ctx.form.with(|f| f.headers.get(n).map(|h| h.0.clone()).unwrap_or_default())
                                    on:input=move |ev| ctx.form.update(|f| {
                                        if let Some(h) = f.headers.get_mut(n) {
                                            h.0 = event_target_value(&ev);
                                        }
                                    })
                                />
                                <input
                                    id=format!("header-value-{n}")
                                    type="text"
                                    aria-label=move || t!(lang(); "Header {} value", "Valeur de l'en-tête {}", n + 1)
                                    prop:value=move || ctx.form.with(|f| f.headers.get(n).map(|h| h.1.clone()).unwrap_or_default())
                                    on:input=move |ev| ctx.form.update(|f| {
                                        if let Some(h) = f.headers.get_mut(n) {
                                            h.1 = event_target_value(&ev);
                                        }
                                    })
                                />
                                <button
                                    class="small"
                                    aria-label=move || t!(lang(); "Remove header {}", "Retirer l'en-tête {}", n + 1)
                                    on:click=move |_| ctx.form.update(|f| {
                                        if n < f.headers.len() {
                                            f.headers.remove(n);
                                        }
                                    })
                                >
                                    "✕"
                                </button>
                                <p class="error">{error}</p>
                            </div>
                        }
                    })
                    .collect_view()
            }}
            <button
                id="add-header"
                class="small"
                on:click=move |_| ctx.form.update(|f| f.headers.push((String::new(), String::new())))
            >
                {t!("Add header", "Ajouter un en-tête")}
            </button>
            <p class="doc">
                {t!(
                    "Each value is a template too. The lab sends correlation-id (a fresh UUID) and source.",
                    "Chaque valeur est aussi un modèle. Le lab envoie correlation-id (un UUID neuf) et source."
                )}
            </p>
        </fieldset>
    }
}

/// The first messages as they will be sent, and where each key goes.
#[component]
fn MessagePreview() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // A memo, so that deliveries streaming into the page do not redraw the preview.
    let partitions = Memo::new(move |_| ctx.page.with(|p| p.partitions()));
    view! {
        <div class="preview" id="preview">
            <h3>{t!("Preview: the first messages", "Aperçu : les premiers messages")}</h3>
            {move || {
                let partitions = partitions.get() as u32;
                let partitioner = ctx.form.with(|f| f.settings.partitioner);
                match ctx.form.with(|f| f.preview(PREVIEW_COUNT, partitions, &mut BrowserEnv)) {
                    Err(e) => view! { <p class="error">{say(&e)}</p> }.into_any(),
                    Ok(rows) => view! {
                        <table>
                            <thead>
                                <tr>
                                    <th>"#"</th>
                                    <th>{t!(lang(); "Key", "Clé")}</th>
                                    <th title=format!("partitioner {}", partitioner.as_str())>"Partition"</th>
                                    <th title=t!(lang(); "Java's default partitioner: murmur2", "Le partitioner par défaut de Java : murmur2")>
                                        {t!(lang(); "Java's", "Java")}
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows
                                    .into_iter()
                                    .map(|row| {
                                        let show = |p: Option<u32>| p.map_or_else(|| t!(lang(); "sticky", "collant"), |p| p.to_string());
                                        let differs = row.partition.is_some() && row.partition != row.java_partition;
                                        view! {
                                            <tr title=row.value.clone()>
                                                <td>{row.seq}</td>
                                                <td class="key">{row.key.clone().unwrap_or_else(|| t!(lang(); "(none)", "(aucune)"))}</td>
                                                <td class="predicted">{show(row.partition)}</td>
                                                <td class="java" class:differs=differs>{show(row.java_partition)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any(),
                }
            }}
            <p class="doc">
                {t!(
                    "librdkafka (and so .NET) hashes keys with CRC32 by default, Java with murmur2: \
                     the same key can land on another partition. Keyless messages stick to one partition \
                     for sticky.partitioning.linger.ms, then move on.",
                    "librdkafka (et donc .NET) hache les clés en CRC32 par défaut, Java en murmur2 : \
                     la même clé peut tomber dans une autre partition. Les messages sans clé restent sur une \
                     partition pendant sticky.partitioning.linger.ms, puis passent à la suivante."
                )}
            </p>
        </div>
    }
}
