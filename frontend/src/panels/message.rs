//! The message panel: the key and value templates.

use leptos::prelude::*;
use shared::template::PLACEHOLDERS;

use crate::app::Ctx;

/// What each message holds.
#[component]
pub fn MessagePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let error = move |field: &'static str| move || ctx.form.with(|f| f.error_for(field));
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
                <p class="doc">{format!("Placeholders: {PLACEHOLDERS}. Headers correlation-id (a fresh UUID) and source are added to each message.")}</p>
                <p class="error">{error("value_template")}</p>
            </div>
        </section>
    }
}
