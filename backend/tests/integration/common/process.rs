//! `playground` in processes of its own, as a user runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};

/// A child process that is killed when the test ends, however it ends.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `playground` with `args`; returns it and the first stdout line that starts with
/// `prefix`, without the prefix.
pub fn start(args: &[&str], prefix: &str) -> (Running, String) {
    let child = Process::new(env!("CARGO_BIN_EXE_playground"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("playground starts");
    // Killed when dropped, also when the assertion below fails.
    let mut running = Running(child);
    let mut out = BufReader::new(running.0.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "playground {args:?} ended before printing {prefix}");
        if let Some(rest) = line.trim().strip_prefix(prefix) {
            let found = rest.trim().to_owned();
            // Keep reading what it prints, so that it never writes to a closed pipe.
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return (running, found);
        }
    }
}

/// A playground server in its own process, stopped with SIGTERM when dropped (so that
/// one on `--local-kafka` stops its brokers in order) and waited for.
pub struct Playground {
    /// The process.
    pub process: Running,
    /// Where it listens.
    pub addr: std::net::SocketAddr,
}

impl Playground {
    /// `playground` with `args`, listening on a free port of 127.0.0.1.
    pub fn start(args: &[&str]) -> Self {
        let mut all = vec!["--listen", "127.0.0.1:0"];
        all.extend(args);
        let (process, url) = start(&all, "Kafka Producer Playground is ready: http://");
        Self { process, addr: url.trim_end_matches('/').parse().unwrap() }
    }
}

impl Drop for Playground {
    fn drop(&mut self) {
        let pid = self.process.0.id().to_string();
        let _ = Process::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while matches!(self.process.0.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// A folder for `--local-kafka` of a test's own, with Kafka's jars linked in from
/// `PLAYGROUND_KAFKA_DIR` (set by `cargo xtask test`); removed when dropped.
pub struct KafkaDir(pub std::path::PathBuf);

impl KafkaDir {
    /// A new folder named after `name`.
    pub fn new(name: &str) -> Self {
        let jars = std::env::var("PLAYGROUND_KAFKA_DIR").expect(
            "PLAYGROUND_KAFKA_DIR (a folder whose libs/ has Kafka's jars): run these through `cargo xtask test`",
        );
        let dir = std::env::temp_dir().join(format!("playground-kafka-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::os::unix::fs::symlink(std::path::Path::new(&jars).join("libs"), dir.join("libs")).unwrap();
        Self(dir)
    }

    /// As an argument.
    pub fn arg(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for KafkaDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
