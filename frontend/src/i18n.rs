//! The page's language: English or French (the lab's), switchable, remembered.
//!
//! Every text of the page is written one way, where it is shown, as a pair, English first,
//! with [`t!`](crate::t):
//! - `t!("Send", "Envoyer")`: a fixed text, as a signal that a view redraws on a switch;
//! - `t!(lang; "{n} sent", "{n} envoyés")`: a sentence with figures (or a text chosen in
//!   code), in `lang`; only that language is formatted, and each figure is checked by the
//!   compiler in both.
//!
//! A pair cannot lose one of its languages, and a reviewer reads both side by side. Pairs
//! kept as data before they are shown (the checklist, the settings' explanations) are
//! [`shared::problem::Text`] values. The server's errors come as
//! [`shared::problem::Problem`] codes and are worded here, in the chosen language, by
//! `shared`.

use crate::storage::{Place, read, write};
use leptos::prelude::*;
pub use shared::problem::Lang;

/// Where the choice is kept in the browser.
const STORAGE_KEY: &str = "playground.lang";

thread_local! {
    // An ArcRwSignal, not an arena signal: it must outlive whichever component reads
    // it first, and lives as long as the page.
    static LANG: ArcRwSignal<Lang> = ArcRwSignal::new(initial());
}

/// The stored choice, else the browser's language, else English (outside a browser,
/// in native tests: English).
fn initial() -> Lang {
    if cfg!(not(target_arch = "wasm32")) {
        return Lang::default();
    }
    let window = web_sys::window();
    let stored = read(Place::Browser, STORAGE_KEY).and_then(|code| Lang::from_code(&code));
    let lang = stored
        .or_else(|| window.as_ref().and_then(|w| w.navigator().language()).and_then(|code| Lang::from_code(&code)))
        .unwrap_or_default();
    mark_document(lang);
    lang
}

/// `<html lang>`, so screen readers pronounce the page right.
fn mark_document(lang: Lang) {
    if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = html.set_attribute("lang", lang.code());
    }
}

/// The page's language; reading it in a reactive closure redraws it on a switch.
pub fn lang() -> Lang {
    LANG.with(|l| l.get())
}

/// Switches the page to `lang` and remembers it in the browser.
pub fn set_lang(lang: Lang) {
    LANG.with(|l| l.set(lang));
    mark_document(lang);
    write(Place::Browser, STORAGE_KEY, lang.code());
}

/// The English or the French, in the page's language.
fn pick<T>(en: T, fr: T) -> T {
    match lang() {
        Lang::En => en,
        Lang::Fr => fr,
    }
}

/// A fixed text in both languages, as a signal a view redraws on a switch.
///
/// Not generic and not a closure per call site: the page shows about two hundred of these,
/// and one `Signal<&str>` type renders them all (a closure each cost 40 KB of gzipped wasm).
pub fn text(en: &'static str, fr: &'static str) -> Signal<&'static str> {
    Signal::derive(move || pick(en, fr))
}

/// A text in both languages, English first: `t!("Send", "Envoyer")` for a view or an
/// attribute (a signal), `t!(lang; "{n} sent", "{n} envoyés")` for a sentence with
/// figures in `lang` (a `String`; format arguments may follow the French).
#[macro_export]
macro_rules! t {
    ($lang:expr; $en:literal, $fr:literal $(, $($arg:tt)*)?) => {
        $crate::i18n::format_in($lang, format_args!($en $(, $($arg)*)?), format_args!($fr $(, $($arg)*)?))
    };
    ($en:expr, $fr:expr $(,)?) => {
        $crate::i18n::text($en, $fr)
    };
}

/// The English or the French formatted, in `lang`: one function for every sentence with
/// figures, so that a call site only gathers its arguments (less wasm than two inlined
/// `format!`s at each of them).
pub fn format_in(lang: Lang, en: std::fmt::Arguments<'_>, fr: std::fmt::Arguments<'_>) -> String {
    match lang {
        Lang::En => std::fmt::format(en),
        Lang::Fr => std::fmt::format(fr),
    }
}

/// `n` with `decimals` digits as the page's language writes it (`1,000,000` and `0.11`,
/// or `1 000 000` and `0,11`), by the browser's own `Intl.NumberFormat`.
pub fn number(n: f64, decimals: u8) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        intl::format(lang(), n, decimals)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        format!("{n:.0$}", usize::from(decimals))
    }
}

/// A latency in microseconds as milliseconds, in the page's language: `0,11 ms`.
pub fn latency(us: u64) -> String {
    format!("{} ms", number(us as f64 / 1000.0, 2))
}

/// Whether `n` takes the singular in the page's language (`Intl.PluralRules`: 1 in
/// English; 0 and 1 in French).
pub fn singular(n: f64) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        intl::is_one(lang(), n)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        n == 1.0
    }
}

/// The browser's Intl formatters, made once per language and number of decimals.
#[cfg(target_arch = "wasm32")]
mod intl {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use js_sys::{Array, Function, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;

    use super::Lang;

    thread_local! {
        static FORMATS: RefCell<HashMap<(Lang, u8), Function>> = RefCell::new(HashMap::new());
        static PLURALS: RefCell<HashMap<Lang, Intl::PluralRules>> = RefCell::new(HashMap::new());
    }

    fn locales(lang: Lang) -> Array {
        Array::of1(&JsValue::from_str(match lang {
            Lang::En => "en-US",
            Lang::Fr => "fr-FR",
        }))
    }

    pub fn format(lang: Lang, n: f64, decimals: u8) -> String {
        let format = FORMATS.with(|f| {
            f.borrow_mut()
                .entry((lang, decimals))
                .or_insert_with(|| {
                    let options = Object::new();
                    let digits = JsValue::from_f64(f64::from(decimals));
                    let _ = Reflect::set(&options, &"minimumFractionDigits".into(), &digits);
                    let _ = Reflect::set(&options, &"maximumFractionDigits".into(), &digits);
                    Intl::NumberFormat::new(&locales(lang), &options).format()
                })
                .clone()
        });
        format
            .call1(&JsValue::NULL, &JsValue::from_f64(n))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| n.to_string())
    }

    pub fn is_one(lang: Lang, n: f64) -> bool {
        PLURALS.with(|p| {
            let mut plurals = p.borrow_mut();
            let rules = plurals.entry(lang).or_insert_with(|| Intl::PluralRules::new(&locales(lang), &Object::new()));
            rules.select(n) == "one"
        })
    }
}

/// A problem in the page's language.
pub fn say(problem: &shared::problem::Problem) -> String {
    problem.text(lang())
}

/// The page's language, chosen in its header (the trainee's page and the instructor's).
#[component]
pub fn LanguageSelect() -> impl IntoView {
    view! {
        <label class="lang" for="lang">
            <span class="sr-only">"Language / Langue"</span>
            <select id="lang" on:change=move |ev| {
                if let Some(chosen) = Lang::from_code(&event_target_value(&ev)) {
                    set_lang(chosen);
                }
            }>
                <option value="en" selected=move || lang() == Lang::En>"English"</option>
                <option value="fr" selected=move || lang() == Lang::Fr>"Français"</option>
            </select>
        </label>
    }
}
