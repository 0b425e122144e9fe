//! End to end in headless Chromium: the page served by `playground`, driven as a trainee
//! would through WebDriver, with the embedded cluster behind it.
//!
//! Needs Debian's chromium and chromedriver and the page built into `dist/`, so these
//! tests are ignored by a plain `cargo test`; `cargo xtask test` installs and builds what
//! they need and runs them with `--ignored`. Screenshots go to `target/e2e/`.
//!
//! A module each: `page` (the page as the tests work it), `producer`, `lab`, `screens`,
//! `class`, `kafka`.

mod class;
mod kafka;
mod lab;
mod page;
mod producer;
mod screens;

use std::path::{Path, PathBuf};

use page::Page;

use crate::common::TestServer;
use crate::common::chrome::ChromeDriver;

fn dist() -> PathBuf {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    assert!(
        dist.join("index.html").is_file(),
        "the page is not built: run `cargo xtask build` (or `cargo xtask test`)"
    );
    dist
}

/// The instructor's token of [`with_instructor`]'s servers.
const INSTRUCTOR_TOKEN: &str = "class-token-0123456789";

/// A server on the embedded cluster with an instructor's token, configured by `configure`.
async fn with_instructor(configure: impl FnOnce(playground::http::Server) -> playground::http::Server) -> TestServer {
    let cluster = playground::cluster::Cluster::embedded().expect("embedded cluster");
    let server = configure(playground::http::Server::new(cluster, dist()));
    TestServer::serve_server(server.with_instructor_token(INSTRUCTOR_TOKEN.into()).expect("a long token")).await
}

/// Opens the page on a fresh server and waits until it is connected.
async fn open_page() -> (TestServer, ChromeDriver, Page) {
    let server = TestServer::start_with(dist()).await;
    let driver = ChromeDriver::start();
    let browser = Page::from(driver.browser().await);
    browser.goto(&server.url("/")).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the page connects").await;
    (server, driver, browser)
}

/// The outcomes so far in a running run's status (`Run 1: 84 / 300 …`).
fn outcomes_in(status: &str) -> Option<u64> {
    status.split(": ").nth(1)?.split(" / ").next()?.trim().parse().ok()
}
