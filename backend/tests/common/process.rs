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
