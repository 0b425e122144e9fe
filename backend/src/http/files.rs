//! The built pages' files: how long a browser may keep each, and the page shown while
//! none is built.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, Response};

/// How long a browser may keep a file of the page: a file whose name carries its
/// content's hash (trunk names them so) for a year, unchanged; `index.html` (which names
/// the others) must be asked again each time.
pub(super) async fn cache_for(request: Request, next: Next) -> Response {
    let hashed = is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let value = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// Whether `path` names a file that trunk named by its content's hash
/// (`style-0123456789abcdef.css`, `frontend-0123456789abcdef_bg.wasm`).
pub(super) fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    // trunk writes a 64-bit hash in hex without its leading zeros: 16 digits, or fewer.
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| (13..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(super) async fn not_built() -> (StatusCode, Html<&'static str>) {
    (
        StatusCode::OK,
        Html(
            "<!doctype html><meta charset=utf-8><title>Kafka Producer Playground</title>\
             <h1>The page has not been built yet</h1>\
             <p>Run <code>cargo xtask run</code> from the repository: it installs the wasm \
             tools, builds the page with trunk and starts the playground.</p>\
             <p>The server is up: <a href=\"/api/health\">/api/health</a>.</p>",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_named_by_their_hash_are_told_apart() {
        assert!(is_hashed("/frontend-d66cbdc103cc1c54_bg.wasm"));
        assert!(is_hashed("/style-b23caf21ca9902c3.css"));
        assert!(is_hashed("/frontend-d66cbdc103cc1c54.js"));
        assert!(is_hashed("/instructor/instructor-5632515be57ea47_bg.wasm"), "15 digits: a leading zero left out");
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/"));
        assert!(!is_hashed("/instructor"));
        assert!(!is_hashed("/my-page.css"));
    }
}
