//! The page on Apache Kafka started by the playground: the acks ladder measured, a
//! crashed broker leaving the in-sync replicas, and acks=1 losing acknowledged messages.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use shared::lab;

use super::dist;
use super::page::Page;
use crate::common::chrome::ChromeDriver;
use crate::common::{self, consume_all};

/// The page served by a playground on Apache Kafka of its own (`--local-kafka` in a
/// folder named `name`, free ports), connected: the folder, the server, the driver and
/// the browser, in the order they are to outlive each other.
async fn page_on_apache_kafka(
    name: &str,
) -> (common::process::KafkaDir, common::process::Playground, ChromeDriver, Page) {
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
    let browser = Page::from(driver.browser().await);
    browser.goto(&format!("http://{}/", server.addr)).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the page connects").await;
    (kafka, server, driver, browser)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, the built page and Apache Kafka's jars: cargo xtask test runs it"]
async fn on_apache_kafka_the_page_measures_the_acks_ladder_and_shows_a_crashed_broker_leave_the_isr() {
    // The folder first, so dropped last: it outlives the server.
    let (_kafka, _server, _driver, browser) = page_on_apache_kafka("page").await;
    assert!(browser.text("#cluster-line").await.contains("Apache Kafka on this machine"));
    // The mock's caveats are not said here, and its faults not offered.
    assert_eq!(browser.text("#config .honest").await, "", "no 'the mock ignores acks' on Apache Kafka");
    assert!(browser.find(Locator::Css("#add-latency")).await.is_err(), "no mock faults");
    // Each partition's in-sync replicas, as the brokers say.
    browser
        .wait_for_text(
            "#isr tbody",
            |t| t.lines().count() == 6 && t.lines().all(|l| l.ends_with("1, 2, 3")),
            "every partition has its 3 replicas in sync",
        )
        .await;

    // The acks ladder, measured: every message of each run delivered, and no note that
    // the cluster does not replicate. The form says pipelined and 20 messages: here the
    // ladder says it sends 200 one at a time, and does.
    browser.type_into("#count", "20").await;
    browser.click("#mode-pipelined").await;
    assert!(browser.text("#acks-ladder-how").await.contains("one at a time (sync)"));
    browser.click("#experiment-acks").await;
    // acks=all waits for the followers' next fetch: slower at p50 and p95 within the
    // ladder's pairs (a loaded CI machine may need the second or third pair).
    let started = Instant::now();
    let verdict = common::eventually("the ladder's verdict", Duration::from_secs(120), async || {
        Some(browser.text("#acks-verdict").await).filter(|v| !v.is_empty())
    })
    .await;
    let chooser = browser.text("#run-chooser").await;
    eprintln!("acks ladder on Apache Kafka in {:.1} s: {verdict}\n{chooser}", started.elapsed().as_secs_f64());
    assert!(verdict.starts_with("Measured: acks=all slower than acks=1, p50 ×"), "{verdict}");
    let sync_runs = chooser.lines().filter(|l| l.contains(" · sync · 200 · ")).count();
    assert!(sync_runs >= 3, "acks 0, 1 and all, each 200 delivered one at a time:\n{chooser}");
    browser.wait_for_text("#compare-table", |t| t.contains("acks"), "the ladder is compared").await;
    let table = browser.text("#compare-table").await;
    eprintln!("{table}");
    for acks in ["0", "1", "all"] {
        let body = browser.text("#compare-table tbody").await;
        assert!(body.lines().any(|l| l.split_whitespace().nth(1) == Some(acks)), "acks={acks} row in\n{body}");
    }
    assert_eq!(browser.text("#compare-honest").await, "", "no mock caveat on a replicating cluster");
    browser.screenshot_of("#compare", "kafka-acks-ladder").await;

    // A broker crashed from its row: its process stops at once; the controller fences it
    // after broker.session.timeout.ms and it leaves every partition's in-sync replicas.
    browser.click("#cluster tr.broker[data-broker='2'] button[data-action='crash']").await;
    browser.wait_for_text("#cluster tr.broker[data-broker='2'] .state", |t| t == "stopped", "broker 2 stopped").await;
    common::eventually("broker 2 out of every partition's in-sync replicas", Duration::from_secs(40), async || {
        let replicas = browser.texts("#isr td.in-sync").await;
        (replicas.len() == 6 && replicas.iter().all(|r| r == "1, 3")).then_some(())
    })
    .await;
    browser.screenshot_of("#cluster", "kafka-broker-crashed").await;
    browser.choose_lang("fr").await;
    browser.wait_for_text("#cluster tr.broker[data-broker='2'] .state", |t| t == "arrêté", "in French").await;
    browser.screenshot_of("#cluster", "kafka-broker-crashed-fr").await;
    browser
        .wait_for_text("#acks-verdict", |t| t.starts_with("Mesuré : acks=all plus lent"), "the verdict in French")
        .await;
    browser.screenshot_of("#compare", "kafka-acks-ladder-fr").await;
    browser.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, the built page and Apache Kafka's jars: cargo xtask test runs it"]
async fn on_apache_kafka_the_page_shows_acks_1_lose_acknowledged_messages_and_acks_all_keep_them() {
    // The folder first, so dropped last: it outlives the server.
    let (_kafka, _server, _driver, browser) = page_on_apache_kafka("loss").await;
    let bootstrap = browser.text("#bootstrap").await;
    browser.wait_for_text("#isr tbody", |t| t.lines().count() == 6, "the in-sync replicas are shown").await;

    // One click: acks=1 until it loses (up to 3 attempts), then acks=all.
    browser.click("#acks-loss-start").await;
    let started = Instant::now();
    let mut last_phase = String::new();
    loop {
        let phase = browser.text("#acks-loss-phase").await;
        if phase != last_phase {
            eprintln!("{:>6.1} s  {phase}", started.elapsed().as_secs_f64());
            last_phase = phase.clone();
        }
        if phase.starts_with("Done") {
            break;
        }
        if phase.starts_with("Stopped") || started.elapsed() > Duration::from_secs(600) {
            browser.screenshot("kafka-acks-loss-stuck").await;
            panic!("the experiment did not finish: {phase}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!("acks=1 loss experiment on Apache Kafka in {:.0} s", started.elapsed().as_secs_f64());
    let figure = |css: &'static str| {
        let browser = browser.clone();
        async move { browser.text(css).await.replace(',', "").parse::<usize>().unwrap_or_else(|e| panic!("{css}: {e}")) }
    };
    let (one_acked, one_lost) = (figure("#acks-loss-one .acked").await, figure("#acks-loss-one .lost").await);
    let (all_acked, all_lost) = (figure("#acks-loss-all .acked").await, figure("#acks-loss-all .lost").await);
    eprintln!("{}", browser.text("#acks-loss-result").await);
    assert!(one_lost > 0 && one_lost <= one_acked, "acks=1 lost acknowledged messages: {one_lost} of {one_acked}");
    assert!(!browser.text("#acks-loss-one .offsets").await.is_empty());
    assert!(all_acked > 0, "acks=all: the new leader acknowledged the run");
    assert_eq!(all_lost, 0, "acks=all loses no acknowledged message");
    let conclusion = browser.text("#acks-loss-conclusion").await;
    assert!(conclusion.contains(&format!("no longer finds {one_lost} of them")), "{conclusion}");

    // What the page says, checked with a consumer of our own: none of the lossy
    // attempt's messages is on partition 0 any more, and every one acks=all acknowledged is.
    let attempt = browser.text("#acks-loss-one td:nth-of-type(1)").await;
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
    browser.screenshot_of("#acks-loss", "kafka-acks-loss").await;

    // Exercise 4 on Apache Kafka: its set-ups lose a produce request and a response at the
    // leader of the key's partition, and the check reads what the retries did back.
    assert!(browser.text("#exercise-4 .kafka-note").await.contains("On Apache Kafka"));
    let status = browser.text("#run-status").await;
    let mut run: u32 = status.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("the last run's number");
    for setup in ["#setup-4-0", "#setup-4-1", "#setup-4-2", "#setup-4-2"] {
        browser.click(setup).await;
        run += 1;
        browser.send_run(run).await;
        eprintln!(
            "DEBUG {setup}: isr {} | logs {} | notice {}",
            browser.text("#isr tbody").await,
            browser.text("#logs").await,
            browser.text("#notice").await
        );
    }
    let verdict = browser.check_exercise(4).await;
    eprintln!("exercise 4 on Apache Kafka: {verdict}");
    assert!(verdict.contains("Passed"), "{verdict}");
    let line = |step: &str| verdict.lines().find(|l| l.starts_with(step)).unwrap_or_default().to_owned();
    assert!(!line("A, without idempotence").contains("0 duplicate(s), 0 out of order"), "{verdict}");
    assert!(
        line("B, with idempotence").contains("300 messages read back, 0 duplicate(s), 0 out of order"),
        "{verdict}"
    );
    browser.screenshot_of("#exercise-4", "kafka-exercise-4").await;
    browser.choose_lang("fr").await;
    browser.wait_for_text("#acks-loss-phase", |t| t.starts_with("Terminé"), "in French").await;
    assert!(browser.text("#acks-loss-conclusion").await.contains(&format!("n'en trouve plus {one_lost}")));
    browser.screenshot_of("#acks-loss", "kafka-acks-loss-fr").await;
    browser.close().await.unwrap();
}
