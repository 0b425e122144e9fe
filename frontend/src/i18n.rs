//! The page's language: English or French (the lab's), switchable, remembered.
//!
//! Every text of the page is written where it is shown, as a pair: `t!("Send", "Envoyer")`.
//! A pair cannot lose one of its languages, and a reviewer reads both side by side. The
//! server's errors come as [`shared::problem::Problem`] codes and are worded here, in the
//! chosen language, by `shared`.

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

/// The stored choice, else the browser's language, else English.
fn initial() -> Lang {
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
pub fn pick<T>(en: T, fr: T) -> T {
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

/// A text in both languages for a view or an attribute: `t!("Send", "Envoyer")`.
#[macro_export]
macro_rules! t {
    ($en:expr, $fr:expr $(,)?) => {
        $crate::i18n::text($en, $fr)
    };
}

/// A problem in the page's language.
pub fn say(problem: &shared::problem::Problem) -> String {
    problem.text(lang())
}
