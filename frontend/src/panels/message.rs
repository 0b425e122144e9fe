//! The message panel: the key and value templates.

use leptos::prelude::*;
use shared::template::PLACEHOLDERS;

use crate::app::Ctx;

/// What each message holds.
#[component]
pub fn MessagePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let error = move |field: &'static str| move || ctx.form.with(|f| f.error_for(field));
    let header_count = Memo::new(move |_| ctx.form.with(|f| f.headers.len()));
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
        </section>
    }
}
