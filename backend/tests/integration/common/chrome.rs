//! Chromium through chromedriver, for the browser tests and the page benchmark.
#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};

/// A chromedriver process, killed when dropped.
pub struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    /// Starts chromedriver (`CHROMEDRIVER`, or Debian's) on a free port.
    pub fn start() -> Self {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // In a process group of its own, so that dropping it also ends the Chromiums it
        // started (a test that panicked before closing its browser left them running).
        let child = Command::new(&program)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program} (cargo xtask test installs it): {e}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, url: format!("http://127.0.0.1:{port}") }
    }

    pub async fn browser(&self) -> Client {
        self.browser_with(&[]).await
    }

    /// A Chromium session with `extra` flags besides the usual ones.
    pub async fn browser_with(&self, extra: &[&str]) -> Client {
        self.browser_as(extra, None).await
    }

    /// A Chromium session emulating a phone's screen of `width` x `height` CSS pixels
    /// (three device pixels each, touch): a desktop window cannot be narrower than 500 px.
    pub async fn phone(&self, width: u32, height: u32) -> Client {
        let emulation = serde_json::json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 3.0, "touch": true },
        });
        self.browser_as(&[], Some(emulation)).await
    }

    async fn browser_as(&self, extra: &[&str], mobile_emulation: Option<serde_json::Value>) -> Client {
        let profile = std::env::temp_dir().join(format!("playground-e2e-{}-{}", std::process::id(), self.child.id()));
        // The same flags as `cargo xtask test` gives wasm-bindgen-test-runner.
        let mut args: Vec<String> =
            include_str!("../../../../xtask/chromium-args.txt").lines().map(String::from).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let mut capabilities = serde_json::Map::new();
        let mut options = serde_json::json!({ "args": args });
        if let Some(emulation) = mobile_emulation {
            options["mobileEmulation"] = emulation;
        }
        capabilities.insert("goog:chromeOptions".into(), options);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium process under it.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let profile = std::env::temp_dir().join(format!("playground-e2e-{}-{}", std::process::id(), self.child.id()));
        let _ = std::fs::remove_dir_all(profile);
    }
}
