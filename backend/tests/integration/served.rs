//! The page's files as a browser gets them: the brotli or gzip that the build wrote
//! beside each, when the browser accepts it, and cache headers by name.
#![allow(missing_docs)]

use crate::common::{TestServer, http_head_with};

#[tokio::test(flavor = "multi_thread")]
async fn files_go_compressed_to_a_browser_that_accepts_it_and_hashed_ones_are_kept() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/served-dist");
    std::fs::create_dir_all(&dist).unwrap();
    let wasm = "frontend-0123456789abcdef_bg.wasm";
    for (name, body) in [
        ("index.html", "<html>the page</html>"),
        ("index.html.br", "BROTLI OF THE PAGE"),
        ("index.html.gz", "GZIP OF THE PAGE"),
        (wasm, "THE WASM"),
        (&format!("{wasm}.br") as &str, "BROTLI OF THE WASM"),
        (&format!("{wasm}.gz"), "GZIP OF THE WASM"),
        ("instructor/index.html", "<html>the instructor's page</html>"),
        ("instructor/index.html.br", "BROTLI OF THE INSTRUCTOR'S PAGE"),
    ] {
        std::fs::create_dir_all(dist.join("instructor")).unwrap();
        std::fs::write(dist.join(name), body).unwrap();
    }
    let server = TestServer::start_with(dist).await;
    let get = |path: &str, accept: &'static str| {
        let url = server.url(path);
        async move {
            let headers: Vec<(&str, &str)> =
                if accept.is_empty() { Vec::new() } else { vec![("Accept-Encoding", accept)] };
            let (head, body) = http_head_with(&url, &headers).await;
            (head.to_ascii_lowercase(), body)
        }
    };
    let (head, body) = get(&format!("/{wasm}"), "gzip, deflate, br").await;
    assert_eq!(body, "BROTLI OF THE WASM", "{head}");
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("cache-control: public, max-age=31536000, immutable"), "{head}");
    let (head, body) = get(&format!("/{wasm}"), "gzip").await;
    assert_eq!(body, "GZIP OF THE WASM");
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let (head, body) = get(&format!("/{wasm}"), "").await;
    assert_eq!(body, "THE WASM");
    assert!(!head.contains("content-encoding"), "{head}");
    // The pages themselves are asked again each time: the trainee's, at any route of its
    // own, and the instructor's (a WebAssembly of its own), its token in the query kept.
    for (path, page) in [
        ("/", "BROTLI OF THE PAGE"),
        ("/anything", "BROTLI OF THE PAGE"),
        ("/instructor", "BROTLI OF THE INSTRUCTOR'S PAGE"),
        ("/instructor?token=abc", "BROTLI OF THE INSTRUCTOR'S PAGE"),
    ] {
        let (head, body) = get(path, "br").await;
        assert_eq!(body, page, "{path}: {head}");
        assert!(head.contains("cache-control: no-cache"), "{path}: {head}");
    }
    server.stop().await;
}
