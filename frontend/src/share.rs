//! A scenario (settings and templates) in the page's URL, so an instructor can hand out
//! a link: `#scenario=<the produce request as URI-encoded JSON>`.

use shared::protocol::ProduceRequest;

/// The part of the URL's fragment that carries a scenario.
const PREFIX: &str = "#scenario=";

/// The fragment for `request`.
pub fn fragment(request: &ProduceRequest) -> String {
    let json = serde_json::to_string(request).unwrap_or_default();
    format!("{PREFIX}{}", String::from(js_sys::encode_uri_component(&json)))
}

/// The scenario in `hash` (`location.hash`), if it holds a valid one.
pub fn parse(hash: &str) -> Option<ProduceRequest> {
    let encoded = hash.strip_prefix(PREFIX)?;
    let json = js_sys::decode_uri_component(encoded).ok()?.as_string()?;
    serde_json::from_str(&json).ok()
}

/// A link to this page that restores `request`; also put in the address bar.
pub fn link(request: &ProduceRequest) -> String {
    let fragment = fragment(request);
    let Some(window) = web_sys::window() else { return fragment };
    let location = window.location();
    let _ = location.set_hash(&fragment);
    location.href().unwrap_or(fragment)
}

/// The scenario of the page's own URL, if it was opened from a shared link.
pub fn from_location() -> Option<ProduceRequest> {
    parse(&web_sys::window()?.location().hash().ok()?)
}
