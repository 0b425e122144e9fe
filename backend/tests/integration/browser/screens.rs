//! The page in French, on a projector with the keyboard only, on a 1920 screen, on
//! laptops, on a phone, and as axe-core reads it.

use fantoccini::Locator;

use super::page::Page;
use super::{INSTRUCTOR_TOKEN, dist, open_page, with_instructor};
use crate::common::TestServer;
use crate::common::chrome::ChromeDriver;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn a_french_trainee_reads_the_page_in_french_and_it_stays_french() {
    let (server, _driver, browser) = open_page().await;
    browser.choose_lang("fr").await;
    browser.wait_for_text("#send", |t| t == "Envoyer", "the page switches").await;
    assert_eq!(browser.text("#connection").await, "connecté");
    assert_eq!(browser.text("#config h2").await, "Configuration du producer");
    assert!(browser.text("#config .acks .honest").await.contains("il ne réplique pas"), "the mock's honesty too");
    // acks=all is the lab's choice: its explanation, in French.
    assert!(browser.text("#config .acks .doc").await.contains("réplique synchronisée"));
    browser.type_into("#linger-ms", "x").await;
    let error = browser.text("#config .field.invalid .error").await;
    assert_eq!(error, "linger.ms doit être un nombre entier, reçu « x »");
    browser.type_into("#linger-ms", "5").await;
    browser.type_into("#count", "5").await;
    browser.click("#send").await;
    browser.wait_for_text("#run-status", |t| t.contains("terminé"), "the run ends, said in French").await;
    assert_eq!(browser.text("#delivered-total").await, "5 livrés");
    assert_eq!(browser.text("#failed-total").await, "0 en échec");
    // Decimals with a comma, as French writes them.
    let figures = browser.text("#run-figures").await;
    assert!(
        figures.contains("p50 ")
            && figures.split("p50 ").nth(1).is_some_and(|t| t.split(" ms").next().is_some_and(|n| n.contains(','))),
        "{figures}"
    );
    // And the singular agrees: one message is "1 livré".
    browser.type_into("#count", "1").await;
    browser.click("#send").await;
    browser.wait_for_text("#delivered-total", |t| t == "1 livré", "one delivered, in the singular").await;
    browser.screenshot("page-french").await;

    // A reload keeps the choice (localStorage) and says it to screen readers (<html lang>).
    browser.refresh().await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connecté", "the page reconnects in French").await;
    assert_eq!(browser.text("#send").await, "Envoyer");
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
    browser.wait_for_text("#run-status", |t| t.contains("finished"), "Enter sends").await;
    assert_eq!(browser.text("#delivered-total").await, "4 delivered");
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
    browser.screenshot("page-1920").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn on_a_1920_screen_the_lab_is_a_column_beside_the_producer_in_both_languages() {
    let server = TestServer::start_with(dist()).await;
    let driver = ChromeDriver::start();
    let browser = Page::from(driver.browser_with(&["--window-size=1920,1080"]).await);
    browser.goto(&server.url("/")).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the page connects").await;
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
    browser.send_run(1).await;
    browser.screenshot("wide-1920-english").await;
    browser.choose_lang("fr").await;
    browser.wait_for_text("#send", |t| t == "Envoyer", "the page switches").await;
    browser.screenshot("wide-1920-french").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium and the built page: cargo xtask test runs it"]
async fn on_a_laptop_the_lab_is_beside_the_producer_and_a_set_up_shows_what_it_changed_in_both_languages() {
    let server = TestServer::start_with(dist()).await;
    for (width, height) in [(1280.0, 800.0), (1366.0, 768.0)] {
        let driver = ChromeDriver::start();
        let browser = Page::from(driver.browser_with(&[&format!("--window-size={width},{height}")]).await);
        browser.goto(&server.url("/")).await.unwrap();
        browser.wait_for_text("#connection", |t| t == "connected", "the page connects").await;
        // From the keyboard: the first Tab stop skips to Send.
        let active = "return document.activeElement && document.activeElement.id";
        browser.find(Locator::Css("body")).await.unwrap().send_keys("\u{e004}").await.unwrap();
        assert_eq!(browser.execute(active, vec![]).await.unwrap(), "skip-to-send", "the first Tab stop");
        assert!(browser.text("#skip-to-send").await.contains("Skip to Send"), "shown once focused");
        browser.active_element().await.unwrap().send_keys("\u{e007}").await.unwrap();
        assert_eq!(browser.execute(active, vec![]).await.unwrap(), "send", "Enter on it: Send has the focus");
        let measure = "const box = s => document.querySelector(s).getBoundingClientRect();
            const lab = document.getElementById('lab');
            return [window.innerHeight, box('#lab').left, box('#config').left, box('#run').left,
                    box('#lab').top, box('#lab').bottom, box('#send').bottom, lab.scrollHeight - lab.clientHeight];";
        for lang in ["en", "fr"] {
            if lang == "fr" {
                browser.choose_lang("fr").await;
                browser.wait_for_text("#send", |t| t == "Envoyer", "the page switches").await;
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
        browser.click("#setup-5-1").await;
        browser.wait_for_text("#set-up-done-5", |t| t.contains("batch.size"), "the set-up says what it set").await;
        let shown = "const f = document.querySelector('.field.changed #batch-size').getBoundingClientRect();
            const lab = document.getElementById('lab').getBoundingClientRect();
            return [f.top, f.bottom, lab.top, window.innerHeight];";
        let m: Vec<f64> = serde_json::from_value(browser.execute(shown, vec![]).await.unwrap()).unwrap();
        assert!(m[0] >= 0.0 && m[1] <= m[3], "batch.size highlighted on screen at {width}: {m:?}");
        assert!(m[2] >= 0.0 && m[2] < m[3], "the lab still on screen: {m:?}");
        browser.screenshot(&format!("laptop-{width}-set-up-fr")).await;
        browser.close().await.unwrap();
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Chromium, the built page and axe-core: cargo xtask test runs it"]
async fn axe_core_finds_nothing_serious_on_the_trainee_and_instructor_pages_in_both_languages() {
    let server = with_instructor(|s| s).await;
    let driver = ChromeDriver::start();
    let browser = Page::from(driver.browser().await);
    let mut found = Vec::new();

    // The trainee's page, named, after a run (its tables and charts drawn), its details open.
    browser.goto(&server.url("/")).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the page connects").await;
    browser.type_into("#trainee-name", "Zoé").await;
    browser.click("#join").await;
    browser.wait_for_text("#joined", |t| t.contains("Zoé"), "joined").await;
    browser.send_run(1).await;
    browser.execute("document.querySelectorAll('details').forEach(d => d.open = true);", vec![]).await.unwrap();
    for lang in ["en", "fr"] {
        if lang == "fr" {
            browser.choose_lang("fr").await;
            browser.wait_for_text("#send", |t| t == "Envoyer", "the page switches").await;
        }
        found.extend(browser.axe_findings().await.into_iter().map(|f| format!("trainee, {lang}: {f}")));
    }

    // The instructor's view, with the class in it.
    browser.goto(&server.url(&format!("/instructor?token={INSTRUCTOR_TOKEN}"))).await.unwrap();
    browser.wait_for_text("#trainees", |t| t.contains("Zoé"), "the class shows Zoé").await;
    for lang in ["en", "fr"] {
        if lang == "fr" {
            browser.choose_lang("fr").await;
        }
        found.extend(browser.axe_findings().await.into_iter().map(|f| format!("instructor, {lang}: {f}")));
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
    let browser = Page::from(driver.phone(390, 844).await);
    browser.goto(&server.url("/")).await.unwrap();
    browser.wait_for_text("#connection", |t| t == "connected", "the page connects").await;
    // The viewport's width, the page's, and where the Messages panel and Send are.
    let measure = "const box = s => document.querySelector(s).getBoundingClientRect();
        return [window.innerWidth, document.documentElement.scrollWidth,
                box('#message').width, box('#send').left, box('#send').right, box('#lab').top, box('#run').top];";
    for lang in ["en", "fr"] {
        if lang == "fr" {
            browser.choose_lang("fr").await;
            browser.wait_for_text("#send", |t| t == "Envoyer", "the page switches").await;
        }
        let m: Vec<f64> = serde_json::from_value(browser.execute(measure, vec![]).await.unwrap()).unwrap();
        let [viewport, page, message, send_left, send_right, lab_top, run_top] = m[..] else { panic!("{m:?}") };
        assert_eq!(viewport, 390.0, "a phone's viewport, emulated");
        assert!(page <= viewport + 0.5, "{lang}: nothing scrolls sideways: page {page} px in {viewport}");
        assert!(message >= viewport - 40.0, "{lang}: the Messages panel is the screen's width: {message} px");
        assert!(send_left >= 0.0 && send_right <= viewport, "{lang}: Send on screen: {send_left}..{send_right}");
        assert!(lab_top > run_top, "{lang}: the lab below the producer, one column");
        browser.click("#send").await;
        let (run, done) = if lang == "en" { ("Run 1", "finished") } else { ("Envoi 2", "terminé") };
        browser.wait_for_text("#run-status", |t| t.starts_with(run) && t.contains(done), "the run finishes").await;
        browser.screenshot(&format!("phone-{lang}")).await;
    }
    browser.close().await.unwrap();
    server.stop().await;
}
