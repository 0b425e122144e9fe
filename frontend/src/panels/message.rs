//! The message panel: the key and value templates.

use leptos::prelude::*;
use shared::template::{PLACEHOLDERS, TemplateEnv};

use crate::app::Ctx;

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
        min + (js_sys::Math::random() * ((max - min) as f64 + 1.0)) as i64
    }
}

/// What each message holds.
#[component]
pub fn MessagePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let error = move |field: &'static str| move || ctx.form.with(|f| f.error_for(field));
    let header_count = Memo::new(move |_| ctx.form.with(|f| f.headers.len()));
    // A memo, so that deliveries streaming into the page do not redraw the preview.
    let partitions = Memo::new(move |_| ctx.page.with(|p| p.partitions()));
    view! {
        <section class="panel" id="message">
            <h2>"Messages to " <code>"orders.created"</code></h2>
            <div class="field" class:invalid=move || error("key_template")().is_some()>
                <label for="keyed" class="radio">
                    <input
                        id="keyed"
                        type="checkbox"
                        prop:checked=move || ctx.form.with(|f| f.keyed)
                        on:change=move |ev| ctx.form.update(|f| f.keyed = event_target_checked(&ev))
                    />
                    "Key"
                </label>
                <input
                    id="key-template"
                    type="text"
                    aria-label="Key template"
                    prop:disabled=move || !ctx.form.with(|f| f.keyed)
                    prop:value=move || ctx.form.with(|f| f.key_template.clone())
                    on:input=move |ev| ctx.form.update(|f| f.key_template = event_target_value(&ev))
                />
                <p class="doc">"Messages with the same key go to the same partition."</p>
                <p class="error">{error("key_template")}</p>
            </div>
            <div class="field" class:invalid=move || error("value_template")().is_some()>
                <label for="value-template">"Value"</label>
                <textarea
                    id="value-template"
                    rows="4"
                    prop:value=move || ctx.form.with(|f| f.value_template.clone())
                    on:input=move |ev| ctx.form.update(|f| f.value_template = event_target_value(&ev))
                ></textarea>
                <p class="doc">{format!("Placeholders: {PLACEHOLDERS}.")}</p>
                <p class="error">{error("value_template")}</p>
            </div>
            <fieldset class="field headers">
                <legend>"Headers"</legend>
                {move || {
                    // Rebuilt only when a header is added or removed, so typing keeps focus.
                    (0..header_count.get())
                        .map(|n| {
                            let error = move || ctx.form.with(|f| f.error_for(&format!("headers[{n}]")));
                            view! {
                                <div class="header-row" class:invalid=move || error().is_some()>
                                    <input
                                        id=format!("header-name-{n}")
                                        type="text"
                                        aria-label=format!("Header {} name", n + 1)
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
                                        aria-label=format!("Header {} value", n + 1)
                                        prop:value=move || ctx.form.with(|f| f.headers.get(n).map(|h| h.1.clone()).unwrap_or_default())
                                        on:input=move |ev| ctx.form.update(|f| {
                                            if let Some(h) = f.headers.get_mut(n) {
                                                h.1 = event_target_value(&ev);
                                            }
                                        })
                                    />
                                    <button
                                        class="small"
                                        aria-label=format!("Remove header {}", n + 1)
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
                    "Add header"
                </button>
                <p class="doc">"Each value is a template too. The lab sends correlation-id (a fresh UUID) and source."</p>
            </fieldset>
            <div class="preview" id="preview">
                <h3>"Preview: the first messages"</h3>
                {move || {
                    let partitions = partitions.get() as u32;
                    let partitioner = ctx.form.with(|f| f.settings.partitioner);
                    match ctx.form.with(|f| f.preview(PREVIEW_COUNT, partitions, &mut BrowserEnv)) {
                        Err(e) => view! { <p class="error">{e}</p> }.into_any(),
                        Ok(rows) => view! {
                            <table>
                                <thead>
                                    <tr>
                                        <th>"#"</th>
                                        <th>"Key"</th>
                                        <th title=format!("partitioner {}", partitioner.as_str())>"Partition"</th>
                                        <th title="Java's default partitioner: murmur2">"Java's"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {rows
                                        .into_iter()
                                        .map(|row| {
                                            let show = |p: Option<u32>| p.map_or_else(|| "sticky".to_owned(), |p| p.to_string());
                                            let differs = row.partition.is_some() && row.partition != row.java_partition;
                                            view! {
                                                <tr title=row.value.clone()>
                                                    <td>{row.seq}</td>
                                                    <td class="key">{row.key.clone().unwrap_or_else(|| "(none)".into())}</td>
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
                    "librdkafka (and so .NET) hashes keys with CRC32 by default, Java with murmur2: "
                    "the same key can land on another partition. Keyless messages stick to one partition "
                    "for sticky.partitioning.linger.ms, then move on."
                </p>
            </div>
        </section>
    }
}
