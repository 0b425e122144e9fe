//! What the page keeps in the browser, and where: for the browser (localStorage: the
//! trainee's name, the language, the lab's progress) or for this tab only
//! (sessionStorage: the session's key, the last request sent, the instructor's token).

/// Where a value is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Every tab of this browser, across restarts.
    Browser,
    /// This tab only, across reloads.
    Tab,
}

fn storage(place: Place) -> Option<web_sys::Storage> {
    let window = web_sys::window()?;
    match place {
        Place::Browser => window.local_storage(),
        Place::Tab => window.session_storage(),
    }
    .ok()
    .flatten()
}

/// The value kept under `key`, if any.
pub fn read(place: Place, key: &str) -> Option<String> {
    storage(place)?.get_item(key).ok().flatten()
}

/// Keeps `value` under `key` (silently not, where the browser refuses storage).
pub fn write(place: Place, key: &str, value: &str) {
    if let Some(storage) = storage(place) {
        let _ = storage.set_item(key, value);
    }
}
