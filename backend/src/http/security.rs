//! What every answer carries so that a browser keeps the page to itself: a
//! Content-Security-Policy that lets only the page's own files run (its two inline
//! scripts by their hashes), no framing by another site, no MIME sniffing, and no
//! referrer (the instructor's link carries the token until the page takes it out).

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The inline `<script>`s of the built page's `index.html`, as CSP hash sources
/// (`'sha256-…'`): trunk writes two (the wasm's start, and the hook the benchmark reads).
pub fn inline_script_hashes(index_html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = index_html;
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>') else { break };
        let open = &rest[start..start + open_end];
        let body_start = start + open_end + 1;
        let Some(body_len) = rest[body_start..].find("</script>") else { break };
        if !open.contains("src=") {
            let digest = Sha256::digest(&rest.as_bytes()[body_start..body_start + body_len]);
            hashes.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &rest[body_start + body_len..];
    }
    hashes
}

/// The Content-Security-Policy for a page whose inline scripts have `hashes`.
pub fn content_security_policy(hashes: &[String]) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
         object-src 'none'; form-action 'self'",
        hashes.join(" ")
    )
}

/// Adds the security headers to an answer (those it has already stay).
pub fn add(headers: &mut HeaderMap, csp: &HeaderValue) {
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::CONTENT_SECURITY_POLICY, csp.clone()),
    ];
    for (name, value) in fixed {
        headers.entry(name).or_insert(value);
    }
}

/// Whether a secret `given` is the `expected` one, in a time that says neither how much
/// of it was right nor how long the secret is (their digests are compared).
pub fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let (given, expected) = (Sha256::digest(given), Sha256::digest(expected));
    given.iter().zip(expected.iter()).fold(0_u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_files_are_not() {
        let html = "<script>a()</script><script type=module>b()</script><script src=/x.js></script>";
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        // echo -n 'a()' | openssl dgst -sha256 -binary | base64
        assert_eq!(hashes[0], "'sha256-qVpDBgj7bpq5hMAcGp3AOc79J3Y1Z4HvySTwKrWDoy4='");
        let csp = content_security_policy(&hashes);
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
