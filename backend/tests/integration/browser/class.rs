//! A class: a trainee's own topic and a reload mid-run, the class code, a page behind
//! an nginx reverse proxy with TLS, and the instructor's view.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use shared::lab;

use super::page::Page;
use super::{INSTRUCTOR_TOKEN, dist, outcomes_in, with_instructor};
use crate::common::chrome::ChromeDriver;
use crate::common::{self, TestServer, consume_all};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_workshop_trainee_with_their_own_topic_a_reload_mid_run_and_the_instructor() {
    let limits = shared::protocol::Limits { trainee_faults: false, ..Default::default() };
    let server = with_instructor(|s| s.with_limits(limits).with_topic_per_trainee(true)).await;
    let driver = ChromeDriver::start();
    let browser = Page::from(driver.browser().await);
    browser.goto(&server.url("/")).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the page connects").await;

    // Each trainee has their own topic here: the page asks for a name first.
    browser.wait_for_text("#name-needed", |t| t.starts_with("Enter your name first"), "the page asks for a name").await;
    // A send before the name is refused, and the refusal is said once.
    browser.click("#send").await;
    browser.wait_for_text("#server-error", |t| t.contains("enter your name first"), "the refusal").await;
    assert_eq!(browser.text("#server-error").await.matches("enter your name first").count(), 1);
    assert!(browser.text("#faults-by-instructor").await.contains("instructor switches faults"));
    browser.type_into("#trainee-name", "a<b>").await;
    browser.click("#join").await;
    browser.wait_for_text("#name-error", |t| t.contains("cannot be a name"), "a bad name is refused").await;
    // A Cyrillic "а" among Latin letters passes for "alice": refused, saying why.
    browser.type_into("#trainee-name", "\u{430}lice").await;
    browser.click("#join").await;
    browser.wait_for_text("#name-error", |t| t.contains("mixes scripts"), "a look-alike is refused").await;
    // A name with an accent and a space is a name; the refusal before it goes.
    browser.type_into("#trainee-name", "  Zoé   Martin ").await;
    browser.click("#join").await;
    browser
        .wait_for_text("#joined", |t| t.contains("Zoé Martin → orders.created.zoe-martin"), "her name and topic")
        .await;
    assert_eq!(browser.text("#name-error").await, "", "no old error after a successful join");
    browser.type_into("#trainee-name", "alice").await;
    browser.click("#join").await;
    browser.wait_for_text("#joined", |t| t.contains("orders.created.alice"), "the page shows her topic").await;

    // A paced run of 40 at 10 msgs/s, and the page reloaded in the middle of it.
    browser.type_into("#count", "40").await;
    browser.type_into("#rate", "10").await;
    browser.click("#send").await;
    let under_way = |t: &str| outcomes_in(t).is_some_and(|n| n >= 10);
    browser.wait_for_text("#run-status", under_way, "the run is under way").await;
    browser.refresh().await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the reloaded page connects").await;
    browser.wait_for_text("#joined", |t| t.contains("orders.created.alice"), "still Alice").await;
    browser.wait_for_text("#run-status", |t| t.starts_with("Run 1"), "the reloaded page shows the run").await;
    browser.wait_for_text("#run-status", |t| t.contains("finished"), "and its end").await;
    // Paced: its latency also from each message's intended send time.
    browser.wait_for_text("#run-intended", |t| t.contains("intended send time: p50"), "from the schedule").await;
    // The tab remembers what it asked for, so the lab judges the run it came back to.
    browser.wait_for_text("li.done[data-tick='TenSent']", |t| t.contains("10 messages"), "the checklist ticks").await;
    browser.screenshot("workshop-trainee-after-reload").await;
    let read = consume_all(&server.bootstrap, "orders.created.alice", 6, 40, Duration::from_secs(10));
    assert_eq!(read.len(), 40, "all 40 in her own topic");

    // The instructor, in another tab: the link's token leaves the address bar.
    let trainee = browser.window().await.unwrap();
    let tab = browser.new_window(true).await.unwrap();
    browser.switch_to_window(tab.handle).await.unwrap();
    browser.goto(&server.url("/instructor?token=wrong")).await.unwrap();
    browser.wait_for_text("#refused", |t| t.contains("wrong instructor token"), "a wrong token is refused").await;
    browser.goto(&server.url(&format!("/instructor?token={INSTRUCTOR_TOKEN}"))).await.unwrap();
    browser.wait_for_text("#trainees", |t| t.contains("alice"), "the class shows Alice").await;
    assert!(!browser.current_url().await.unwrap().as_str().contains("class-token"), "the token left the address bar");
    browser.wait_for_text("#trainees tbody tr", |t| t.contains("40 sent · 40 ✓ · 0 ✗"), "her run as it ended").await;
    browser.type_into("#broadcast-text", "Break until 10:30").await;
    browser.click("#broadcast-send").await;
    browser.wait_for_text("#instructor-said", |t| t.contains("Sent to every page"), "the message went").await;
    browser.click("button[data-broker='2']").await;
    browser.wait_for_text("button[data-broker='2']", |t| t.contains('↑'), "broker 2 is down for the class").await;
    browser.screenshot("workshop-instructor").await;

    browser.switch_to_window(trainee).await.unwrap();
    browser.wait_for_text("#broadcast", |t| t.contains("Break until 10:30"), "Alice reads the message").await;
    browser.wait_for_text("#cluster", |t| t.contains("down"), "and sees broker 2 down").await;
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
    browser.screenshot("workshop-broadcast").await;
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
    let browser = Page::from(driver.browser().await);

    // Without the code: the page's files, and a form that asks for the code.
    browser.goto(&server.url("/")).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "class code needed", "the page is refused").await;
    browser.wait_for_text("#class-code-error", |t| t.contains("needs its code"), "and says why").await;
    let waits = "it waits for the trainee, not retrying";
    browser.keeps_text("#connection", "class code needed", Duration::from_millis(1500), waits).await;
    browser.type_into("#class-code-input", "kafka-lap").await;
    browser.click("#class-code-enter").await;
    browser.wait_for_text("#class-code-error", |t| t.contains("not the class's code"), "a wrong code").await;
    browser.screenshot("class-code-wrong").await;
    browser.type_into("#class-code-input", "KAFKA-LAB").await;
    browser.click("#class-code-enter").await;
    browser.wait_for_text("#connection", |t| t == "connected", "the right code, whatever its case").await;
    assert!(browser.find_all(Locator::Css("#class-code")).await.unwrap().is_empty(), "the form is gone");
    browser.send_run(1).await;

    // The trainees' link: connected at once, and the code leaves the address bar.
    let tab = browser.new_window(true).await.unwrap();
    browser.switch_to_window(tab.handle).await.unwrap();
    browser.goto(&server.url("/?class=kafka-lab")).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the link's page connects").await;
    let address = browser.current_url().await.unwrap().to_string();
    assert!(!address.contains("kafka-lab"), "the code left the address bar: {address}");
    browser.refresh().await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the tab keeps its code across a reload").await;
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
    let browser = Page::from(driver.browser_with(&["--ignore-certificate-errors"]).await);
    browser.goto(&format!("{public}/?class=proxied-class")).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the page connects over wss through nginx").await;
    browser.send_run(1).await;
    let read = consume_all(&server.bootstrap, lab::TOPIC, 6, 10, Duration::from_secs(10));
    assert_eq!(read.len(), 10, "the lab's 10 orders went through the proxy");
    browser.screenshot("behind-nginx").await;
    browser.close().await.unwrap();
    drop(nginx);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn the_instructor_sees_who_passed_who_is_stuck_and_the_class_experiments() {
    let server = with_instructor(|s| s).await;
    // Two trainees, each in a Chromium of their own (their own browser storage).
    let (alice_driver, bob_driver) = (ChromeDriver::start(), ChromeDriver::start());
    let (alice, bob) = (Page::from(alice_driver.browser().await), Page::from(bob_driver.browser().await));
    for (browser, name) in [(&alice, "alice"), (&bob, "bob")] {
        browser.goto(&server.url("/")).await.unwrap();
        browser.wait_for_text("#connection", |t| t == "connected", "the page connects").await;
        browser.type_into("#trainee-name", name).await;
        browser.click("#join").await;
        browser.wait_for_text("#joined", |t| t.contains(name), "the page shows the name").await;
    }
    // Alice does Exercise 1: its set-up, a run, its check passes; then an acks ladder.
    alice.click("#setup-1-0").await;
    alice.send_run(1).await;
    assert!(alice.check_exercise(1).await.contains("Passed"));
    alice.type_into("#count", "50").await;
    alice.click("#experiment-acks").await;
    alice.wait_for_text("#compare-table", |t| t.contains("acks"), "her ladder is compared").await;
    // Bob checks Exercise 3 before taking any broker down: tried, and not passed.
    assert!(bob.check_exercise(3).await.contains("Not yet"));

    let instructor_driver = ChromeDriver::start();
    let instructor = Page::from(instructor_driver.browser().await);
    instructor.goto(&server.url(&format!("/instructor?token={INSTRUCTOR_TOKEN}"))).await.unwrap();
    let cell = |who: &'static str, item: &'static str| {
        let instructor = instructor.clone();
        async move {
            // One script: the grid is redrawn as the class's runs come in.
            let script = "const [who, item] = arguments;
                for (const row of document.querySelectorAll('#lab-grid tbody tr')) {
                    if (row.querySelector('th.name').innerText.trim() !== who) continue;
                    const td = row.querySelector(`td[data-item='${item}']`);
                    return [td.className, td.innerText.trim()];
                }
                return ['', `no row for ${who}`];";
            let found = instructor.execute(script, vec![who.into(), item.into()]).await.unwrap();
            serde_json::from_value::<(String, String)>(found).unwrap()
        }
    };
    instructor.wait_for_text("#lab-grid", |t| t.contains("alice") && t.contains("bob"), "both in the grid").await;
    common::eventually("Alice's Exercise 1 passed in the grid", Duration::from_secs(10), async || {
        (cell("alice", "exercise:spread").await.0 == "passed").then_some(())
    })
    .await;
    assert_eq!(cell("alice", "exercise:spread").await.0, "passed", "Alice's Exercise 1");
    assert_eq!(cell("alice", "ten_sent").await.0, "passed", "and her 10 messages");
    let (class, answer) = cell("bob", "exercise:broker_down").await;
    assert_eq!(class, "failed", "Bob tried Exercise 3: {answer}");
    assert!(answer.contains("✗") && answer.contains("take all brokers down"), "with what his check found: {answer}");
    assert_eq!(cell("bob", "exercise:spread").await.0, "not-tried");
    // The class comparison: Alice's ladder as one line.
    instructor.wait_for_text("#class-acks-ladder", |t| t.contains("alice"), "her ladder in the class's").await;
    let ladder = instructor.text("#class-acks-ladder").await;
    for setting in ["acks=0", "acks=1", "acks=all"] {
        assert!(ladder.contains(setting), "{setting} in\n{ladder}");
    }
    assert!(ladder.contains("msgs/s") && ladder.contains("p99"), "{ladder}");
    instructor.screenshot("instructor-grid").await;
    instructor.screenshot_of("#class-experiments", "instructor-class-experiments").await;
    // The instructor's page in French, Bob's answer too.
    instructor.choose_lang("fr").await;
    instructor.wait_for_text("#lab-grid-panel h2", |t| t.contains("Où en est"), "the page in French").await;
    instructor.wait_for_text("#lab-grid", |t| t.contains("arrêtez tous les brokers"), "his answer in French").await;
    instructor.wait_for_text("#trainees", |t| t.contains("envoyés"), "the class's runs in French").await;
    instructor.screenshot("instructor-grid-french").await;
    // A fault of the trainees' page, for the class: +200 ms, which Bob's page shows.
    instructor.click("#class-latency").await;
    instructor.wait_for_text("#instructor-said", |t| t.contains("toute la classe"), "done for the class").await;
    bob.wait_for_text("#cluster", |t| t.contains("200 ms"), "Bob's brokers answer 200 ms later").await;
    bob.wait_for_text("#fault-scope", |t| t.contains("by the instructor, for the whole class"), "and says who").await;
    // When each trainee last did something, and the grid and experiments as CSV.
    instructor.wait_for_text("#trainees td.idle", |t| t.contains("il y a"), "their last activity").await;
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
    instructor.type_into("#trainee-new-name", "Robert").await;
    instructor.click("#trainee-rename").await;
    bob.wait_for_text("#joined", |t| t.contains("Robert"), "Bob's page has his new name").await;
    instructor.screenshot("instructor-trainee-actions-fr").await;
    for browser in [instructor, alice, bob] {
        browser.close().await.unwrap();
    }
    server.stop().await;
}
