//! End to end in headless Chromium: the page served by `playground`, driven as a trainee
//! would through WebDriver, with the embedded cluster behind it.
//!
//! Needs Debian's chromium and chromedriver and the page built into `dist/`, so these
//! tests are ignored by a plain `cargo test`; `cargo xtask test` installs and builds what
//! they need and runs them with `--ignored`. Screenshots go to `target/e2e/`.

#[path = "common/chrome.rs"]
mod chrome;
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrome::ChromeDriver;
use common::{TestServer, consume_all};
use fantoccini::{Client, Locator};
use shared::lab;

fn dist() -> PathBuf {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    assert!(
        dist.join("index.html").is_file(),
        "the page is not built: run `cargo xtask build` (or `cargo xtask test`)"
    );
    dist
}

async fn screenshot(browser: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    let png = browser.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Scrolls `css` into view and saves a screenshot of it.
async fn screenshot_of(browser: &Client, css: &str, name: &str) {
    let script = format!("document.querySelector({css:?}).scrollIntoView()");
    browser.execute(&script, vec![]).await.unwrap();
    screenshot(browser, name).await;
}

async fn text(browser: &Client, css: &str) -> String {
    match browser.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until `css` holds `want`, failing with what it held instead.
/// The text of the first element `css` matches, as the DOM holds it (an SVG's labels
/// included, which WebDriver's visible text may leave out).
async fn text_content(browser: &Client, css: &str) -> String {
    let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';";
    browser.execute(script, vec![css.into()]).await.unwrap().as_str().unwrap_or_default().to_owned()
}

async fn wait_for_text(browser: &Client, css: &str, want: impl Fn(&str) -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = text(browser, css).await;
        if want(&now) {
            return;
        }
        if Instant::now() > deadline {
            screenshot(browser, "timeout").await;
            panic!("{what}: {css} holds {now:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The instructor's token of [`with_instructor`]'s servers.
const INSTRUCTOR_TOKEN: &str = "class-token-0123456789";

/// A server on the embedded cluster with an instructor's token, configured by `configure`.
async fn with_instructor(configure: impl FnOnce(playground::http::Server) -> playground::http::Server) -> TestServer {
    let cluster = playground::cluster::Cluster::embedded().expect("embedded cluster");
    let server = configure(playground::http::Server::new(cluster, dist()));
    TestServer::serve_server(server.with_instructor_token(INSTRUCTOR_TOKEN.into()).expect("a long token")).await
}

/// The table's rows as (seq, partition, offset) texts.
async fn table(browser: &Client) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for row in browser.find_all(Locator::Css("#deliveries tbody tr.row")).await.unwrap() {
        let cell = |css: &'static str| {
            let row = row.clone();
            async move { row.find(Locator::Css(css)).await.unwrap().text().await.unwrap() }
        };
        rows.push((cell("td.seq").await, cell("td.partition").await, cell("td.offset").await));
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_trainee_sends_the_labs_ten_orders_and_sees_where_each_went() {
    let server = TestServer::start_with(dist()).await;
    let driver = ChromeDriver::start();
    let browser = driver.browser().await;
    browser.goto(&server.url("/")).await.unwrap();

    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;
    assert_eq!(text(&browser, "#bootstrap").await, server.bootstrap, "the page shows the cluster's address");
    assert!(text(&browser, "#config .honest").await.contains("ignores acks"), "embedded mode is said plainly");
    // The first state is the lab's Program.cs, field by field.
    let value_of = |css: &'static str| {
        let browser = browser.clone();
        async move { browser.find(Locator::Css(css)).await.unwrap().prop("value").await.unwrap().unwrap_or_default() }
    };
    let checked = |css: &'static str| {
        let browser = browser.clone();
        async move {
            browser.find(Locator::Css(css)).await.unwrap().prop("checked").await.unwrap().as_deref() == Some("true")
        }
    };
    assert_eq!(value_of("#client-id").await, "dotnet-basic-producer", "ClientId");
    assert!(checked("#acks-all").await, "Acks = Acks.All");
    assert_eq!(value_of("#message-send-max-retries").await, "3", "MessageSendMaxRetries");
    assert_eq!(value_of("#retry-backoff-ms").await, "1000", "RetryBackoffMs");
    assert_eq!(value_of("#request-timeout-ms").await, "30000", "RequestTimeoutMs");
    assert_eq!(value_of("#message-timeout-ms").await, "300000", "not set by the lab: librdkafka's default");
    assert!(text(&browser, "#config").await.contains("The lab leaves librdkafka's default, 300000"), "and said so");
    assert!(!checked("#enable-idempotence").await);
    assert!(!checked("#keyed").await, "ProducerBuilder<Null, string>: no key");
    assert_eq!(value_of("#count").await, "10");
    assert_eq!(
        value_of("#value-template").await,
        r#"{"orderId": "ORD-{i:04}", "timestamp": "{now}", "amount": {i*10+100}}"#
    );
    assert_eq!(
        (value_of("#header-name-0").await, value_of("#header-value-0").await),
        ("correlation-id".into(), "{uuid}".into())
    );
    assert_eq!(
        (value_of("#header-name-1").await, value_of("#header-value-1").await),
        ("source".into(), "dotnet-producer".into())
    );
    // On this 1280x800 window the first screen holds Send, the partition lanes and the
    // lab beside them.
    for css in ["#send", "#partitions .partition:last-child", "#lab #checklist"] {
        let script = format!("return document.querySelector('{css}').getBoundingClientRect().bottom");
        let bottom = browser.execute(&script, vec![]).await.unwrap().as_f64().unwrap();
        assert!(bottom <= 800.0, "{css} ends at {bottom} px, past the first screen");
    }
    assert!(browser.find(Locator::Css("a#to-lab[href='#lab']")).await.is_ok());
    // No run yet: the charts over time draw no axis of nothing (no 0 0 0 1 1 1).
    for n in [1, 2] {
        let css = format!("#charts figure:nth-child({n}) svg");
        assert_eq!(text_content(&browser, &css).await, "", "{css}");
        let caption = text(&browser, &format!("#charts figure:nth-child({n}) figcaption")).await;
        assert!(!caption.contains("top"), "no top of nothing: {caption}");
    }
    // Keyless: the preview cannot say where the sticky partitioner puts a message.
    let first_predicted = text(&browser, "#preview tbody tr:first-child td.predicted").await;
    screenshot(&browser, "foundation-before-send").await;

    browser.find(Locator::Css("#send")).await.unwrap().click().await.unwrap();
    wait_for_text(&browser, "#run-status", |t| t.contains("finished"), "the run finishes").await;
    let rows = table(&browser).await;
    screenshot(&browser, "foundation-10-orders").await;
    screenshot_of(&browser, "#deliveries", "foundation-10-orders-table").await;
    screenshot_of(&browser, "#preview", "foundation-preview").await;

    assert_eq!(rows.len(), 10, "{rows:?}");
    let seqs: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert_eq!(seqs, (1..=10).map(|i| i.to_string()).collect::<Vec<_>>());
    assert_eq!(text(&browser, "#delivered-total").await, "10 delivered");
    assert_eq!(text(&browser, "#failed-total").await, "0 failed");
    assert_eq!(first_predicted, "sticky", "a keyless message's partition is not predicted");

    // What the table shows is what the cluster holds.
    let shown: BTreeSet<(i32, i64)> = rows.iter().map(|(_, p, o)| (p.parse().unwrap(), o.parse().unwrap())).collect();
    let bootstrap = server.bootstrap.clone();
    let records = tokio::task::spawn_blocking(move || {
        consume_all(&bootstrap, lab::TOPIC, lab::PARTITIONS, 10, Duration::from_secs(20))
    })
    .await
    .unwrap();
    let stored: BTreeSet<(i32, i64)> = records.iter().map(|r| (r.partition, r.offset)).collect();
    assert_eq!(shown, stored);

    // The strip's counts add up to the table, partition by partition.
    let mut strip_total = 0;
    for partition in 0..lab::PARTITIONS {
        let count: usize =
            text(&browser, &format!(".partition[data-partition='{partition}'] .count")).await.parse().unwrap();
        let in_table = rows.iter().filter(|r| r.1 == partition.to_string()).count();
        assert_eq!(count, in_table, "partition {partition}");
        strip_total += count;
    }
    assert_eq!(strip_total, 10);

    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_bad_field_is_marked_and_nothing_is_sent() {
    let server = TestServer::start_with(dist()).await;
    let driver = ChromeDriver::start();
    let browser = driver.browser().await;
    browser.goto(&server.url("/")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;

    let backoff = browser.find(Locator::Css("#retry-backoff-ms")).await.unwrap();
    backoff.clear().await.unwrap();
    backoff.send_keys("0").await.unwrap();
    browser.find(Locator::Css("#send")).await.unwrap().click().await.unwrap();
    wait_for_text(&browser, "#notice", |t| t.contains("to fix before sending"), "the page refuses").await;
    let error = text(&browser, "#config .field.invalid .error").await;
    assert_eq!(error, "retry.backoff.ms must be between 1 and 300000, got 0");
    screenshot(&browser, "foundation-bad-field").await;
    assert!(browser.find_all(Locator::Css("#deliveries tbody tr.row")).await.unwrap().is_empty(), "nothing was sent");

    browser.close().await.unwrap();
    server.stop().await;
}

/// Opens the page on a fresh server and waits until it is connected.
async fn open_page() -> (TestServer, ChromeDriver, Client) {
    let server = TestServer::start_with(dist()).await;
    let driver = ChromeDriver::start();
    let browser = driver.browser().await;
    browser.goto(&server.url("/")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;
    (server, driver, browser)
}

async fn type_into(browser: &Client, css: &str, text: &str) {
    // Waited for: a field the last click added (`#add-header`) may not be drawn yet.
    let field = browser.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(browser: &Client, css: &str) {
    browser.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn fifty_keyless_messages_fill_the_lanes_as_the_table_says() {
    let (server, _driver, browser) = open_page().await;
    click(&browser, "#keyed").await;
    type_into(&browser, "#count", "50").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#run-status", |t| t.contains("finished"), "the run finishes").await;
    screenshot(&browser, "page-50-keyless").await;
    assert_eq!(text(&browser, "#rows-shown").await, "50 rows");
    let drawn = table(&browser).await;
    assert!(drawn.len() < 50, "the table draws only what is in view: {}", drawn.len());
    assert_eq!(drawn[0].0, "1");
    // Scrolled to the bottom, the last message is drawn.
    browser
        .execute("const t = document.querySelector('#table-scroll'); t.scrollTop = t.scrollHeight;", vec![])
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !table(&browser).await.iter().any(|r| r.0 == "50") {
        assert!(Instant::now() < deadline, "row 50 is drawn after scrolling");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut total = 0;
    for partition in 0..lab::PARTITIONS {
        let lane = format!(".partition[data-partition='{partition}']");
        let count: usize = text(&browser, &format!("{lane} .count")).await.parse().unwrap();
        let cells = browser.find_all(Locator::Css(&format!("{lane} .cell"))).await.unwrap().len();
        assert_eq!(cells, count, "one cell per message in lane {partition}");
        assert!(text(&browser, &format!("{lane} .leader")).await.starts_with("leader "));
        // The table, filtered to this partition, holds as many rows as the lane.
        browser
            .find(Locator::Css("#filter-partition"))
            .await
            .unwrap()
            .select_by_value(&partition.to_string())
            .await
            .unwrap();
        wait_for_text(&browser, "#rows-shown", |t| t == format!("{count} rows"), "the filtered table").await;
        for row in table(&browser).await {
            assert_eq!(row.1, partition.to_string());
        }
        total += count;
    }
    assert_eq!(total, 50);
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_row_opens_its_details_read_back_and_edit_as_new_fills_the_form() {
    let (server, _driver, browser) = open_page().await;
    type_into(&browser, "#count", "3").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#run-status", |t| t.contains("finished"), "the run finishes").await;
    click(&browser, "#deliveries tr.row:nth-child(3)").await; // message 2, after the spacer
    wait_for_text(&browser, "#details-value", |t| t.contains("ORD-0002"), "the value read back").await;
    assert!(text(&browser, "#details").await.contains("correlation-id: "));
    // The acks flow of the message, and the honest word about the mock.
    let flow = browser.find(Locator::Css("#acks-flow")).await.unwrap();
    assert_eq!(flow.attr("data-acks").await.unwrap().as_deref(), Some("all"));
    assert!(text(&browser, "#acks-flow .steps").await.contains("every in-sync replica"));
    assert!(text(&browser, "#acks-honest").await.contains("does not replicate"));
    screenshot_of(&browser, "#details", "page-details").await;
    // From the keyboard: the details take the focus (on Close), Escape closes them, and
    // Enter on a focused row opens them again; a focused row is plainly marked.
    let active = "return document.activeElement && document.activeElement.className";
    assert_eq!(browser.execute(active, vec![]).await.unwrap(), "close", "Close has the focus");
    browser.active_element().await.unwrap().send_keys("\u{e00c}").await.unwrap();
    wait_for_text(&browser, "#deliveries", |t| !t.contains("correlation-id: "), "Escape closes the details").await;
    let row = browser.find(Locator::Css("#deliveries tr.row:nth-child(3)")).await.unwrap();
    browser.execute("arguments[0].focus();", vec![serde_json::to_value(&row).unwrap()]).await.unwrap();
    let outline =
        browser.execute("return getComputedStyle(document.activeElement).outlineStyle", vec![]).await.unwrap();
    assert_eq!(outline, "solid", "a focused row shows it");
    row.send_keys("\u{e007}").await.unwrap();
    wait_for_text(&browser, "#details-value", |t| t.contains("ORD-0002"), "Enter opens them again").await;
    click(&browser, "#edit-as-new").await;
    let value = browser.find(Locator::Css("#value-template")).await.unwrap().prop("value").await.unwrap().unwrap();
    assert!(value.starts_with("{{\"orderId\": \"ORD-0002\""), "the message as a literal template: {value}");
    assert_eq!(browser.find(Locator::Css("#count")).await.unwrap().prop("value").await.unwrap().unwrap(), "1");
    click(&browser, "#resend").await;
    wait_for_text(&browser, "#run-status", |t| t.starts_with("Run 2 finished"), "the resend finishes").await;
    assert_eq!(text(&browser, "#delivered-total").await, "1 delivered");
    browser.close().await.unwrap();
    server.stop().await;
}

/// The outcomes so far in a running run's status (`Run 1: 84 / 300 …`).
fn outcomes_in(status: &str) -> Option<u64> {
    status.split(": ").nth(1)?.split(" / ").next()?.trim().parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_reload_in_the_middle_of_a_run_shows_its_true_count_and_keeps_the_form() {
    let (server, _driver, browser) = open_page().await;
    type_into(&browser, "#linger-ms", "7").await;
    type_into(&browser, "#count", "300").await;
    type_into(&browser, "#rate", "50").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#run-status", |t| outcomes_in(t).is_some_and(|n| n >= 60), "60 outcomes").await;
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page reconnects").await;
    // The page back: its run's count as the server has it, not the rows since.
    wait_for_text(&browser, "#run-status", |t| outcomes_in(t).is_some_and(|n| n >= 60), "the true count").await;
    let status = text(&browser, "#run-status").await;
    assert!(status.starts_with("Run 1: ") && status.contains(" / 300"), "{status}");
    for (field, value) in [("#linger-ms", "7"), ("#count", "300"), ("#rate", "50")] {
        let kept = browser.find(Locator::Css(field)).await.unwrap().prop("value").await.unwrap();
        assert_eq!(kept.as_deref(), Some(value), "{field} kept");
    }
    wait_for_text(&browser, "#run-status", |t| t.starts_with("Run 1 finished"), "the run ends").await;
    assert_eq!(text(&browser, "#delivered-total").await, "300 delivered");
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn with_acks_zero_deliveries_have_no_offset() {
    let (server, _driver, browser) = open_page().await;
    click(&browser, "#acks-0").await;
    assert!(text(&browser, "#config .acks .doc").await.contains("no offset"));
    type_into(&browser, "#count", "5").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#run-status", |t| t.contains("finished"), "the run finishes").await;
    let rows = table(&browser).await;
    screenshot(&browser, "page-acks-0").await;
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.2 == "none"), "{rows:?}");
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn with_every_broker_down_each_message_fails_with_its_reason_then_recovers() {
    let (server, _driver, browser) = open_page().await;
    assert!(text(&browser, "#fault-scope").await.contains("Your first fault starts a cluster of your own"));
    let class_bootstrap = text(&browser, "#bootstrap").await;
    click(&browser, "#all-brokers-down").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.find_all(Locator::Css("#cluster tr.broker.down")).await.unwrap().len() < 3 {
        assert!(Instant::now() < deadline, "the cluster panel shows the brokers down");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The fault is on a cluster of the trainee's own, which the page names and uses.
    wait_for_text(&browser, "#fault-scope", |t| t.contains("Your own cluster ("), "the page says whose").await;
    let own_bootstrap = text(&browser, "#bootstrap").await;
    assert_ne!(own_bootstrap, class_bootstrap, "the page shows its own cluster's address");
    assert!(text(&browser, "#kcat").await.contains(&own_bootstrap), "and kcat reads it");
    type_into(&browser, "#message-timeout-ms", "3000").await;
    type_into(&browser, "#count", "3").await;
    click(&browser, "#send").await;
    // After the first failure the time left counts down, not up, while the next waits.
    let left = |t: &str| t.split("about ").nth(1)?.split(" s left").next()?.parse::<u64>().ok();
    wait_for_text(&browser, "#run-figures", |t| left(t).is_some(), "the time left, once a message failed").await;
    let first = left(&text(&browser, "#run-figures").await).unwrap();
    wait_for_text(
        &browser,
        "#run-figures",
        |t| left(t).is_some_and(|n| n < first) || t.contains("any moment"),
        "the time left goes down",
    )
    .await;
    wait_for_text(&browser, "#run-status", |t| t.contains("finished"), "the run finishes").await;
    screenshot(&browser, "page-brokers-down").await;
    let outcomes: Vec<String> = {
        let mut v = Vec::new();
        for cell in browser.find_all(Locator::Css("#deliveries tbody td.outcome")).await.unwrap() {
            v.push(cell.text().await.unwrap());
        }
        v
    };
    assert_eq!(outcomes.len(), 3);
    assert!(outcomes.iter().all(|o| o.starts_with("MessageTimedOut")), "{outcomes:?}");
    assert_eq!(text(&browser, "#failed-total").await, "3 failed");

    click(&browser, "#all-brokers-up").await;
    type_into(&browser, "#message-timeout-ms", "30000").await;
    wait_for_text(&browser, "#cluster tr.broker[data-broker='1'] .state", |t| t == "up", "broker 1 is back").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#run-status", |t| t.starts_with("Run 2 finished"), "the second run finishes").await;
    assert_eq!(text(&browser, "#delivered-total").await, "3 delivered");
    screenshot(&browser, "page-brokers-back").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn csharp_export_holds_the_settings_and_a_shared_link_restores_the_scenario() {
    let (server, _driver, browser) = open_page().await;
    click(&browser, "#preset-optimized").await;
    type_into(&browser, "#count", "50").await;
    click(&browser, "#export-csharp").await;
    let code = text(&browser, "#export-code").await;
    screenshot_of(&browser, "#export", "page-export-csharp").await;
    for needle in [
        "BatchSize = 32768,",
        "LingerMs = 5,",
        "CompressionType = CompressionType.Snappy,",
        "Acks = Acks.All,",
        "for (var i = 1; i <= 50; i++)",
        &format!("BootstrapServers = \"{}\"", server.bootstrap),
    ] {
        assert!(code.contains(needle), "{needle} not in the C# export:\n{code}");
    }
    click(&browser, "#export-kcat").await;
    assert!(text(&browser, "#export-code").await.contains("compression.codec=snappy"));

    click(&browser, "#share").await;
    let link = browser.find(Locator::Css("#share-link")).await.unwrap().prop("value").await.unwrap().unwrap();
    assert!(link.contains("#scenario="), "{link}");

    // A trainee opens the link in a fresh page.
    browser.goto("about:blank").await.unwrap();
    browser.goto(&link).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the shared page connects").await;
    let value = |css: &'static str| {
        let browser = browser.clone();
        async move { browser.find(Locator::Css(css)).await.unwrap().prop("value").await.unwrap().unwrap() }
    };
    assert_eq!(value("#count").await, "50");
    assert_eq!(value("#batch-size").await, "32768");
    assert_eq!(value("#compression-type").await, "snappy");
    screenshot(&browser, "page-shared-link").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_pipelined_run_draws_throughput_and_latency() {
    let (server, _driver, browser) = open_page().await;
    click(&browser, "#mode-pipelined").await;
    type_into(&browser, "#count", "20000").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#run-status", |t| t.contains("finished"), "the run finishes").await;
    wait_for_text(&browser, "#delivered-total", |t| t == "20,000 delivered", "exact totals").await;
    screenshot_of(&browser, "#charts", "page-charts").await;
    let points =
        browser.find(Locator::Css("#throughput-line")).await.unwrap().attr("points").await.unwrap().unwrap_or_default();
    assert!(points.split(' ').count() >= 2, "a throughput line: {points:?}");
    let rate: f64 = text(&browser, "#chart-max-rate").await.parse().unwrap();
    assert!(rate > 0.0);
    assert!(text(&browser, "#percentiles").await.starts_with("p50 "));
    assert!(!browser.find_all(Locator::Css("#charts rect.bin")).await.unwrap().is_empty(), "a histogram");
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_french_trainee_reads_the_page_in_french_and_it_stays_french() {
    let (server, _driver, browser) = open_page().await;
    browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
    wait_for_text(&browser, "#send", |t| t == "Envoyer", "the page switches").await;
    assert_eq!(text(&browser, "#connection").await, "connecté");
    assert_eq!(text(&browser, "#config h2").await, "Configuration du producer");
    assert!(text(&browser, "#config .acks .honest").await.contains("il ne réplique pas"), "the mock's honesty too");
    // acks=all is the lab's choice: its explanation, in French.
    assert!(text(&browser, "#config .acks .doc").await.contains("réplique synchronisée"));
    type_into(&browser, "#linger-ms", "x").await;
    let error = text(&browser, "#config .field.invalid .error").await;
    assert_eq!(error, "linger.ms doit être un nombre entier, reçu « x »");
    type_into(&browser, "#linger-ms", "5").await;
    type_into(&browser, "#count", "5").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#run-status", |t| t.contains("terminé"), "the run ends, said in French").await;
    assert_eq!(text(&browser, "#delivered-total").await, "5 livrés");
    assert_eq!(text(&browser, "#failed-total").await, "0 en échec");
    // Decimals with a comma, as French writes them.
    let figures = text(&browser, "#run-figures").await;
    assert!(
        figures.contains("p50 ")
            && figures.split("p50 ").nth(1).is_some_and(|t| t.split(" ms").next().is_some_and(|n| n.contains(','))),
        "{figures}"
    );
    // And the singular agrees: one message is "1 livré".
    type_into(&browser, "#count", "1").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#delivered-total", |t| t == "1 livré", "one delivered, in the singular").await;
    screenshot(&browser, "page-french").await;

    // A reload keeps the choice (localStorage) and says it to screen readers (<html lang>).
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connecté", "the page reconnects in French").await;
    assert_eq!(text(&browser, "#send").await, "Envoyer");
    let lang = browser.execute("return document.documentElement.lang;", vec![]).await.unwrap();
    assert_eq!(lang, "fr");
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn on_a_projector_with_the_keyboard_only() {
    let (server, _driver, browser) = open_page().await;
    browser.set_window_size(1920, 1080).await.unwrap();
    // Keyboard only: the count field, a number, Enter sends.
    let count = browser.find(Locator::Css("#count")).await.unwrap();
    count.clear().await.unwrap();
    count.send_keys("4\u{E007}").await.unwrap(); // WebDriver's Enter key
    wait_for_text(&browser, "#run-status", |t| t.contains("finished"), "Enter sends").await;
    assert_eq!(text(&browser, "#delivered-total").await, "4 delivered");
    // Every input and select has a label a screen reader can read.
    let unlabeled: Vec<String> = browser
        .execute(
            "return [...document.querySelectorAll('input, select, textarea')]
               .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
               .map(e => e.id || e.outerHTML.slice(0, 60));",
            vec![],
        )
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect();
    assert!(unlabeled.is_empty(), "inputs without a label: {unlabeled:?}");
    // Config beside the run, not below it.
    let side_by_side: bool = browser
        .execute(
            "const a = document.querySelector('#config').getBoundingClientRect();
             const b = document.querySelector('#run').getBoundingClientRect();
             return a.right <= b.left && a.top < b.bottom;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(side_by_side);
    screenshot(&browser, "page-1920").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_million_message_run_keeps_the_page_exact_and_drawing() {
    let (server, _driver, browser) = open_page().await;
    click(&browser, "#keyed").await;
    click(&browser, "#mode-pipelined").await;
    type_into(&browser, "#count", "1000000").await;
    // Count animation frames while the run streams in, for the record: the figure is
    // printed, and measured as a target by `cargo xtask bench` (issue 8), not here.
    browser
        .execute(
            "window.__frames = 0; const tick = () => { window.__frames++; requestAnimationFrame(tick); }; \
             requestAnimationFrame(tick); window.__heap0 = performance.memory ? performance.memory.usedJSHeapSize : 0;",
            vec![],
        )
        .await
        .unwrap();
    let started = Instant::now();
    click(&browser, "#send").await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while !text(&browser, "#run-status").await.contains("finished") {
        assert!(Instant::now() < deadline, "the run finishes");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let figures = browser
        .execute(
            "return [window.__frames, window.__heap0, performance.memory ? performance.memory.usedJSHeapSize : 0];",
            vec![],
        )
        .await
        .unwrap();
    let frames = figures[0].as_f64().unwrap();
    eprintln!(
        "1,000,000 messages in {seconds:.1} s; {:.0} frames per second; JS heap {:.1} MB -> {:.1} MB",
        frames / seconds,
        figures[1].as_f64().unwrap() / 1e6,
        figures[2].as_f64().unwrap() / 1e6
    );
    screenshot(&browser, "page-million").await;
    wait_for_text(&browser, "#delivered-total", |t| t == "1,000,000 delivered", "exact totals").await;
    // In French, French numbers: the browser's Intl groups by (narrow) spaces.
    browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
    let spaced = |t: &str| t.replace(['\u{202f}', '\u{a0}'], " ");
    wait_for_text(&browser, "#delivered-total", |t| spaced(t) == "1 000 000 livrés", "a million, in French").await;
    browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("en").await.unwrap();
    let shown: u64 =
        (0..lab::PARTITIONS)
            .map(|p| {
                let browser = browser.clone();
                async move {
                    text(&browser, &format!(".partition[data-partition='{p}'] .count")).await.parse::<u64>().unwrap()
                }
            })
            .collect::<futures_util::future::JoinAll<_>>()
            .await
            .into_iter()
            .sum();
    assert_eq!(shown, 1_000_000, "the lanes add up to every message");
    browser.close().await.unwrap();
    server.stop().await;
}

/// Presses Send and waits until run `n` has finished.
async fn send_run(browser: &Client, n: u32) {
    click(browser, "#send").await;
    let want = format!("Run {n} finished");
    wait_for_text(browser, "#run-status", |t| t.starts_with(&want), "the run finishes").await;
}

/// Presses an exercise's Check and waits for its verdict.
async fn check_exercise(browser: &Client, n: u8) -> String {
    click(browser, &format!("#check-{n}")).await;
    let css = format!("#verdict-{n}");
    wait_for_text(browser, &css, |t| t.contains("Passed") || t.contains("Not yet"), "the check answers").await;
    text(browser, &css).await
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn the_checklist_ticks_from_real_runs_and_the_first_exercises_check_what_happened() {
    let (server, _driver, browser) = open_page().await;
    let ticked = |tick: &'static str| {
        let browser = browser.clone();
        async move {
            let li = browser.find(Locator::Css(&format!("#checklist li[data-tick={tick}]"))).await.unwrap();
            li.attr("class").await.unwrap().unwrap_or_default().contains("done")
        }
    };
    assert!(!ticked("Connected").await, "nothing is ticked before a run");
    send_run(&browser, 1).await;
    for tick in ["Connected", "TenSent", "PartitionOffset", "Flushed"] {
        assert!(ticked(tick).await, "{tick} after the lab's 10 orders");
    }
    assert!(!ticked("Verified").await, "not verified before reading back");
    click(&browser, "#verify").await;
    for _ in 0..50 {
        if ticked("Verified").await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ticked("Verified").await, "the verify step read the 10 messages back");
    // The quiz: a wrong answer is told, the right ones tick it.
    click(&browser, "#quiz-0-0").await;
    assert!(text(&browser, "#quiz-0 .answer").await.starts_with("Not quite"));
    for (q, a) in [(0, 1), (1, 1), (2, 0)] {
        click(&browser, &format!("#quiz-{q}-{a}")).await;
    }
    assert!(ticked("Quiz").await);

    // Exercise 2, a wrong attempt first: the lab's messages have no environment header.
    let verdict = check_exercise(&browser, 2).await;
    assert!(verdict.contains("Not yet") && verdict.contains("0 of 10"), "{verdict}");
    click(&browser, "#add-header").await;
    type_into(&browser, "#header-name-2", "environment").await;
    type_into(&browser, "#header-value-2", "dev").await;
    send_run(&browser, 2).await;
    let verdict = check_exercise(&browser, 2).await;
    assert!(verdict.contains("Passed") && verdict.contains("10 of 10"), "{verdict}");

    // Exercise 1: 50 orders and their spread, computed from this run.
    click(&browser, "#setup-1-0").await;
    // The set-up says what it set, and the form shows it: count highlighted, 50.
    wait_for_text(&browser, "#set-up-done-1", |t| t.contains("count"), "the set-up says what it set").await;
    assert_eq!(
        browser.find(Locator::Css(".field.changed #count")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("50")
    );
    send_run(&browser, 3).await;
    let verdict = check_exercise(&browser, 1).await;
    assert!(verdict.contains("Passed") && verdict.contains("Spread of 50 messages"), "{verdict}");
    // The lab's messages have no key: the check explains the sticky partitioner instead.
    assert!(verdict.contains("Without a key, librdkafka sticks to one partition"), "{verdict}");
    screenshot_of(&browser, "#lab", "lab-checklist-and-exercise-1").await;

    // Progress survives a reload.
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page reconnects").await;
    for tick in ["Connected", "Verified", "Quiz"] {
        assert!(ticked(tick).await, "{tick} kept after a reload");
    }
    let passed = browser.find(Locator::Css("#exercise-2")).await.unwrap().attr("class").await.unwrap();
    assert!(passed.unwrap_or_default().contains("passed"));
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn brokers_down_is_explained_from_the_failures_and_the_circuit_breaker_opens_and_closes() {
    let (server, _driver, browser) = open_page().await;
    // Exercise 3: a wrong attempt (nothing failed) is told so.
    let verdict = check_exercise(&browser, 3).await;
    assert!(verdict.contains("No message has failed yet"), "{verdict}");
    click(&browser, "#setup-3-0").await;
    click(&browser, "#all-brokers-down").await;
    wait_for_text(&browser, "#cluster tr.broker[data-broker='1'] .state", |t| t == "down", "brokers go down").await;
    send_run(&browser, 1).await;
    let verdict = check_exercise(&browser, 3).await;
    assert!(
        verdict.contains("Passed") && verdict.contains("3 of 3 message(s) failed (MessageTimedOut ×3)"),
        "{verdict}"
    );
    assert!(verdict.contains("Here, none"), "{verdict}");
    eprintln!("exercise 3: {verdict}");
    click(&browser, "#all-brokers-up").await;

    // Exercise 6: the circuit opens with the brokers down and closes once they are back.
    click(&browser, "#setup-6-0").await;
    click(&browser, "#send").await;
    click(&browser, "#all-brokers-down").await;
    wait_for_text(&browser, "#circuit-state", |t| t.contains("open"), "the circuit opens").await;
    screenshot_of(&browser, "#run", "lab-circuit-open").await;
    click(&browser, "#all-brokers-up").await;
    wait_for_text(&browser, "#circuit-state", |t| t == "circuit closed", "the circuit closes").await;
    click(&browser, "#stop").await;
    wait_for_text(&browser, "#run-status", |t| t.starts_with("Run 2 stopped"), "the run stops").await;
    let verdict = check_exercise(&browser, 6).await;
    assert!(verdict.contains("Passed") && verdict.contains("open") && verdict.contains("closed"), "{verdict}");
    eprintln!("exercise 6: {verdict}");
    screenshot_of(&browser, "#exercise-6", "lab-exercise-6").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn idempotence_is_judged_from_records_read_back_and_the_labs_claim_is_corrected() {
    let (server, _driver, browser) = open_page().await;
    for (setup, run) in [("#setup-4-0", 1), ("#setup-4-1", 2), ("#setup-4-2", 3)] {
        click(&browser, setup).await;
        send_run(&browser, run).await;
    }
    let verdict = check_exercise(&browser, 4).await;
    assert!(verdict.contains("Not yet") && verdict.contains("send the same message twice"), "{verdict}");
    send_run(&browser, 4).await;
    let verdict = check_exercise(&browser, 4).await;
    assert!(verdict.contains("Passed"), "{verdict}");
    assert!(
        verdict.contains("B, with idempotence: 300 messages read back, 0 duplicate(s), 0 out of order"),
        "{verdict}"
    );
    assert!(verdict.contains("The lab is wrong here"), "{verdict}");
    // Without idempotence, the retried batches land after later ones (as the engine's own
    // test shows with the same settings): the reorder is read back, not assumed.
    let a_line = verdict.lines().find(|l| l.starts_with("A, without idempotence")).unwrap_or_default();
    assert!(!a_line.contains(" 0 out of order"), "{a_line}");
    eprintln!("exercise 4: {verdict}");
    screenshot_of(&browser, "#exercise-4", "lab-exercise-4").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn performance_compares_the_labs_settings_with_the_optimized_ones_and_ticks_the_bonus() {
    let (server, _driver, browser) = open_page().await;
    for (setup, run) in [("#setup-5-0", 1), ("#setup-5-1", 2), ("#setup-5-2", 3), ("#setup-5-3", 4)] {
        click(&browser, setup).await;
        send_run(&browser, run).await;
    }
    let verdict = check_exercise(&browser, 5).await;
    assert!(verdict.contains("Passed") && verdict.contains("In sync, optimized is"), "{verdict}");
    assert!(verdict.contains("In pipelined, optimized is"), "{verdict}");
    eprintln!("exercise 5: {verdict}");
    let bonus =
        browser.find(Locator::Css("#checklist li[data-tick=Bonus]")).await.unwrap().attr("class").await.unwrap();
    assert!(bonus.unwrap_or_default().contains("done"), "the bonus is ticked");
    screenshot_of(&browser, "#exercise-5", "lab-exercise-5").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_workshop_trainee_with_their_own_topic_a_reload_mid_run_and_the_instructor() {
    let limits = shared::protocol::Limits { trainee_faults: false, ..Default::default() };
    let server = with_instructor(|s| s.with_limits(limits).with_topic_per_trainee(true)).await;
    let driver = ChromeDriver::start();
    let browser = driver.browser().await;
    browser.goto(&server.url("/")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;

    // Each trainee has their own topic here: the page asks for a name first.
    wait_for_text(&browser, "#name-needed", |t| t.contains("enter your name"), "the page asks for a name").await;
    // A send before the name is refused, and the refusal is said once.
    click(&browser, "#send").await;
    wait_for_text(&browser, "#server-error", |t| t.contains("enter your name first"), "the refusal").await;
    assert_eq!(text(&browser, "#server-error").await.matches("enter your name first").count(), 1);
    assert!(text(&browser, "#faults-by-instructor").await.contains("instructor switches faults"));
    type_into(&browser, "#trainee-name", "a<b>").await;
    click(&browser, "#join").await;
    wait_for_text(&browser, "#name-error", |t| t.contains("cannot be a name"), "a bad name is refused").await;
    // A Cyrillic "а" among Latin letters passes for "alice": refused, saying why.
    type_into(&browser, "#trainee-name", "\u{430}lice").await;
    click(&browser, "#join").await;
    wait_for_text(&browser, "#name-error", |t| t.contains("mixes scripts"), "a look-alike is refused").await;
    // A name with an accent and a space is a name; the refusal before it goes.
    type_into(&browser, "#trainee-name", "  Zoé   Martin ").await;
    click(&browser, "#join").await;
    wait_for_text(&browser, "#joined", |t| t.contains("Zoé Martin → orders.created.zoe-martin"), "her name and topic")
        .await;
    assert_eq!(text(&browser, "#name-error").await, "", "no old error after a successful join");
    type_into(&browser, "#trainee-name", "alice").await;
    click(&browser, "#join").await;
    wait_for_text(&browser, "#joined", |t| t.contains("orders.created.alice"), "the page shows her topic").await;

    // A paced run of 40 at 10 msgs/s, and the page reloaded in the middle of it.
    type_into(&browser, "#count", "40").await;
    type_into(&browser, "#rate", "10").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#run-status", |t| t.starts_with("Run 1"), "the run starts").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the reloaded page connects").await;
    wait_for_text(&browser, "#joined", |t| t.contains("orders.created.alice"), "still Alice").await;
    wait_for_text(&browser, "#run-status", |t| t.starts_with("Run 1"), "the reloaded page shows the run").await;
    wait_for_text(&browser, "#run-status", |t| t.contains("finished"), "and its end").await;
    // Paced: its latency also from each message's intended send time.
    wait_for_text(&browser, "#run-intended", |t| t.contains("intended send time: p50"), "from the schedule").await;
    // The tab remembers what it asked for, so the lab judges the run it came back to.
    wait_for_text(&browser, "li.done[data-tick='TenSent']", |t| t.contains("10 messages"), "the checklist ticks").await;
    screenshot(&browser, "workshop-trainee-after-reload").await;
    let read = consume_all(&server.bootstrap, "orders.created.alice", 6, 40, Duration::from_secs(10));
    assert_eq!(read.len(), 40, "all 40 in her own topic");

    // The instructor, in another tab: the link's token leaves the address bar.
    let trainee = browser.window().await.unwrap();
    let tab = browser.new_window(true).await.unwrap();
    browser.switch_to_window(tab.handle).await.unwrap();
    browser.goto(&server.url("/instructor?token=wrong")).await.unwrap();
    wait_for_text(&browser, "#refused", |t| t.contains("wrong instructor token"), "a wrong token is refused").await;
    browser.goto(&server.url(&format!("/instructor?token={INSTRUCTOR_TOKEN}"))).await.unwrap();
    wait_for_text(&browser, "#trainees", |t| t.contains("alice"), "the class shows Alice").await;
    assert!(!browser.current_url().await.unwrap().as_str().contains("class-token"), "the token left the address bar");
    wait_for_text(&browser, "#trainees tbody tr", |t| t.contains("40 sent · 40 ✓ · 0 ✗"), "her run as it ended").await;
    type_into(&browser, "#broadcast-text", "Break until 10:30").await;
    click(&browser, "#broadcast-send").await;
    wait_for_text(&browser, "#instructor-said", |t| t.contains("Sent to every page"), "the message went").await;
    click(&browser, "button[data-broker='2']").await;
    wait_for_text(&browser, "button[data-broker='2']", |t| t.contains('↑'), "broker 2 is down for the class").await;
    screenshot(&browser, "workshop-instructor").await;

    browser.switch_to_window(trainee).await.unwrap();
    wait_for_text(&browser, "#broadcast", |t| t.contains("Break until 10:30"), "Alice reads the message").await;
    wait_for_text(&browser, "#cluster", |t| t.contains("down"), "and sees broker 2 down").await;
    // Scrolled down to the logs, she still has the message in view.
    browser.execute("document.getElementById('logs').scrollIntoView();", vec![]).await.unwrap();
    let [top, bottom, scrolled] = browser
        .execute(
            "const r = document.getElementById('broadcast').getBoundingClientRect(); return [r.top, r.bottom, window.scrollY];",
            vec![],
        )
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect::<Vec<_>>()[..]
    else {
        unreachable!()
    };
    assert!(scrolled > 300.0, "the page scrolled: {scrolled}");
    assert!(top >= 0.0 && bottom < 200.0, "the broadcast stays at the top of the screen: {top}..{bottom}");
    screenshot(&browser, "workshop-broadcast").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_class_with_a_code_lets_in_the_page_with_its_link_and_asks_the_others_for_it() {
    let cluster = playground::cluster::Cluster::embedded().expect("embedded cluster");
    let code = playground::http::ClassCode::chosen("kafka-lab").unwrap();
    let server =
        TestServer::serve_server(playground::http::Server::new(cluster, dist()).with_class_code(Some(code))).await;
    let driver = ChromeDriver::start();
    let browser = driver.browser().await;

    // Without the code: the page's files, and a form that asks for the code.
    browser.goto(&server.url("/")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "class code needed", "the page is refused").await;
    wait_for_text(&browser, "#class-code-error", |t| t.contains("needs its code"), "and says why").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(text(&browser, "#connection").await, "class code needed", "it waits for the trainee, not retrying");
    type_into(&browser, "#class-code-input", "kafka-lap").await;
    click(&browser, "#class-code-enter").await;
    wait_for_text(&browser, "#class-code-error", |t| t.contains("not the class's code"), "a wrong code").await;
    screenshot(&browser, "class-code-wrong").await;
    type_into(&browser, "#class-code-input", "KAFKA-LAB").await;
    click(&browser, "#class-code-enter").await;
    wait_for_text(&browser, "#connection", |t| t == "connected", "the right code, whatever its case").await;
    assert!(browser.find_all(Locator::Css("#class-code")).await.unwrap().is_empty(), "the form is gone");
    send_run(&browser, 1).await;

    // The trainees' link: connected at once, and the code leaves the address bar.
    let tab = browser.new_window(true).await.unwrap();
    browser.switch_to_window(tab.handle).await.unwrap();
    browser.goto(&server.url("/?class=kafka-lab")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the link's page connects").await;
    let address = browser.current_url().await.unwrap().to_string();
    assert!(!address.contains("kafka-lab"), "the code left the address bar: {address}");
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the tab keeps its code across a reload").await;
    browser.close().await.unwrap();
    server.stop().await;
}

/// nginx on `port` in front of the playground, as README's "Behind a reverse proxy"
/// sets it up: TLS with `cert` and `key`, the WebSocket upgrade passed, `Host` kept.
/// Stopped when dropped.
struct Nginx {
    child: std::process::Child,
}

impl Nginx {
    fn start(port: u16, upstream: std::net::SocketAddr, cert: &Path, key: &Path) -> Self {
        let dir = std::env::temp_dir().join(format!("playground-nginx-{port}"));
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        let conf = format!(
            "worker_processes 1; pid {dir}/nginx.pid; error_log {dir}/logs/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}; proxy_temp_path {dir};
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert}; ssl_certificate_key {key};
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 120s;
        }}
    }}
}}
",
            dir = dir.display(),
            cert = cert.display(),
            key = key.display(),
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = std::process::Command::new("nginx")
            .args(["-p", &dir.display().to_string(), "-c", &dir.join("nginx.conf").display().to_string()])
            .args(["-g", "daemon off;"])
            .spawn()
            .expect("nginx (cargo xtask test installs Debian's nginx-light)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, nginx and the built page: cargo xtask test runs it"]
async fn a_trainee_behind_an_nginx_reverse_proxy_with_tls_produces_over_wss() {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = std::env::temp_dir().join(format!("playground-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();

    // The playground on loopback, told the address trainees open; nginx holds the TLS.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let public = format!("https://localhost:{port}");
    let cluster = playground::cluster::Cluster::embedded().expect("embedded cluster");
    let code = playground::http::ClassCode::chosen("proxied-class").unwrap();
    let server = playground::http::Server::new(cluster, dist())
        .with_allowed_origin(&public)
        .unwrap()
        .with_class_code(Some(code))
        .with_trusted_proxy("127.0.0.1".parse().unwrap());
    let server = TestServer::serve_server(server).await;
    let nginx = Nginx::start(port, server.addr, &cert, &key);

    let driver = ChromeDriver::start();
    let browser = driver.browser_with(&["--ignore-certificate-errors"]).await;
    browser.goto(&format!("{public}/?class=proxied-class")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects over wss through nginx").await;
    send_run(&browser, 1).await;
    let read = consume_all(&server.bootstrap, lab::TOPIC, 6, 10, Duration::from_secs(10));
    assert_eq!(read.len(), 10, "the lab's 10 orders went through the proxy");
    screenshot(&browser, "behind-nginx").await;
    browser.close().await.unwrap();
    drop(nginx);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn the_acks_ladder_runs_three_times_and_compare_overlays_them() {
    let (server, _driver, browser) = open_page().await;
    type_into(&browser, "#count", "200").await;
    click(&browser, "#mode-pipelined").await;
    click(&browser, "#experiment-acks").await;
    // Three runs, one after another, then the comparison of the three.
    wait_for_text(&browser, "#compare-table", |t| t.contains("acks"), "the ladder is compared").await;
    let curves = browser.find_all(Locator::Css("#compare-chart polyline.cdf")).await.unwrap();
    assert_eq!(curves.len(), 3, "three latency distributions overlaid");
    let lines = browser.find_all(Locator::Css("#compare-throughput polyline.throughput")).await.unwrap();
    assert_eq!(lines.len(), 3, "and their throughput over time");
    let heads: Vec<String> = {
        let mut heads = Vec::new();
        for th in browser.find_all(Locator::Css("#compare-table thead th code")).await.unwrap() {
            heads.push(th.text().await.unwrap());
        }
        heads
    };
    assert_eq!(heads, ["acks"], "the table names only the setting that differs");
    let table = text(&browser, "#compare-table tbody").await;
    eprintln!("acks ladder, 200 pipelined messages:\n{}", text(&browser, "#compare-table").await);
    for acks in ["0", "1", "all"] {
        assert!(table.lines().any(|l| l.split_whitespace().nth(1) == Some(acks)), "acks={acks} row in\n{table}");
    }
    assert!(text(&browser, "#compare-honest").await.contains("does not replicate"), "the mock's difference said");
    assert_eq!(text(&browser, "#acks-verdict").await, "", "no verdict where nothing replicates");
    assert_eq!(text(&browser, "#acks-ladder-how").await, "", "nor the replicating cluster's way");
    // The CSV holds each run's figures.
    let href = browser.find(Locator::Css("#compare-csv")).await.unwrap().attr("href").await.unwrap().unwrap();
    let csv = browser
        .execute("return decodeURIComponent(arguments[0].split(',').slice(1).join(','));", vec![href.into()])
        .await
        .unwrap();
    let csv = csv.as_str().unwrap().to_owned();
    let lines: Vec<&str> = csv.lines().collect();
    let header = "run,acks,msgs_per_sec,p50_ms,p95_ms,p99_ms,delivered,failed,ratio_to_first,in_producer_ms,waiting_to_send_ms,round_trip_ms,p99_from_intended_ms";
    assert_eq!(lines[0], header, "{csv}");
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1..].iter().all(|l| l.split(',').nth(6) == Some("200")), "200 delivered each: {csv}");
    screenshot_of(&browser, "#compare", "compare-acks-ladder").await;
    // The charts as one PNG image, drawn by the browser: a real PNG of both charts.
    click(&browser, "#compare-png-make").await;
    let png = loop {
        if let Ok(link) = browser.find(Locator::Css("#compare-png")).await {
            break link.attr("href").await.unwrap().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let base64 = png.strip_prefix("data:image/png;base64,").expect("a PNG data address");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, base64).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let (width, height) =
        (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()));
    assert_eq!((width, height), (1280, 960), "both charts, one below the other, at twice their size");
    assert!(bytes.len() > 20_000, "with something drawn: {} bytes", bytes.len());
    std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e/compare-export.png"), &bytes).unwrap();
    // The runs are still there to compare after a reload.
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "#run-chooser", |t| t.matches("acks=").count() >= 3, "the runs kept across a reload").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn the_linger_experiment_moves_the_latency_from_the_wire_into_the_producer() {
    let (server, _driver, browser) = open_page().await;
    type_into(&browser, "#count", "200").await;
    click(&browser, "#experiment-linger").await;
    wait_for_text(&browser, "#compare-table", |t| t.contains("linger.ms"), "the experiment is compared").await;
    // The breakdown's cells, as milliseconds, for each row: in the producer, round trip.
    let mut rows = Vec::new();
    for row in browser.find_all(Locator::Css("#compare-table tbody tr")).await.unwrap() {
        let cell = |css: &'static str| {
            let row = row.clone();
            async move {
                let text = row.find(Locator::Css(css)).await.unwrap().text().await.unwrap();
                text.trim_end_matches(" ms").replace(',', "").parse::<f64>().unwrap()
            }
        };
        let linger = row.find(Locator::Css("td:nth-child(2)")).await.unwrap().text().await.unwrap();
        rows.push((linger, cell("td.in-producer").await, cell("td.round-trip").await));
    }
    eprintln!("linger.ms, in the producer (ms), round trip (ms): {rows:?}");
    // The page says why the experiment is pipelined, and what each linger did.
    assert!(text(&browser, "#linger-how").await.contains("sends pipelined (many messages in flight)"));
    let result = text(&browser, "#linger-result").await;
    eprintln!("{result}");
    assert!(result.contains("linger.ms=5: ×") && result.contains("linger.ms=50: ×"), "{result}");
    let by = |linger: &str| rows.iter().find(|r| r.0 == linger).cloned().unwrap();
    let (zero, fifty) = (by("0"), by("50"));
    // Relative, not a fixed time: under load a machine stretches both (11 ms once).
    assert!(zero.1 * 3.0 < fifty.1, "without linger a message waits far less in the producer: {zero:?} {fifty:?}");
    assert!(fifty.1 >= 30.0 && fifty.1 > 10.0 * fifty.2, "with 50 ms it waits there, not on the wire: {fifty:?}");
    screenshot_of(&browser, "#compare", "compare-linger").await;
    // In French: the charts' words and numbers too.
    browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
    wait_for_text(&browser, "#send", |t| t == "Envoyer", "the page in French").await;
    let chart = text_content(&browser, "#compare-chart").await;
    assert!(chart.contains("latence (échelle log)"), "{chart}");
    assert!(chart.contains("envoi ") && chart.contains("0,1 ms") && !chart.contains("run "), "{chart}");
    assert!(text_content(&browser, "#compare-throughput").await.contains("temps depuis le début de l'envoi"));
    assert!(text(&browser, "#run-chooser").await.contains(" · pipeline · "), "the mode in French");
    screenshot_of(&browser, "#compare", "compare-linger-fr").await;
    browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("en").await.unwrap();
    wait_for_text(&browser, "#send", |t| t == "Send", "back in English").await;
    // Beside the last run (linger 50) and in a message's acks flow: the same breakdown,
    // each hop timed by what librdkafka measured, the copies said not to be measured.
    wait_for_text(&browser, "#run-breakdown", |t| t.contains("in the producer"), "the run's breakdown").await;
    click(&browser, "#deliveries tr.row:nth-child(3)").await;
    wait_for_text(&browser, "#acks-hops", |t| t.contains("int_latency"), "the hops and their sources").await;
    let hop_ms = |n: usize| {
        let browser = browser.clone();
        async move {
            let css = format!("#acks-hops tbody tr:nth-child({n}) td.num");
            let cell = text(&browser, &css).await;
            cell.trim_end_matches(" ms").replace(',', "").parse::<f64>().unwrap_or(f64::NAN)
        }
    };
    let (in_producer, round_trip) = (hop_ms(1).await, hop_ms(3).await);
    assert!(in_producer >= 30.0, "linger 50: the wait in the producer, in ms: {in_producer}");
    assert!(round_trip < in_producer / 5.0, "the round trip is short beside it: {round_trip}");
    assert!(text(&browser, "#acks-hops tbody tr:nth-child(4)").await.contains("does not replicate"));
    screenshot_of(&browser, "#details", "acks-flow-linger-50").await;
    // Halfway through the message's trip to the leader, its dot is on that wire.
    let on_wire = "const svg = document.querySelector('#acks-flow svg');
        const dot = svg.querySelector('circle.dot.produce');
        const motion = dot.querySelector('animateMotion');
        const begin = parseFloat(motion.getAttribute('begin')), dur = parseFloat(motion.getAttribute('dur'));
        svg.pauseAnimations();
        svg.setCurrentTime(begin + dur / 2);
        const d = dot.getBoundingClientRect(), w = svg.querySelector('line.wire').getBoundingClientRect();
        return [d.top + d.height / 2, w.top + w.height / 2, d.left + d.width / 2, w.left, w.right];";
    let m: Vec<f64> = serde_json::from_value(browser.execute(on_wire, vec![]).await.unwrap()).unwrap();
    assert!((m[0] - m[1]).abs() < 2.0 && m[2] > m[3] && m[2] < m[4], "the dot on the producer's wire: {m:?}");
    click(&browser, "#details .close").await;
    // Sync against pipelined, the same 200 messages: the lab's loop waits for each.
    click(&browser, "#experiment-modes").await;
    wait_for_text(&browser, "#compare-table thead", |t| t.contains("mode"), "the modes compared").await;
    let table = text(&browser, "#compare-table tbody").await;
    eprintln!("sync vs pipelined, 200 messages:\n{table}");
    let rate = |mode: &str| {
        let line = table
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(mode))
            .unwrap_or_else(|| panic!("{mode} in {table}"));
        line.split_whitespace().nth(2).unwrap().replace(',', "").parse::<f64>().unwrap()
    };
    assert!(rate("pipelined") > 3.0 * rate("sync"), "pipelined is several times sync:\n{table}");
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn on_a_1920_screen_the_lab_is_a_column_beside_the_producer_in_both_languages() {
    let server = TestServer::start_with(dist()).await;
    let driver = ChromeDriver::start();
    let browser = driver.browser_with(&["--window-size=1920,1080"]).await;
    browser.goto(&server.url("/")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;
    let rect = |css: &'static str| {
        let browser = browser.clone();
        async move {
            let script =
                format!("const r = document.querySelector('{css}').getBoundingClientRect(); return [r.left, r.top];");
            let at = browser.execute(&script, vec![]).await.unwrap();
            (at[0].as_f64().unwrap(), at[1].as_f64().unwrap())
        }
    };
    let (lab, run) = (rect("#lab").await, rect("#run").await);
    assert!(
        lab.0 < run.0 && (lab.1 - run.1).abs() < 200.0,
        "the lab beside the producer, not above it: {lab:?} {run:?}"
    );
    send_run(&browser, 1).await;
    screenshot(&browser, "wide-1920-english").await;
    browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
    wait_for_text(&browser, "#send", |t| t == "Envoyer", "the page switches").await;
    screenshot(&browser, "wide-1920-french").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn on_a_laptop_the_lab_is_beside_the_producer_and_a_set_up_shows_what_it_changed_in_both_languages() {
    let server = TestServer::start_with(dist()).await;
    for (width, height) in [(1280.0, 800.0), (1366.0, 768.0)] {
        let driver = ChromeDriver::start();
        let browser = driver.browser_with(&[&format!("--window-size={width},{height}")]).await;
        browser.goto(&server.url("/")).await.unwrap();
        wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;
        // From the keyboard: the first Tab stop skips to Send.
        let active = "return document.activeElement && document.activeElement.id";
        browser.find(Locator::Css("body")).await.unwrap().send_keys("\u{e004}").await.unwrap();
        assert_eq!(browser.execute(active, vec![]).await.unwrap(), "skip-to-send", "the first Tab stop");
        assert!(text(&browser, "#skip-to-send").await.contains("Skip to Send"), "shown once focused");
        browser.active_element().await.unwrap().send_keys("\u{e007}").await.unwrap();
        assert_eq!(browser.execute(active, vec![]).await.unwrap(), "send", "Enter on it: Send has the focus");
        let measure = "const box = s => document.querySelector(s).getBoundingClientRect();
            const lab = document.getElementById('lab');
            return [window.innerHeight, box('#lab').left, box('#config').left, box('#run').left,
                    box('#lab').top, box('#lab').bottom, box('#send').bottom, lab.scrollHeight - lab.clientHeight];";
        for lang in ["en", "fr"] {
            if lang == "fr" {
                browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
                wait_for_text(&browser, "#send", |t| t == "Envoyer", "the page switches").await;
            }
            let m: Vec<f64> = serde_json::from_value(browser.execute(measure, vec![]).await.unwrap()).unwrap();
            let [viewport, lab_left, config_left, run_left, lab_top, lab_bottom, send_bottom, lab_scrolls] = m[..]
            else {
                panic!("{m:?}")
            };
            let at = format!("{lang} at {width}x{height}");
            assert!(lab_left < config_left && config_left < run_left, "{at}: lab, form, run side by side: {m:?}");
            assert!(
                lab_top < 250.0 && lab_bottom <= viewport,
                "{at}: the lab on the first screen: {lab_top}..{lab_bottom}"
            );
            assert!(send_bottom <= viewport, "{at}: Send on the first screen too: {send_bottom}");
            assert!(lab_scrolls > 0.0, "{at}: the lab scrolls by itself, not the page");
        }
        // Exercise 5's optimized set-up: the lab says what it set, and the form, scrolled
        // only as far as needed, shows it highlighted on screen, the lab still beside it.
        click(&browser, "#setup-5-1").await;
        wait_for_text(&browser, "#set-up-done-5", |t| t.contains("batch.size"), "the set-up says what it set").await;
        let shown = "const f = document.querySelector('.field.changed #batch-size').getBoundingClientRect();
            const lab = document.getElementById('lab').getBoundingClientRect();
            return [f.top, f.bottom, lab.top, window.innerHeight];";
        let m: Vec<f64> = serde_json::from_value(browser.execute(shown, vec![]).await.unwrap()).unwrap();
        assert!(m[0] >= 0.0 && m[1] <= m[3], "batch.size highlighted on screen at {width}: {m:?}");
        assert!(m[2] >= 0.0 && m[2] < m[3], "the lab still on screen: {m:?}");
        screenshot(&browser, &format!("laptop-{width}-set-up-fr")).await;
        browser.close().await.unwrap();
    }
    server.stop().await;
}

/// axe-core's violations of impact serious or critical on the page `browser` shows:
/// each rule, its impact and the first elements it names.
async fn axe_findings(browser: &Client) -> Vec<String> {
    let axe = std::env::var("PLAYGROUND_AXE").expect("PLAYGROUND_AXE: axe.min.js, from `cargo xtask test`");
    let source = std::fs::read_to_string(&axe).unwrap_or_else(|e| panic!("{axe}: {e}"));
    browser.execute(&source, vec![]).await.unwrap();
    let run = "const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
            .then(r => done(r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', ')}`)))
            .catch(e => done([`axe failed: ${e}`]));";
    serde_json::from_value(browser.execute_async(run, vec![]).await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, the built page and axe-core: cargo xtask test runs it"]
async fn axe_core_finds_nothing_serious_on_the_trainee_and_instructor_pages_in_both_languages() {
    let server = with_instructor(|s| s).await;
    let driver = ChromeDriver::start();
    let browser = driver.browser().await;
    let mut found = Vec::new();

    // The trainee's page, named, after a run (its tables and charts drawn), its details open.
    browser.goto(&server.url("/")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;
    type_into(&browser, "#trainee-name", "Zoé").await;
    click(&browser, "#join").await;
    wait_for_text(&browser, "#joined", |t| t.contains("Zoé"), "joined").await;
    send_run(&browser, 1).await;
    browser.execute("document.querySelectorAll('details').forEach(d => d.open = true);", vec![]).await.unwrap();
    for lang in ["en", "fr"] {
        if lang == "fr" {
            browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
            wait_for_text(&browser, "#send", |t| t == "Envoyer", "the page switches").await;
        }
        found.extend(axe_findings(&browser).await.into_iter().map(|f| format!("trainee, {lang}: {f}")));
    }

    // The instructor's view, with the class in it.
    browser.goto(&server.url(&format!("/instructor?token={INSTRUCTOR_TOKEN}"))).await.unwrap();
    wait_for_text(&browser, "#trainees", |t| t.contains("Zoé"), "the class shows Zoé").await;
    for lang in ["en", "fr"] {
        if lang == "fr" {
            browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        found.extend(axe_findings(&browser).await.into_iter().map(|f| format!("instructor, {lang}: {f}")));
    }
    assert!(found.is_empty(), "axe-core, serious or critical:\n{}", found.join("\n"));
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn on_a_phone_width_the_page_is_one_column_and_send_is_on_screen_in_both_languages() {
    let server = TestServer::start_with(dist()).await;
    let driver = ChromeDriver::start();
    let browser = driver.phone(390, 844).await;
    browser.goto(&server.url("/")).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;
    // The viewport's width, the page's, and where the Messages panel and Send are.
    let measure = "const box = s => document.querySelector(s).getBoundingClientRect();
        return [window.innerWidth, document.documentElement.scrollWidth,
                box('#message').width, box('#send').left, box('#send').right, box('#lab').top, box('#run').top];";
    for lang in ["en", "fr"] {
        if lang == "fr" {
            browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
            wait_for_text(&browser, "#send", |t| t == "Envoyer", "the page switches").await;
        }
        let m: Vec<f64> = serde_json::from_value(browser.execute(measure, vec![]).await.unwrap()).unwrap();
        let [viewport, page, message, send_left, send_right, lab_top, run_top] = m[..] else { panic!("{m:?}") };
        assert_eq!(viewport, 390.0, "a phone's viewport, emulated");
        assert!(page <= viewport + 0.5, "{lang}: nothing scrolls sideways: page {page} px in {viewport}");
        assert!(message >= viewport - 40.0, "{lang}: the Messages panel is the screen's width: {message} px");
        assert!(send_left >= 0.0 && send_right <= viewport, "{lang}: Send on screen: {send_left}..{send_right}");
        assert!(lab_top > run_top, "{lang}: the lab below the producer, one column");
        click(&browser, "#send").await;
        let (run, done) = if lang == "en" { ("Run 1", "finished") } else { ("Envoi 2", "terminé") };
        wait_for_text(&browser, "#run-status", |t| t.starts_with(run) && t.contains(done), "the run finishes").await;
        screenshot(&browser, &format!("phone-{lang}")).await;
    }
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn the_instructor_sees_who_passed_who_is_stuck_and_the_class_experiments() {
    let server = with_instructor(|s| s).await;
    // Two trainees, each in a Chromium of their own (their own browser storage).
    let (alice_driver, bob_driver) = (ChromeDriver::start(), ChromeDriver::start());
    let (alice, bob) = (alice_driver.browser().await, bob_driver.browser().await);
    for (browser, name) in [(&alice, "alice"), (&bob, "bob")] {
        browser.goto(&server.url("/")).await.unwrap();
        wait_for_text(browser, "#connection", |t| t == "connected", "the page connects").await;
        type_into(browser, "#trainee-name", name).await;
        click(browser, "#join").await;
        wait_for_text(browser, "#joined", |t| t.contains(name), "the page shows the name").await;
    }
    // Alice does Exercise 1: its set-up, a run, its check passes; then an acks ladder.
    click(&alice, "#setup-1-0").await;
    send_run(&alice, 1).await;
    assert!(check_exercise(&alice, 1).await.contains("Passed"));
    type_into(&alice, "#count", "50").await;
    click(&alice, "#experiment-acks").await;
    wait_for_text(&alice, "#compare-table", |t| t.contains("acks"), "her ladder is compared").await;
    // Bob checks Exercise 3 before taking any broker down: tried, and not passed.
    assert!(check_exercise(&bob, 3).await.contains("Not yet"));

    let instructor_driver = ChromeDriver::start();
    let instructor = instructor_driver.browser().await;
    instructor.goto(&server.url(&format!("/instructor?token={INSTRUCTOR_TOKEN}"))).await.unwrap();
    let cell = |who: &'static str, item: &'static str| {
        let instructor = instructor.clone();
        async move {
            let rows = instructor.find_all(Locator::Css("#lab-grid tbody tr")).await.unwrap();
            for row in rows {
                let name = row.find(Locator::Css("th.name")).await.unwrap().text().await.unwrap();
                if name == who {
                    let td = row.find(Locator::Css(&format!("td[data-item='{item}']"))).await.unwrap();
                    return (td.attr("class").await.unwrap().unwrap_or_default(), td.text().await.unwrap());
                }
            }
            (String::new(), format!("no row for {who}"))
        }
    };
    wait_for_text(&instructor, "#lab-grid", |t| t.contains("alice") && t.contains("bob"), "both in the grid").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while cell("alice", "exercise:spread").await.0 != "passed" && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(cell("alice", "exercise:spread").await.0, "passed", "Alice's Exercise 1");
    assert_eq!(cell("alice", "ten_sent").await.0, "passed", "and her 10 messages");
    let (class, answer) = cell("bob", "exercise:broker_down").await;
    assert_eq!(class, "failed", "Bob tried Exercise 3: {answer}");
    assert!(answer.contains("✗") && answer.contains("take all brokers down"), "with what his check found: {answer}");
    assert_eq!(cell("bob", "exercise:spread").await.0, "not-tried");
    // The class comparison: Alice's ladder as one line.
    wait_for_text(&instructor, "#class-acks-ladder", |t| t.contains("alice"), "her ladder in the class's").await;
    let ladder = text(&instructor, "#class-acks-ladder").await;
    for setting in ["acks=0", "acks=1", "acks=all"] {
        assert!(ladder.contains(setting), "{setting} in\n{ladder}");
    }
    assert!(ladder.contains("msgs/s") && ladder.contains("p99"), "{ladder}");
    screenshot(&instructor, "instructor-grid").await;
    screenshot_of(&instructor, "#class-experiments", "instructor-class-experiments").await;
    // The instructor's page in French, Bob's answer too.
    instructor.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
    wait_for_text(&instructor, "#lab-grid-panel h2", |t| t.contains("Où en est"), "the page in French").await;
    wait_for_text(&instructor, "#lab-grid", |t| t.contains("arrêtez tous les brokers"), "his answer in French").await;
    wait_for_text(&instructor, "#trainees", |t| t.contains("envoyés"), "the class's runs in French").await;
    screenshot(&instructor, "instructor-grid-french").await;
    // A fault of the trainees' page, for the class: +200 ms, which Bob's page shows.
    click(&instructor, "#class-latency").await;
    wait_for_text(&instructor, "#instructor-said", |t| t.contains("toute la classe"), "done for the class").await;
    wait_for_text(&bob, "#cluster", |t| t.contains("200 ms"), "Bob's brokers answer 200 ms later").await;
    wait_for_text(&bob, "#fault-scope", |t| t.contains("by the instructor, for the whole class"), "and says who").await;
    // When each trainee last did something, and the grid and experiments as CSV.
    wait_for_text(&instructor, "#trainees td.idle", |t| t.contains("il y a"), "their last activity").await;
    for (link, header) in [
        ("#lab-grid-csv", "trainee,server,connected,runs,C1 "),
        ("#class-experiments-csv", "trainee,experiment,setting,"),
    ] {
        let href = instructor.find(Locator::Css(link)).await.unwrap().attr("href").await.unwrap().unwrap();
        let csv = instructor
            .execute("return decodeURIComponent(arguments[0].split(',').slice(1).join(','));", vec![href.into()])
            .await
            .unwrap();
        let csv = csv.as_str().unwrap();
        assert!(csv.starts_with(header) && csv.contains("alice"), "{link}: {csv}");
    }
    // Bob renamed by the instructor: his page says so, and keeps it.
    let pick = "const s = document.getElementById('trainee-pick');
        const o = [...s.options].find(o => o.text.startsWith('bob'));
        s.value = o.value; s.dispatchEvent(new Event('change')); return o.value;";
    instructor.execute(pick, vec![]).await.unwrap();
    type_into(&instructor, "#trainee-new-name", "Robert").await;
    click(&instructor, "#trainee-rename").await;
    wait_for_text(&bob, "#joined", |t| t.contains("Robert"), "Bob's page has his new name").await;
    screenshot(&instructor, "instructor-trainee-actions-fr").await;
    for browser in [instructor, alice, bob] {
        browser.close().await.unwrap();
    }
    server.stop().await;
}

/// The page served by a playground on Apache Kafka of its own (`--local-kafka` in a
/// folder named `name`, free ports), connected: the folder, the server, the driver and
/// the browser, in the order they are to outlive each other.
async fn page_on_apache_kafka(
    name: &str,
) -> (common::process::KafkaDir, common::process::Playground, ChromeDriver, Client) {
    let kafka = common::process::KafkaDir::new(name);
    let dist = dist();
    let server = common::process::Playground::start(&[
        "--local-kafka",
        kafka.arg(),
        "--kafka-port",
        "0",
        "--static-dir",
        dist.to_str().unwrap(),
    ]);
    let driver = ChromeDriver::start();
    let browser = driver.browser().await;
    browser.goto(&format!("http://{}/", server.addr)).await.unwrap();
    wait_for_text(&browser, "#connection", |t| t == "connected", "the page connects").await;
    (kafka, server, driver, browser)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, the built page and Apache Kafka's jars: cargo xtask test runs it"]
async fn on_apache_kafka_the_page_measures_the_acks_ladder_and_shows_a_crashed_broker_leave_the_isr() {
    // The folder first, so dropped last: it outlives the server.
    let (_kafka, _server, _driver, browser) = page_on_apache_kafka("page").await;
    assert!(text(&browser, "#cluster-line").await.contains("Apache Kafka on this machine"));
    // The mock's caveats are not said here, and its faults not offered.
    assert_eq!(text(&browser, "#config .honest").await, "", "no 'the mock ignores acks' on Apache Kafka");
    assert!(browser.find(Locator::Css("#add-latency")).await.is_err(), "no mock faults");
    // Each partition's in-sync replicas, as the brokers say.
    wait_for_text(
        &browser,
        "#isr tbody",
        |t| t.lines().count() == 6 && t.lines().all(|l| l.ends_with("1, 2, 3")),
        "every partition has its 3 replicas in sync",
    )
    .await;

    // The acks ladder, measured: every message of each run delivered, and no note that
    // the cluster does not replicate. The form says pipelined and 20 messages: here the
    // ladder says it sends 200 one at a time, and does.
    type_into(&browser, "#count", "20").await;
    click(&browser, "#mode-pipelined").await;
    assert!(text(&browser, "#acks-ladder-how").await.contains("one at a time (sync)"));
    click(&browser, "#experiment-acks").await;
    // acks=all waits for the followers' next fetch: slower at p50 and p95 within the
    // ladder's pairs (a loaded CI machine may need the second or third pair).
    let started = Instant::now();
    let verdict = loop {
        let verdict = text(&browser, "#acks-verdict").await;
        if !verdict.is_empty() {
            break verdict;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no verdict after 2 minutes");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let chooser = text(&browser, "#run-chooser").await;
    eprintln!("acks ladder on Apache Kafka in {:.1} s: {verdict}\n{chooser}", started.elapsed().as_secs_f64());
    assert!(verdict.starts_with("Measured: acks=all slower than acks=1, p50 ×"), "{verdict}");
    let sync_runs = chooser.lines().filter(|l| l.contains(" · sync · 200 · ")).count();
    assert!(sync_runs >= 3, "acks 0, 1 and all, each 200 delivered one at a time:\n{chooser}");
    wait_for_text(&browser, "#compare-table", |t| t.contains("acks"), "the ladder is compared").await;
    let table = text(&browser, "#compare-table").await;
    eprintln!("{table}");
    for acks in ["0", "1", "all"] {
        let body = text(&browser, "#compare-table tbody").await;
        assert!(body.lines().any(|l| l.split_whitespace().nth(1) == Some(acks)), "acks={acks} row in\n{body}");
    }
    assert_eq!(text(&browser, "#compare-honest").await, "", "no mock caveat on a replicating cluster");
    screenshot_of(&browser, "#compare", "kafka-acks-ladder").await;

    // A broker crashed from its row: its process stops at once; the controller fences it
    // after broker.session.timeout.ms and it leaves every partition's in-sync replicas.
    click(&browser, "#cluster tr.broker[data-broker='2'] button[data-action='crash']").await;
    wait_for_text(&browser, "#cluster tr.broker[data-broker='2'] .state", |t| t == "stopped", "broker 2 stopped").await;
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let mut replicas = Vec::new();
        for cell in browser.find_all(Locator::Css("#isr td.in-sync")).await.unwrap() {
            replicas.push(cell.text().await.unwrap());
        }
        if replicas.len() == 6 && replicas.iter().all(|r| r == "1, 3") {
            break;
        }
        assert!(Instant::now() < deadline, "broker 2 never left the in-sync replicas: {replicas:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    screenshot_of(&browser, "#cluster", "kafka-broker-crashed").await;
    browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
    wait_for_text(&browser, "#cluster tr.broker[data-broker='2'] .state", |t| t == "arrêté", "in French").await;
    screenshot_of(&browser, "#cluster", "kafka-broker-crashed-fr").await;
    wait_for_text(&browser, "#acks-verdict", |t| t.starts_with("Mesuré : acks=all plus lent"), "the verdict in French")
        .await;
    screenshot_of(&browser, "#compare", "kafka-acks-ladder-fr").await;
    browser.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, the built page and Apache Kafka's jars: cargo xtask test runs it"]
async fn on_apache_kafka_the_page_shows_acks_1_lose_acknowledged_messages_and_acks_all_keep_them() {
    // The folder first, so dropped last: it outlives the server.
    let (_kafka, _server, _driver, browser) = page_on_apache_kafka("loss").await;
    let bootstrap = text(&browser, "#bootstrap").await;
    wait_for_text(&browser, "#isr tbody", |t| t.lines().count() == 6, "the in-sync replicas are shown").await;

    // One click: acks=1 until it loses (up to 3 attempts), then acks=all.
    click(&browser, "#acks-loss-start").await;
    let started = Instant::now();
    let mut last_phase = String::new();
    loop {
        let phase = text(&browser, "#acks-loss-phase").await;
        if phase != last_phase {
            eprintln!("{:>6.1} s  {phase}", started.elapsed().as_secs_f64());
            last_phase = phase.clone();
        }
        if phase.starts_with("Done") {
            break;
        }
        if phase.starts_with("Stopped") || started.elapsed() > Duration::from_secs(600) {
            screenshot(&browser, "kafka-acks-loss-stuck").await;
            panic!("the experiment did not finish: {phase}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!("acks=1 loss experiment on Apache Kafka in {:.0} s", started.elapsed().as_secs_f64());
    let figure = |css: &'static str| {
        let browser = browser.clone();
        async move { text(&browser, css).await.replace(',', "").parse::<usize>().unwrap_or_else(|e| panic!("{css}: {e}")) }
    };
    let (one_acked, one_lost) = (figure("#acks-loss-one .acked").await, figure("#acks-loss-one .lost").await);
    let (all_acked, all_lost) = (figure("#acks-loss-all .acked").await, figure("#acks-loss-all .lost").await);
    eprintln!("{}", text(&browser, "#acks-loss-result").await);
    assert!(one_lost > 0 && one_lost <= one_acked, "acks=1 lost acknowledged messages: {one_lost} of {one_acked}");
    assert!(!text(&browser, "#acks-loss-one .offsets").await.is_empty());
    assert!(all_acked > 0, "acks=all: the new leader acknowledged the run");
    assert_eq!(all_lost, 0, "acks=all loses no acknowledged message");
    let conclusion = text(&browser, "#acks-loss-conclusion").await;
    assert!(conclusion.contains(&format!("no longer finds {one_lost} of them")), "{conclusion}");

    // What the page says, checked with a consumer of our own: none of the lossy
    // attempt's messages is on partition 0 any more, and every one acks=all acknowledged is.
    let attempt = text(&browser, "#acks-loss-one td:nth-of-type(1)").await;
    let attempt = attempt.split_whitespace().next().unwrap().to_owned();
    let one_failed = figure("#acks-loss-one td:nth-of-type(5)").await;
    let records = consume_all(&bootstrap, lab::TOPIC, 6, usize::MAX, Duration::from_secs(10));
    // An attempt's run, its one-message warm-up (order 0) aside.
    let on_partition_0 = |marker: &str| {
        (records.iter())
            .filter(|r| r.partition == 0 && r.value.contains(marker) && !r.value.ends_with("\"order\":0}"))
            .count()
    };
    let still_there = on_partition_0(&format!("\"run\":\"acks=1 #{attempt} "));
    let kept = on_partition_0("\"run\":\"acks=all #1 ");
    // A failed message may still have been written (its report says "possibly").
    assert!(
        (one_acked - one_lost..=one_acked - one_lost + one_failed).contains(&still_there),
        "of attempt {attempt}'s {one_acked} acknowledged messages, the {one_lost} the page says are lost are gone: {still_there} left"
    );
    assert!(kept >= all_acked, "acks=all's {all_acked} acknowledged messages are on partition 0: {kept}");
    screenshot_of(&browser, "#acks-loss", "kafka-acks-loss").await;

    // Exercise 4 on Apache Kafka: its set-ups lose a produce request and a response at the
    // leader of the key's partition, and the check reads what the retries did back.
    assert!(text(&browser, "#exercise-4 .kafka-note").await.contains("On Apache Kafka"));
    let status = text(&browser, "#run-status").await;
    let mut run: u32 = status.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("the last run's number");
    for setup in ["#setup-4-0", "#setup-4-1", "#setup-4-2", "#setup-4-2"] {
        click(&browser, setup).await;
        run += 1;
        send_run(&browser, run).await;
        eprintln!(
            "DEBUG {setup}: isr {} | logs {} | notice {}",
            text(&browser, "#isr tbody").await,
            text(&browser, "#logs").await,
            text(&browser, "#notice").await
        );
    }
    let verdict = check_exercise(&browser, 4).await;
    eprintln!("exercise 4 on Apache Kafka: {verdict}");
    assert!(verdict.contains("Passed"), "{verdict}");
    let line = |step: &str| verdict.lines().find(|l| l.starts_with(step)).unwrap_or_default().to_owned();
    assert!(!line("A, without idempotence").contains("0 duplicate(s), 0 out of order"), "{verdict}");
    assert!(
        line("B, with idempotence").contains("300 messages read back, 0 duplicate(s), 0 out of order"),
        "{verdict}"
    );
    screenshot_of(&browser, "#exercise-4", "kafka-exercise-4").await;
    browser.find(Locator::Css("#lang")).await.unwrap().select_by_value("fr").await.unwrap();
    wait_for_text(&browser, "#acks-loss-phase", |t| t.starts_with("Terminé"), "in French").await;
    assert!(text(&browser, "#acks-loss-conclusion").await.contains(&format!("n'en trouve plus {one_lost}")));
    screenshot_of(&browser, "#acks-loss", "kafka-acks-loss-fr").await;
    browser.close().await.unwrap();
}
