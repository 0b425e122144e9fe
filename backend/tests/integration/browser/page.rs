//! The playground's page in Chromium, as the tests work it: what it shows, what a
//! trainee does on it, and waits for what it will show. Each is named once here, so a
//! test reads as the trainee's steps and a changed id is changed in one place.

use std::ops::Deref;
use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

/// A browser tab on the page. WebDriver's own calls (`goto`, `execute`, `find`) go
/// through to its client.
#[derive(Clone)]
pub struct Page(Client);

impl From<Client> for Page {
    fn from(client: Client) -> Self {
        Page(client)
    }
}

impl Deref for Page {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.0
    }
}

impl Page {
    /// Closes the window and ends its WebDriver session.
    pub async fn close(self) -> Result<(), fantoccini::error::CmdError> {
        self.0.close().await
    }

    /// Saves a screenshot of the window to `target/e2e/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.0.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Scrolls `css` into view and saves a screenshot of it.
    pub async fn screenshot_of(&self, css: &str, name: &str) {
        let script = format!("document.querySelector({css:?}).scrollIntoView()");
        self.execute(&script, vec![]).await.unwrap();
        self.screenshot(name).await;
    }

    /// The visible text of the first element `css` matches, or "" when there is none.
    pub async fn text(&self, css: &str) -> String {
        // Found, then read: a redraw between the two calls leaves the element stale, and
        // finding it again reads the one drawn in its place.
        for _ in 0..3 {
            let Ok(element) = self.find(Locator::Css(css)).await else { return String::new() };
            if let Ok(text) = element.text().await {
                return text;
            }
        }
        String::new()
    }

    /// The text of the first element `css` matches, as the DOM holds it (an SVG's labels
    /// included, which WebDriver's visible text may leave out).
    pub async fn text_content(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';";
        self.execute(script, vec![css.into()]).await.unwrap().as_str().unwrap_or_default().to_owned()
    }

    /// Waits up to 30 s until `css` holds `want`; fails with what it held instead, and a
    /// screenshot (`timeout.png`).
    pub async fn wait_for_text(&self, css: &str, want: impl Fn(&str) -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = self.text(css).await;
            if want(&now) {
                return;
            }
            if Instant::now() > deadline {
                self.screenshot("timeout").await;
                panic!("{what}: {css} holds {now:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Checks that `css` holds `want` all through `period`: for what the page must not do
    /// (retry on its own, change its mind), where waiting for a change would prove nothing.
    pub async fn keeps_text(&self, css: &str, want: &str, period: Duration, what: &str) {
        let until = Instant::now() + period;
        while Instant::now() < until {
            assert_eq!(self.text(css).await, want, "{what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits up to 10 s until `css` matches `count` elements or more.
    pub async fn wait_for_count(&self, css: &str, count: usize, what: &str) {
        crate::common::eventually(what, Duration::from_secs(10), async || {
            (self.find_all(Locator::Css(css)).await.unwrap().len() >= count).then_some(())
        })
        .await;
    }

    /// Types `text` into the field `css`, in place of what it held.
    pub async fn type_into(&self, css: &str, text: &str) {
        // Waited for: a field the last click added (`#add-header`) may not be drawn yet.
        let field = self.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks `css`.
    pub async fn click(&self, css: &str) {
        self.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
    }

    /// Switches the page's language to `lang` (`en`, `fr`) and waits until it has.
    pub async fn choose_lang(&self, lang: &str) {
        self.find(Locator::Css("#lang")).await.unwrap().select_by_value(lang).await.unwrap();
        crate::common::eventually(&format!("the page in {lang}"), Duration::from_secs(10), async || {
            let now = self.execute("return document.documentElement.lang", vec![]).await.unwrap();
            (now.as_str() == Some(lang)).then_some(())
        })
        .await;
    }

    /// The visible texts of every element `css` matches, read in one script: a list the
    /// page redraws (the in-sync replicas, the outcomes) can replace an element between
    /// one WebDriver call and the next.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let script = "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim());";
        serde_json::from_value(self.execute(script, vec![css.into()]).await.unwrap()).unwrap()
    }

    /// The deliveries table's rows as (seq, partition, offset) texts, read in one script:
    /// the table draws only the rows in view and redraws them as it scrolls, so rows
    /// found one WebDriver call at a time can be gone before their cells are read.
    pub async fn table(&self) -> Vec<(String, String, String)> {
        let script = "return [...document.querySelectorAll('#deliveries tbody tr.row')].map(row =>
            ['td.seq', 'td.partition', 'td.offset'].map(css => row.querySelector(css).innerText.trim()));";
        serde_json::from_value(self.execute(script, vec![]).await.unwrap()).unwrap()
    }

    /// Presses Send and waits until run `n` has finished.
    pub async fn send_run(&self, n: u32) {
        self.click("#send").await;
        let want = format!("Run {n} finished");
        self.wait_for_text("#run-status", |t| t.starts_with(&want), "the run finishes").await;
    }

    /// Presses an exercise's Check and waits for its verdict.
    pub async fn check_exercise(&self, n: u8) -> String {
        self.click(&format!("#check-{n}")).await;
        let css = format!("#verdict-{n}");
        self.wait_for_text(&css, |t| t.contains("Passed") || t.contains("Not yet"), "the check answers").await;
        self.text(&css).await
    }

    /// axe-core's violations of impact serious or critical on the page: each rule, its
    /// impact and the first elements it names.
    pub async fn axe_findings(&self) -> Vec<String> {
        let axe = std::env::var("PLAYGROUND_AXE").expect("PLAYGROUND_AXE: axe.min.js, from `cargo xtask test`");
        let source = std::fs::read_to_string(&axe).unwrap_or_else(|e| panic!("{axe}: {e}"));
        self.execute(&source, vec![]).await.unwrap();
        let run = "const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] })
            .then(r => done(r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', ')}`)))
            .catch(e => done([`axe failed: ${e}`]));";
        serde_json::from_value(self.execute_async(run, vec![]).await.unwrap()).unwrap()
    }
}
