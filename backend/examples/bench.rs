//! `cargo xtask bench`: the playground next to raw rdkafka and kcat, on one embedded
//! cluster, in one run; writes `docs/BENCHMARKS.md` (`--quick`: a small run for CI that
//! keeps the harness working, written to `target/bench/`, with no verdict on times).
//!
//! Every figure is the median of its repetitions (3, or 1 in quick mode) with min and max,
//! and is set beside a baseline measured in the same run: shared machines make absolute
//! times noise, ratios less so.
//!
//! 1. Throughput: pipelined 100-byte messages. Raw rdkafka (a `ThreadedProducer` with a
//!    delivery callback that only counts, built from the same librdkafka properties as the
//!    playground's producer), kcat (an outside peer), and the playground end to end: a
//!    WebSocket client's `produce` to the `run_finished` it receives.
//! 2. Latency: sync, one message in flight, linger.ms 0. Raw rdkafka: send to delivery
//!    report. Playground: send to the `delivered` event's arrival at the WebSocket client:
//!    the server's send-to-report (`latency_us`) plus report-to-client (the client's clock
//!    minus `reported_us`: one machine, one clock).
//! 3. Page: headless Chromium on the real page during a pipelined run: animation frames per
//!    second against the idle page's, and the JS heap before and after.
//! 4. Size: the release page's files as the server sends them to a browser that accepts
//!    brotli (what a trainee downloads), against the 350 KB budget, beside gzip -9.
//! 5. Start: `playground` from exec to `/api/health` answering, against `playground
//!    cluster` (the embedded cluster alone) from exec to its address.
//! 6. Many trainees: `load` against a `playground` process: server-added latency and peak
//!    memory per trainee.
//! 7. Apache Kafka, 3 brokers on this machine (`playground --local-kafka`): throughput of
//!    raw rdkafka, kcat and the playground; sync latency with acks=1 and acks=all, acks=1
//!    the baseline of acks=all.

#[path = "../tests/integration/common/chrome.rs"]
mod chrome;

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use playground::cluster::Cluster;
use playground::http::Server;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use shared::protocol::{Command as Cmd, Event, ProduceRequest, RunMode};
use shared::settings::ProducerSettings;
use tokio_tungstenite::tungstenite::Message;

/// The command line, as `cargo xtask bench` gives it.
struct Args {
    quick: bool,
    /// Sections to run (1 to 7), all by default: `--only 2` while working on latency.
    only: Vec<u8>,
    /// Throughput of the playground alone, for a profiler (`--playground-only`).
    playground_only: bool,
    out: PathBuf,
    dist: PathBuf,
    playground: PathBuf,
    load: PathBuf,
}

impl Args {
    fn runs(&self, section: u8) -> bool {
        self.only.is_empty() || self.only.contains(&section)
    }
}

fn args() -> Args {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = Args {
        quick: false,
        only: Vec::new(),
        playground_only: false,
        out: root.join("docs/BENCHMARKS.md"),
        dist: root.join("dist"),
        playground: root.join("target/release/playground"),
        load: root.join("target/release/examples/load"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || PathBuf::from(it.next().unwrap_or_else(|| panic!("{flag} needs a value")));
        match flag.as_str() {
            "--quick" => args.quick = true,
            "--playground-only" => args.playground_only = true,
            "--only" => {
                let list = value();
                args.only = list.to_string_lossy().split(',').filter_map(|n| n.trim().parse().ok()).collect();
            }
            "--out" => args.out = value(),
            "--dist" => args.dist = value(),
            "--playground" => args.playground = value(),
            "--load" => args.load = value(),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// A figure's repetitions.
#[derive(Clone, Default)]
struct Reps(Vec<f64>);

impl Reps {
    fn push(&mut self, v: f64) {
        self.0.push(v);
    }

    fn median(&self) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }

    fn min(&self) -> f64 {
        self.0.iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn max(&self) -> f64 {
        self.0.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }

    /// `median (min to max)` with `digits` decimals.
    fn show(&self, digits: usize) -> String {
        format!("{:.digits$} ({:.digits$} to {:.digits$})", self.median(), self.min(), self.max())
    }
}

/// The report, as Markdown lines.
#[derive(Default)]
struct Report {
    lines: Vec<String>,
    /// (target, met) for the summary.
    verdicts: Vec<(String, bool)>,
}

impl Report {
    fn line(&mut self, line: impl Into<String>) {
        let line = line.into();
        println!("{line}");
        self.lines.push(line);
    }

    fn verdict(&mut self, target: impl Into<String>, met: bool) {
        self.verdicts.push((target.into(), met));
    }
}

// ---------------------------------------------------------------------------------------
// 1. Throughput

struct Counter(Arc<AtomicU64>);
impl rdkafka::ClientContext for Counter {}
impl ProducerContext for Counter {
    type DeliveryOpaque = ();
    fn delivery(&self, _: &DeliveryResult<'_>, _: ()) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// The lab's settings, as the playground's producer gets them.
fn settings() -> ProducerSettings {
    ProducerSettings::default()
}

/// This process's CPU time so far (user and system, every thread), in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name in parentheses: utime and stime are fields 14 and 15.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// A 100-byte value: the playground renders `{i:08}` and 92 x's to the same length.
const PAYLOAD: [u8; 100] = [b'x'; 100];

fn raw_throughput(bootstrap: &str, count: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let producer: ThreadedProducer<Counter> = playground::producer::client_config(&settings(), bootstrap)
        .create_with_context(Counter(Arc::clone(&done)))
        .expect("a raw producer");
    let started = Instant::now();
    for _ in 0..count {
        let mut record = BaseRecord::<(), [u8]>::to(shared::lab::TOPIC).payload(&PAYLOAD[..]);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    // The local queue is full: wait for reports, as the playground does.
                    record = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(120)).expect("flushed");
    while done.load(Ordering::Relaxed) < count {
        std::thread::sleep(Duration::from_millis(1));
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// `playground produce` (the console, the same `Run` as a page's), pipelined, `count`
/// messages of 100 bytes without headers, as kcat sends them: process start included, as
/// kcat's is.
fn console_throughput(playground: &Path, bootstrap: &str, count: u64) -> Option<f64> {
    let value = format!("{{i:08}}{}", "x".repeat(92));
    let started = Instant::now();
    let status = Command::new(playground)
        .args(["produce", "--bootstrap-servers", bootstrap, "--mode", "pipelined", "--no-headers"])
        .args(["--count", &count.to_string(), "--value", &value])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| count as f64 / started.elapsed().as_secs_f64())
}

/// kcat producing `count` lines of 100 bytes (99 and a newline it strips: 99 bytes).
fn kcat_throughput(bootstrap: &str, count: u64, dir: &Path) -> Option<f64> {
    let file = dir.join(format!("kcat-{count}.txt"));
    if !file.exists() {
        let line = format!("{}\n", "x".repeat(99));
        std::fs::write(&file, line.repeat(count as usize)).ok()?;
    }
    let input = std::fs::File::open(&file).ok()?;
    let started = Instant::now();
    let status = Command::new("kcat")
        .args(["-P", "-b", bootstrap, "-t", shared::lab::TOPIC, "-X", "acks=all", "-q"])
        .stdin(input)
        .stdout(Stdio::null())
        .status()
        .ok()?;
    status.success().then(|| count as f64 / started.elapsed().as_secs_f64())
}

async fn connect(
    addr: SocketAddr,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.expect("a WebSocket").0
}

/// Events of one frame, batches unpacked.
fn events_of(text: &str) -> Vec<Event> {
    match serde_json::from_str::<Event>(text) {
        Ok(Event::Batch { events }) => events,
        Ok(event) => vec![event],
        Err(e) => panic!("unreadable event {text}: {e}"),
    }
}

fn bench_request(count: u32, mode: RunMode, settings: ProducerSettings) -> ProduceRequest {
    ProduceRequest {
        count,
        settings,
        key_template: None,
        value_template: format!("{{i:08}}{}", "x".repeat(92)),
        headers: Vec::new(),
        mode,
        ..ProduceRequest::lab()
    }
}

async fn playground_throughput(addr: SocketAddr, count: u32) -> f64 {
    let mut ws = connect(addr).await;
    let request = bench_request(count, RunMode::Pipelined, settings());
    let started = Instant::now();
    ws.send(Message::text(serde_json::to_string(&Cmd::Produce(request)).unwrap())).await.unwrap();
    while let Some(Ok(frame)) = ws.next().await {
        // The client reads every frame but decodes only the one that ends the run: a page
        // runs on another machine, and here the client shares the server's two cores.
        if let Message::Text(text) = frame
            && text.contains("\"run_finished\"")
        {
            for event in events_of(&text) {
                if let Event::RunFinished(f) = event {
                    assert_eq!(f.delivered, u64::from(count), "every message delivered");
                    let rate = f64::from(count) / started.elapsed().as_secs_f64();
                    let _ = ws.close(None).await;
                    return rate;
                }
            }
        }
    }
    panic!("the run did not finish");
}

// ---------------------------------------------------------------------------------------
// 2. Latency

struct Reporter;
impl rdkafka::ClientContext for Reporter {}
impl ProducerContext for Reporter {
    type DeliveryOpaque = Box<std::sync::mpsc::SyncSender<bool>>;
    fn delivery(&self, result: &DeliveryResult<'_>, done: Self::DeliveryOpaque) {
        let _ = done.send(result.is_ok());
    }
}

fn sync_settings() -> ProducerSettings {
    ProducerSettings { linger_ms: 0, ..settings() }
}

/// Raw rdkafka, one message at a time with `settings`: send to delivery report, in
/// microseconds.
fn raw_latency(bootstrap: &str, count: u32, settings: &ProducerSettings) -> Histogram<u64> {
    let producer: ThreadedProducer<Reporter> =
        playground::producer::client_config(settings, bootstrap).create_with_context(Reporter).unwrap();
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    for i in 0..count {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let value = format!("{i:08}{}", "x".repeat(92));
        let started = Instant::now();
        let record = BaseRecord::<(), str, _>::with_opaque_to(shared::lab::TOPIC, Box::new(tx)).payload(value.as_str());
        producer.send(record).map_err(|(e, _)| e).expect("sent");
        assert!(rx.recv().expect("a report"), "delivered");
        histogram.saturating_record(started.elapsed().as_micros() as u64);
    }
    histogram
}

fn now_us() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// The playground's sync run with `settings`, in microseconds: send to the event's arrival
/// at the client, send to report as the server measured it (what the page shows), and
/// report to client.
async fn playground_latency(addr: SocketAddr, count: u32, settings: ProducerSettings) -> [Histogram<u64>; 3] {
    let mut ws = connect(addr).await;
    let request = bench_request(count, RunMode::Sync, settings);
    let new = || Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).unwrap();
    let (mut client, mut server, mut hop) = (new(), new(), new());
    ws.send(Message::text(serde_json::to_string(&Cmd::Produce(request)).unwrap())).await.unwrap();
    while let Some(Ok(frame)) = ws.next().await {
        let Message::Text(text) = frame else { continue };
        let arrived = now_us();
        for event in events_of(&text) {
            match event {
                Event::Delivered(d) => {
                    let to_client = arrived.saturating_sub(d.reported_us);
                    client.saturating_record(d.latency_us + to_client);
                    server.saturating_record(d.latency_us);
                    hop.saturating_record(to_client.max(1));
                }
                Event::RunFinished(f) => {
                    assert_eq!(f.delivered, u64::from(count));
                    let _ = ws.close(None).await;
                    return [client, server, hop];
                }
                _ => {}
            }
        }
    }
    panic!("the run did not finish");
}

// ---------------------------------------------------------------------------------------
// 3. Page

/// The page during a pipelined run: what was measured.
struct PageRun {
    idle_fps: f64,
    busy_fps: f64,
    streaming_fps: f64,
    heap_before_mb: f64,
    heap_after_mb: f64,
    wasm_before_mb: f64,
    wasm_after_mb: f64,
    seconds: f64,
}

/// The page during a pipelined run of `count`.
async fn page_run(addr: SocketAddr, count: u32) -> PageRun {
    let driver = chrome::ChromeDriver::start();
    // --expose-gc: the heap is read after a collection, so it shows what is kept.
    let browser = driver.browser_with(&["--js-flags=--expose-gc", "--enable-precise-memory-info"]).await;
    browser.goto(&format!("http://{addr}/")).await.unwrap();
    let text = |css: &'static str| {
        let browser = browser.clone();
        async move {
            match browser.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            }
        }
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while text("#connection").await != "connected" {
        assert!(Instant::now() < deadline, "the page connects");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.find(Locator::Css("#mode-pipelined")).await.unwrap().click().await.unwrap();
    let field = browser.find(Locator::Css("#count")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(&count.to_string()).await.unwrap();
    let heap = "if (window.gc) { gc(); } return performance.memory ? performance.memory.usedJSHeapSize : 0;";
    // Where the page's Rust state (rows, history) lives: not in the JS heap.
    let wasm = "return window.wasmMemory ? window.wasmMemory.buffer.byteLength : 0;";
    let read = |script: &'static str| {
        let browser = browser.clone();
        async move { browser.execute(script, vec![]).await.unwrap().as_f64().unwrap_or(0.0) / 1e6 }
    };
    browser
        .execute(
            "window.__frames = 0; const tick = () => { window.__frames++; requestAnimationFrame(tick); }; requestAnimationFrame(tick);",
            vec![],
        )
        .await
        .unwrap();
    let frames = || {
        let browser = browser.clone();
        async move { browser.execute("return window.__frames;", vec![]).await.unwrap().as_f64().unwrap_or(0.0) }
    };
    // The idle page: the baseline.
    let (f0, t0) = (frames().await, Instant::now());
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = (frames().await - f0) / t0.elapsed().as_secs_f64();
    // The idle page while another client runs the same run: the machine as busy as it
    // will be, the page drawing nothing of it. Its two cores are the server's, the mock
    // cluster's and Chromium's at once; a trainee's browser has a machine of its own.
    let (f2, t2) = (frames().await, Instant::now());
    playground_throughput(addr, count).await;
    let busy = (frames().await - f2) / t2.elapsed().as_secs_f64();
    let (heap_before_mb, wasm_before_mb) = (read(heap).await, read(wasm).await);
    let (f1, t1) = (frames().await, Instant::now());
    browser.find(Locator::Css("#send")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while !text("#run-status").await.contains("finished") {
        assert!(Instant::now() < deadline, "the run finishes");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let seconds = t1.elapsed().as_secs_f64();
    let streaming = (frames().await - f1) / seconds;
    let (heap_after_mb, wasm_after_mb) = (read(heap).await, read(wasm).await);
    let delivered = text("#delivered-total").await;
    // The page groups digits as the browser's Intl does in English: 20,000.
    let digits = count.to_string();
    let grouped: Vec<String> =
        digits.as_bytes().rchunks(3).rev().map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    assert_eq!(delivered, format!("{} delivered", grouped.join(",")), "the page counted every message");
    let _ = browser.close().await;
    PageRun {
        idle_fps: idle,
        busy_fps: busy,
        streaming_fps: streaming,
        heap_before_mb,
        heap_after_mb,
        wasm_before_mb,
        wasm_after_mb,
        seconds,
    }
}

// ---------------------------------------------------------------------------------------
// 4. Size

/// (file, bytes, gzipped bytes) of the page's wasm, JS, CSS and HTML.
fn page_files(dist: &Path) -> Vec<(String, u64, u64)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dist).expect("dist/ (the page built by cargo xtask build)").flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !["wasm", "js", "css", "html"].iter().any(|ext| name.ends_with(&format!(".{ext}"))) {
            continue;
        }
        let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let gzipped =
            Command::new("gzip").args(["-9", "-c"]).arg(&path).output().map(|o| o.stdout.len() as u64).unwrap_or(0);
        files.push((name, bytes, gzipped));
    }
    files.sort_by_key(|f| std::cmp::Reverse(f.2));
    files
}

/// The bytes the server at `addr` sends for `/name` to a browser that accepts brotli and
/// gzip.
async fn served_bytes(addr: SocketAddr, name: &str) -> u64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /{name} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: br, gzip, deflate\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(response.len(), |p| p + 4);
    (response.len() - head_end) as u64
}

// ---------------------------------------------------------------------------------------
// 5. Start, 6. Many trainees: the playground in its own process

/// Starts `program` with `args` and waits for a stdout line containing `marker`: the
/// child, the line, and the time it took.
fn start_until(program: &Path, args: &[&str], marker: &str) -> (Child, String, Duration) {
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap_or(0) > 0 {
        if line.contains(marker) {
            let found = line.clone();
            // Keep draining, so the child never writes to a closed pipe.
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return (child, found, started.elapsed());
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{} never printed {marker:?}", program.display());
}

fn stop(mut child: Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}

fn health_answers(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else { return false };
    let request = format!("GET /api/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// `playground` from exec to `/api/health` answering 200, in ms.
fn start_time(program: &Path) -> f64 {
    let started = Instant::now();
    let (child, line, _) =
        start_until(program, &["--listen", "127.0.0.1:0", "--static-dir", "/nonexistent"], "ready: http://");
    let addr = line.split("ready: http://").nth(1).unwrap().trim().trim_end_matches('/').to_owned();
    while !health_answers(&addr) {
        std::thread::sleep(Duration::from_millis(2));
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    stop(child);
    ms
}

/// `playground cluster` from exec to printing its address, in ms.
fn cluster_start_time(program: &Path) -> f64 {
    let (child, _, took) = start_until(program, &["cluster"], "bootstrap.servers=");
    stop(child);
    took.as_secs_f64() * 1000.0
}

/// One load run's figures.
struct Load {
    /// Server-added latency, ms.
    p50: f64,
    p99: f64,
    /// Peak resident memory per producing trainee, kB.
    per_trainee: f64,
    /// Resident memory and threads per connected session that sends nothing, over the
    /// server at rest.
    per_idle_kb: f64,
    per_idle_threads: f64,
    /// The server's peak threads.
    threads: f64,
    delivered: u64,
}

/// One load run of `trainees` producing and `connected` sending nothing.
fn load_run(args: &Args, trainees: u32, connected: u32, seconds: u32) -> Load {
    let (server, line, _) = start_until(
        &args.playground,
        &[
            "--listen",
            "127.0.0.1:0",
            "--static-dir",
            "/nonexistent",
            "--max-sessions",
            "1000",
            "--max-sessions-per-address",
            "1000",
            // Every simulated trainee connects from 127.0.0.1, as behind a reverse proxy:
            // the idle ones connecting at once must not meet the cap one address has.
            "--max-connections-per-address",
            "1000",
        ],
        "ready: http://",
    );
    let addr = line.split("ready: http://").nth(1).unwrap().trim().trim_end_matches('/').to_owned();
    let output = Command::new(&args.load)
        .args(["--addr", &addr, "--pid", &server.id().to_string()])
        .args(["--trainees", &trainees.to_string(), "--rate", "20", "--seconds", &seconds.to_string()])
        .args(["--connected", &connected.to_string()])
        .output()
        .expect("the load test runs");
    stop(server);
    let out = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "the load test lost an outcome:\n{out}");
    let number_after = |text: &str, label: &str| -> f64 {
        let rest = text.split(label).nth(1).unwrap_or_else(|| panic!("no {label:?} in:\n{out}"));
        rest.trim_start().split(|c: char| !(c.is_ascii_digit() || c == '.')).next().unwrap().parse().unwrap()
    };
    let latency = out.lines().find(|l| l.starts_with("server-added latency")).unwrap_or_default();
    let memory = out.lines().find(|l| l.starts_with("server: peak RSS")).unwrap_or_default();
    let outcomes = out.lines().find(|l| l.starts_with("outcomes:")).unwrap_or_default();
    let idle = out.lines().find(|l| l.starts_with("each connected doing nothing")).unwrap_or_default();
    Load {
        p50: number_after(latency, "p50"),
        p99: number_after(latency, "p99"),
        per_trainee: number_after(memory, "kB ("),
        per_idle_kb: number_after(idle, "nothing:"),
        per_idle_threads: number_after(idle, "kB,"),
        threads: number_after(memory, "peak threads"),
        delivered: number_after(outcomes, "sent =") as u64,
    }
}

// ---------------------------------------------------------------------------------------

/// What the figures mean and what bounds them, from profiling this code on this kind of
/// machine (two cores): the same for every run, so written once here.
const NOTES: &str = "\
- **One machine, two cores, everything on them.** The producer, librdkafka's threads, the
  mock cluster's brokers, the server and the WebSocket client all share two cores, so the
  rate is a matter of CPU per message, and the table above gives that too. raw rdkafka
  is not the mock's limit: kcat, doing less per message, produces faster to the same mock.
- **Throughput, what bounds it.** The playground spends about a sixth more CPU per
  message than raw rdkafka (whole process, mock included). Each session's producer is
  rdkafka's `BaseProducer`, its events served by a task that librdkafka wakes, and a
  pipelined run serves its own delivery reports between its sends, as kcat does: a
  message is allocated, sent, reported and freed on one thread. The baseline, rdkafka's
  `ThreadedProducer`, frees each message on its poll thread, where glibc's malloc locks
  the sending thread's arena (a quarter of the console's CPU went there), and every
  counter a report touches moved between two cores. That, and a topic handle taken once
  per run (rdkafka's `send` looks the topic up by name, with a C string, for every
  message: 9 % of a million-message `playground produce`, 827 against 757 ms, measured
  again when the handle was questioned), and one clock reading per librdkafka event for the reports' latency
  (instead of `rd_kafka_message_latency` for each), took playground/raw from 0.61 to
  about 0.95. What is left is what a trainee sees and raw rdkafka does not do: each
  message rendered from its templates, its latency and partition recorded, its details
  offered to the page (the first 10,000, then 1 in 100), a place under the in-flight
  limits, a circuit breaker check, a boxed record of what to report. Before the run served its own reports, mimalloc and jemalloc
  in place of every malloc (librdkafka's too) gave 0.76 and 0.75, for 6.4 and 1.8 MB per
  producing trainee against 1.4: serving on the sending thread did more with glibc's.
  Repetitions alternate who goes first, since the mock keeps every message in memory.
- **The console** (`playground produce`) asks the cluster for its topic with its own
  producer, whose first messages then find their leaders known (they waited up to a
  second for librdkafka's next look at unknown topics: a million messages took 0.9 s or
  1.9 s), and has no admin client (about 90 ms to connect and, at exit, to join its
  thread). It offers no message's details: it prints the lab's log and the totals.
- **Latency is measured with one clock**: the server stamps each delivery report
  (`reported_us`) and the client, on the same machine, subtracts it from its own clock.
  Before TCP_NODELAY, Nagle's algorithm held small frames back: 35 ms added at p99.
- **The page** applies events once a frame (16 ms), whatever the server's rate (before:
  36 fps). The idle page keeps 60 fps on the busy machine, so what is lost while
  streaming is the page's own work. The page is built with Leptos's `erase_components`,
  which cut 40 KB gzipped and costs some frames: without it, 57.7 fps but 375 KB of wasm
  gzipped. The JS heap is read after a forced GC; the page's rows live in wasm memory,
  which only grows, so its size after the run is its peak.
- **Size** is what a browser downloads: the hashed wasm, JS and CSS files and
  index.html, each as the server sends it to a browser that accepts brotli (the build
  writes each file's brotli and gzip beside it), with gzip -9 beside for the figures of
  earlier runs. Events are decoded by their type first, without serde's generic
  buffering of internally tagged enums (20 KB gzipped).
- **Start** is the process's own start with the embedded cluster (whose address comes
  within milliseconds of exec).
- **Many trainees**: server-added latency is an event's arrival at the simulated trainee
  minus the message's CreateTime (milliseconds) minus its delivery latency, so its
  resolution is a millisecond. A session holds a librdkafka producer only from its first
  run until it has been idle for `--producer-idle-secs` (120 s): a producer is about 5
  threads (its main thread, one per broker and the bootstrap) and 1.4 MB, and those are
  what 200 trainees producing at once cost 2 cores. Its delivery reports are served on
  the server's runtime, woken by librdkafka, not by a poll thread of its own: those were
  200 of 1,243 threads, and a thread hop for every report (server-added p99 5.74 ms
  before, about 2.5 after). A connected trainee
  who sends nothing is its WebSocket and session (16 KiB buffers, not tungstenite's
  128 KiB).
- **Apache Kafka**: four JVMs (a controller, three brokers replicating every message
  three times) share the two cores with the producer, so the rates are the machine's, not
  Kafka's. raw rdkafka and kcat reach the brokers directly; the playground's producers go
  through its proxies (one in front of each broker, which can lose a produce request or
  its response for the idempotence lesson), whose copy is in its figures. acks=all waits
  for both followers to fetch the message, acks=1 for the leader alone: that difference
  is what the acks rows measure, each level right after the other.";

// ---------------------------------------------------------------------------------------
// 7. Apache Kafka

/// `playground --local-kafka` in `dir` (its jars in `libs`): the process, its address, its
/// cluster's bootstrap servers and how long it took to be ready (Kafka's start and
/// warm-up included).
async fn start_on_apache_kafka(program: &Path, dir: &Path, libs: &Path) -> (Child, SocketAddr, String, Duration) {
    std::fs::create_dir_all(dir).unwrap();
    let link = dir.join("libs");
    if !link.exists() {
        std::os::unix::fs::symlink(libs, &link).unwrap();
    }
    let dir_arg = dir.display().to_string();
    let program = program.to_owned();
    let (child, line, took) = tokio::task::spawn_blocking(move || {
        start_until(
            &program,
            &[
                "--local-kafka",
                &dir_arg,
                "--kafka-port",
                "0",
                "--listen",
                "127.0.0.1:0",
                "--static-dir",
                "/nonexistent",
            ],
            "ready: http://",
        )
    })
    .await
    .unwrap();
    let addr: SocketAddr = line.split("ready: http://").nth(1).unwrap().trim().trim_end_matches('/').parse().unwrap();
    let mut ws = connect(addr).await;
    let bootstrap = loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => {
                if let Some(Event::Hello(hello)) = events_of(&text).into_iter().next() {
                    break hello.bootstrap_servers;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("no hello from the playground on Apache Kafka: {other:?}"),
        }
    };
    let _ = ws.close(None).await;
    (child, addr, bootstrap, took)
}

/// Apache Kafka's version, from its jar's name in `libs`.
fn kafka_version(libs: &Path) -> String {
    std::fs::read_dir(libs)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .find_map(|name| name.strip_prefix("kafka_2.13-").and_then(|v| v.strip_suffix(".jar")).map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// The sync settings with `acks`: what the acks rows measure.
fn acks_settings(acks: shared::settings::Acks) -> ProducerSettings {
    ProducerSettings { acks, ..sync_settings() }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<u64>().unwrap_or(0)))
        .unwrap_or(0);
    format!("{cpu}, {cores} cores, {:.1} GB of memory", memory as f64 / 1e6)
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let args = args();
    let started = Instant::now();
    let reps = if args.quick { 1 } else { 3 };
    let throughput_count: u32 = if args.quick { 20_000 } else { 1_000_000 };
    let latency_count: u32 = if args.quick { 500 } else { 10_000 };
    let page_count: u32 = if args.quick { 20_000 } else { 1_000_000 };
    let (trainees, connected, load_seconds) = if args.quick { (20, 30, 5) } else { (200, 300, 20) };
    let scratch = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&scratch).unwrap();

    let cluster = Cluster::embedded().expect("the embedded cluster");
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(Server::new(cluster, args.dist.clone()).serve(
        listener,
        std::future::pending(),
        Duration::from_secs(1),
    ));

    let mut report = Report::default();
    report.line("# Benchmarks");
    report.line("");
    report.line(format!(
        "`cargo xtask bench{}` on {}, {}. Every figure is the median of {reps} repetition(s), with min to max in brackets, beside a baseline measured in the same run.",
        if args.quick { " --quick" } else { "" },
        date(),
        machine()
    ));
    if args.quick {
        report.line("");
        report.line("Quick mode: small counts, one repetition, no verdict on the targets.");
    }

    // 1. Throughput
    if args.runs(1) {
        let (mut raw, mut kcat, mut ours) = (Reps::default(), Reps::default(), Reps::default());
        // Each repetition's own ratio: the machine's speed drifts between repetitions
        // (raw rdkafka alone varied from 1.3 to 1.8 million msgs/s here), less within one.
        let mut ratios = Reps::default();
        // CPU per message, in microseconds, for the process (the producer, the mock
        // cluster, and for the playground the server and the client): steadier than
        // the rate on a shared machine, and what bounds the rate on two cores.
        let (mut raw_cpu, mut our_cpu) = (Reps::default(), Reps::default());
        let mut console = Reps::default();
        let per_message = |seconds: f64| seconds * 1e6 / f64::from(throughput_count);
        // A run is about a second: five of them cost little.
        for rep in 0..reps.max(if args.quick { 1 } else { 5 }) {
            let n = u64::from(throughput_count);
            // The mock keeps every message in memory, so whoever goes later writes to a
            // fuller cluster: the order alternates, the playground first every other time.
            let playground_first = rep % 2 == 1;
            let mut rate = None;
            if playground_first {
                let cpu = cpu_seconds();
                rate = Some(playground_throughput(addr, throughput_count).await);
                our_cpu.push(per_message(cpu_seconds() - cpu));
            }
            if !args.playground_only {
                let b = bootstrap.clone();
                let cpu = cpu_seconds();
                raw.push(tokio::task::spawn_blocking(move || raw_throughput(&b, n)).await.unwrap());
                raw_cpu.push(per_message(cpu_seconds() - cpu));
                let (b, dir) = (bootstrap.clone(), scratch.clone());
                if let Some(rate) = tokio::task::spawn_blocking(move || kcat_throughput(&b, n, &dir)).await.unwrap() {
                    kcat.push(rate);
                }
                let (b, playground) = (bootstrap.clone(), args.playground.clone());
                if let Some(rate) =
                    tokio::task::spawn_blocking(move || console_throughput(&playground, &b, n)).await.unwrap()
                {
                    console.push(rate);
                }
            }
            if rate.is_none() {
                let cpu = cpu_seconds();
                rate = Some(playground_throughput(addr, throughput_count).await);
                our_cpu.push(per_message(cpu_seconds() - cpu));
            }
            let rate = rate.unwrap_or_default();
            ours.push(rate);
            if let Some(raw) = raw.0.last() {
                ratios.push(rate / raw);
            }
        }
        let ratio = ratios.median();
        report.line("");
        report.line(format!("## 1. Throughput: {throughput_count} messages of 100 bytes, pipelined, lab settings"));
        report.line("");
        report.line("| producer | msgs/s | against raw rdkafka |");
        report.line("| --- | --- | --- |");
        report.line(format!("| raw rdkafka (`ThreadedProducer`, same properties) | {} | 1.00 |", raw.show(0)));
        if kcat.0.is_empty() {
            report.line("| kcat | not installed | |");
        } else {
            report.line(format!(
                "| kcat 1.7 (`-P -X acks=all`, 99-byte lines) | {} | {:.2} |",
                kcat.show(0),
                kcat.median() / raw.median()
            ));
        }
        report.line(format!(
            "| playground, WebSocket command to `run_finished` | {} | **{ratio:.2}** ({:.2} to {:.2}: each repetition's own ratio) |",
            ours.show(0),
            ratios.min(),
            ratios.max()
        ));
        if !console.0.is_empty() {
            report.line(format!(
                "| `playground produce --mode pipelined --no-headers`, process start to exit | {} | {:.2} (**{:.2} of kcat**) |",
                console.show(0),
                console.median() / raw.median(),
                console.median() / kcat.median().max(1.0)
            ));
        }
        if !raw_cpu.0.is_empty() {
            report.line("");
            report.line("| CPU time per message, whole process | µs | against raw rdkafka |");
            report.line("| --- | --- | --- |");
            report.line(format!("| raw rdkafka (and the mock cluster) | {} | 1.00 |", raw_cpu.show(2)));
            report.line(format!(
                "| playground (and the mock cluster, the server's WebSocket, the client) | {} | {:.2} |",
                our_cpu.show(2),
                our_cpu.median() / raw_cpu.median()
            ));
        }
        report.verdict(format!("throughput playground / raw >= 0.9: {ratio:.2}"), ratio >= 0.9);
        if !console.0.is_empty() && !kcat.0.is_empty() {
            let of_kcat = console.median() / kcat.median();
            report.verdict(format!("`playground produce` pipelined / kcat >= 0.8: {of_kcat:.2}"), of_kcat >= 0.8);
        }
    }
    // 2. Latency
    if args.runs(2) {
        let (mut raw_p50, mut raw_p99) = (Reps::default(), Reps::default());
        let (mut srv_p50, mut srv_p99, mut hop_p50, mut hop_p99) =
            (Reps::default(), Reps::default(), Reps::default(), Reps::default());
        let (mut our_p50, mut our_p99) = (Reps::default(), Reps::default());
        let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        for _ in 0..reps {
            let b = bootstrap.clone();
            let raw =
                tokio::task::spawn_blocking(move || raw_latency(&b, latency_count, &sync_settings())).await.unwrap();
            raw_p50.push(ms(&raw, 0.5));
            raw_p99.push(ms(&raw, 0.99));
            let [client, server, hop] = playground_latency(addr, latency_count, sync_settings()).await;
            our_p50.push(ms(&client, 0.5));
            our_p99.push(ms(&client, 0.99));
            srv_p50.push(ms(&server, 0.5));
            srv_p99.push(ms(&server, 0.99));
            hop_p50.push(ms(&hop, 0.5));
            hop_p99.push(ms(&hop, 0.99));
        }
        let added50 = our_p50.median() - raw_p50.median();
        let added99 = our_p99.median() - raw_p99.median();
        report.line("");
        report.line(format!("## 2. Latency: {latency_count} messages, sync (one in flight), linger.ms 0"));
        report.line("");
        report.line("| | p50 ms | p99 ms |");
        report.line("| --- | --- | --- |");
        let row = |what: &str, p50: &Reps, p99: &Reps| format!("| {what} | {} | {} |", p50.show(3), p99.show(3));
        report.line(row("raw rdkafka, send to delivery report", &raw_p50, &raw_p99));
        report.line(row(
            "playground, send to report, as the server measured it (what the page shows)",
            &srv_p50,
            &srv_p99,
        ));
        report.line(row("playground, report to the WebSocket client", &hop_p50, &hop_p99));
        report.line(row("playground, send to the `delivered` event at the WebSocket client", &our_p50, &our_p99));
        report.line(format!(
            "| **added by the playground** (client figure minus raw, medians) | **{added50:+.3}** | **{added99:+.3}** |"
        ));
        report.verdict(format!("latency added at p50 <= 0.2 ms: {added50:+.3} ms"), added50 <= 0.2);
        report.verdict(format!("latency added at p99 <= 1 ms: {added99:+.3} ms"), added99 <= 1.0);
    }
    // 3. Page
    if args.runs(3) {
        report.line("");
        report.line(format!("## 3. Page: headless Chromium, a {page_count}-message pipelined run"));
        report.line("");
        if args.dist.join("index.html").is_file() {
            let mut runs = Vec::new();
            for _ in 0..reps {
                runs.push(page_run(addr, page_count).await);
            }
            let reps_of = |f: fn(&PageRun) -> f64| Reps(runs.iter().map(f).collect());
            let (idle, busy, streaming) =
                (reps_of(|r| r.idle_fps), reps_of(|r| r.busy_fps), reps_of(|r| r.streaming_fps));
            report.line("| | figure |");
            report.line("| --- | --- |");
            report.line(format!("| frames per second, idle page (baseline) | {} |", idle.show(1)));
            report.line(format!(
                "| frames per second, idle page while another client makes the same run (the machine as busy) | {} |",
                busy.show(1)
            ));
            report.line(format!("| frames per second while the run streams in | **{}** |", streaming.show(1)));
            report.line(format!("| run length, s | {} |", reps_of(|r| r.seconds).show(1)));
            report.line(format!(
                "| JS heap before the run, MB (after a GC) | {} |",
                reps_of(|r| r.heap_before_mb).show(1)
            ));
            report
                .line(format!("| JS heap after the run, MB (after a GC) | {} |", reps_of(|r| r.heap_after_mb).show(1)));
            report.line(format!("| wasm memory before the run, MB | {} |", reps_of(|r| r.wasm_before_mb).show(1)));
            report.line(format!(
                "| wasm memory after the run, MB (it only grows: the peak) | {} |",
                reps_of(|r| r.wasm_after_mb).show(1)
            ));
            let (fps, worst) = (streaming.median(), streaming.min());
            report.verdict(
                format!(
                    "page >= 55 fps median and >= 50 at worst while streaming: {fps:.1}, worst {worst:.1} (idle {:.1}, idle on the busy machine {:.1})",
                    idle.median(),
                    busy.median()
                ),
                fps >= 55.0 && worst >= 50.0,
            );
        } else {
            report.line("The page is not built (dist/): skipped.");
        }
    }
    // 4. Size
    if args.runs(4) {
        let files = page_files(&args.dist);
        let gzipped: u64 = files.iter().map(|f| f.2).sum();
        let mut served = Vec::new();
        for (name, _, _) in &files {
            served.push(served_bytes(addr, name).await);
        }
        let total: u64 = served.iter().sum();
        report.line("");
        report.line("## 4. Size: the release page, as a browser downloads it");
        report.line("");
        report.line("| file | bytes | gzip -9 | sent (brotli) |");
        report.line("| --- | --- | --- | --- |");
        for ((name, bytes, gz), sent) in files.iter().zip(&served) {
            // Hashed names change each build: the kind is what matters.
            let kind = name.rsplit('.').next().unwrap_or("");
            report.line(format!(
                "| {} | {bytes} | {gz} | {sent} |",
                if kind == "html" { name.clone() } else { format!("*.{kind}") }
            ));
        }
        report.line(format!(
            "| **total** | | {gzipped} ({:.1} KB) | **{total}** ({:.1} KB, budget 350 KB: {:.2} of it) |",
            gzipped as f64 / 1024.0,
            total as f64 / 1024.0,
            total as f64 / (350.0 * 1024.0)
        ));
        report.verdict(format!("page <= 350 KB as downloaded: {:.1} KB", total as f64 / 1024.0), total <= 350 * 1024);
        // The instructor's view, a download of its own that no trainee makes.
        let instructor = page_files(&args.dist.join("instructor"));
        let mut sent = 0;
        for (name, _, _) in &instructor {
            sent += served_bytes(addr, &format!("instructor/{name}")).await;
        }
        report.line("");
        report.line(format!(
            "The instructor's view (`/instructor`) is a WebAssembly of its own, none of it in the trainee's page above: {sent} bytes ({:.1} KB) sent.",
            sent as f64 / 1024.0
        ));
    }
    // 5. Start
    if args.runs(5) {
        let (mut start, mut cluster_start) = (Reps::default(), Reps::default());
        for _ in 0..reps {
            start.push(start_time(&args.playground));
            cluster_start.push(cluster_start_time(&args.playground));
        }
        report.line("");
        report.line("## 5. Start, with the embedded cluster");
        report.line("");
        report.line("| | ms |");
        report.line("| --- | --- |");
        report.line(format!(
            "| `playground cluster`, exec to its address (the mock cluster alone: baseline) | {} |",
            cluster_start.show(0)
        ));
        report.line(format!("| `playground`, exec to `/api/health` answering 200 | **{}** |", start.show(0)));
        report.verdict(format!("start <= 1 s: {:.0} ms", start.median()), start.median() <= 1000.0);
    }
    // 6. Many trainees
    if args.runs(6) {
        let mut figures: [Reps; 7] = Default::default();
        let mut delivered = 0;
        for _ in 0..reps {
            let load = load_run(&args, trainees, connected, load_seconds);
            let each =
                [load.p50, load.p99, load.per_trainee, load.per_idle_kb, load.per_idle_threads, load.threads, 0.0];
            for (reps, figure) in figures.iter_mut().zip(each) {
                reps.push(figure);
            }
            delivered += load.delivered;
        }
        let [p50, p99, per_trainee, per_idle_kb, per_idle_threads, threads, _] = &figures;
        report.line("");
        report.line(format!(
            "## 6. Many trainees: {trainees} at 20 msgs/s sync for {load_seconds} s, and {connected} more connected doing nothing (`cargo xtask load`)"
        ));
        report.line("");
        report.line("| | figure |");
        report.line("| --- | --- |");
        report.line(format!("| server-added latency p50, ms | {} |", p50.show(2)));
        report.line(format!("| server-added latency p99, ms | **{}** |", p99.show(2)));
        report.line(format!("| peak resident memory per producing trainee, kB | **{}** |", per_trainee.show(0)));
        report.line(format!("| resident memory per connected trainee doing nothing, kB | {} |", per_idle_kb.show(0)));
        report.line(format!("| threads per connected trainee doing nothing | {} |", per_idle_threads.show(0)));
        report.line(format!("| the server's peak threads | {} |", threads.show(0)));
        report.line(format!("| messages sent in all, each with one outcome | {delivered} |"));
        report.verdict(
            format!(
                "server-added p99 <= 5 ms at {trainees} x 20 msgs/s with {connected} more connected: {:.2} ms",
                p99.median()
            ),
            p99.median() <= 5.0,
        );
        report.verdict(
            format!(
                "a connected trainee doing nothing holds no producer: {:.0} threads each",
                per_idle_threads.median()
            ),
            per_idle_threads.median() < 1.0,
        );
    }
    // 7. Apache Kafka
    if args.runs(7) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let libs = root.join("target/kafka/libs");
        report.line("");
        if libs.is_dir() {
            let count: u32 = if args.quick { 5_000 } else { 200_000 };
            let sync_count: u32 = if args.quick { 200 } else { 2_000 };
            let (child, addr, bootstrap, took) =
                start_on_apache_kafka(&args.playground, &scratch.join("kafka"), &libs).await;
            report.line(format!(
                "## 7. Apache Kafka {} on this machine: a KRaft controller and 3 brokers, `orders.created` with replication factor 3, min.insync.replicas 2",
                kafka_version(&libs)
            ));
            report.line("");
            report.line(format!(
                "`playground --local-kafka`, exec to ready (Kafka's start, the topic and a 5 s warm-up): {:.1} s.",
                took.as_secs_f64()
            ));
            report.line("");
            let (mut raw, mut kcat, mut ours, mut ratios) =
                (Reps::default(), Reps::default(), Reps::default(), Reps::default());
            for _ in 0..reps {
                let (b, n) = (bootstrap.clone(), u64::from(count));
                raw.push(tokio::task::spawn_blocking(move || raw_throughput(&b, n)).await.unwrap());
                let (b, dir) = (bootstrap.clone(), scratch.clone());
                if let Some(rate) = tokio::task::spawn_blocking(move || kcat_throughput(&b, n, &dir)).await.unwrap() {
                    kcat.push(rate);
                }
                let rate = playground_throughput(addr, count).await;
                ours.push(rate);
                ratios.push(rate / raw.0.last().copied().unwrap_or(f64::NAN));
            }
            report.line(format!("Throughput: {count} messages of 100 bytes, pipelined, lab settings (acks=all)."));
            report.line("");
            report.line("| producer | msgs/s | against raw rdkafka |");
            report.line("| --- | --- | --- |");
            report.line(format!("| raw rdkafka (`ThreadedProducer`, same properties) | {} | 1.00 |", raw.show(0)));
            if !kcat.0.is_empty() {
                report.line(format!(
                    "| kcat (`-P -X acks=all`, 99-byte lines) | {} | {:.2} |",
                    kcat.show(0),
                    kcat.median() / raw.median()
                ));
            }
            report.line(format!(
                "| playground, WebSocket command to `run_finished` | {} | **{:.2}** ({:.2} to {:.2}: each repetition's own ratio) |",
                ours.show(0),
                ratios.median(),
                ratios.min(),
                ratios.max()
            ));
            report.line("");
            report.line(format!(
                "Latency: {sync_count} messages, sync (one in flight), linger.ms 0, each acks level in turn; acks=1 is the baseline of acks=all."
            ));
            report.line("");
            report.line("| | p50 ms | p99 ms | p50 against acks=1 | p99 against acks=1 |");
            report.line("| --- | --- | --- | --- | --- |");
            let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
            use shared::settings::Acks;
            let (mut raw_one, mut raw_all, mut our_one, mut our_all): ([Reps; 2], [Reps; 2], [Reps; 2], [Reps; 2]) =
                Default::default();
            for _ in 0..reps {
                // Each level right after the other, so that both see the same machine.
                for (acks, raw_figures, our_figures) in
                    [(Acks::One, &mut raw_one, &mut our_one), (Acks::All, &mut raw_all, &mut our_all)]
                {
                    let b = bootstrap.clone();
                    let raw = tokio::task::spawn_blocking(move || raw_latency(&b, sync_count, &acks_settings(acks)))
                        .await
                        .unwrap();
                    raw_figures[0].push(ms(&raw, 0.5));
                    raw_figures[1].push(ms(&raw, 0.99));
                    let [client, _, _] = playground_latency(addr, sync_count, acks_settings(acks)).await;
                    our_figures[0].push(ms(&client, 0.5));
                    our_figures[1].push(ms(&client, 0.99));
                }
            }
            // Each row beside its own producer's acks=1.
            let rows = [
                ("raw rdkafka, acks=1, send to delivery report", &raw_one, &raw_one),
                ("raw rdkafka, acks=all", &raw_all, &raw_one),
                ("playground, acks=1, send to the `delivered` event at the WebSocket client", &our_one, &our_one),
                ("playground, acks=all", &our_all, &our_one),
            ];
            for (what, [p50, p99], [base50, base99]) in rows {
                report.line(format!(
                    "| {what} | {} | {} | {:.2} | {:.2} |",
                    p50.show(3),
                    p99.show(3),
                    p50.median() / base50.median(),
                    p99.median() / base99.median()
                ));
            }
            let _ = tokio::task::spawn_blocking(move || stop(child)).await;
        } else {
            report.line("## 7. Apache Kafka");
            report.line("");
            report.line(
                "Apache Kafka's jars are not fetched (target/kafka/libs): skipped. `cargo xtask bench` fetches them.",
            );
        }
    }
    report.line("");
    report.line("## Targets");
    report.line("");
    let verdicts = std::mem::take(&mut report.verdicts);
    for (target, met) in &verdicts {
        let mark = if args.quick {
            "(quick: not judged)"
        } else if *met {
            "met"
        } else {
            "**missed**"
        };
        report.line(format!("- {target}: {mark}"));
    }
    report.line("");
    report.line(format!("The whole run took {:.0} s.", started.elapsed().as_secs_f64()));
    report.line("");
    report.line("## How to read these");
    report.line("");
    for line in NOTES.lines() {
        report.line(line);
    }
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&args.out, report.lines.join("\n") + "\n").expect("the report is written");
    println!("Wrote {}", args.out.display());
}
