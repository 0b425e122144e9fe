//! A class of simulated trainees over real WebSockets against a running playground:
//! `cargo xtask load` starts the server in its own process and runs this against it.
//!
//! `load --addr 127.0.0.1:3000 --pid 1234 [--trainees 200] [--connected 300] [--rate 20] [--seconds 60]`
//!
//! Each trainee opens a session and sends one sync run of `rate × seconds` messages at
//! `rate` a second, the lab's loop. `--connected` more sessions connect first and send
//! nothing (trainees reading the lab) for as long as the others run. Reported: outcomes (sent = delivered + failed, checked
//! per trainee), the latency the server adds (an event's arrival at the trainee minus the
//! message's CreateTime minus its delivery latency: the server's queueing, batching and
//! WebSocket), the server's peak resident memory and threads. Exits 1 if any outcome is
//! missing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use shared::protocol::{Command, Event, ProduceRequest};
use tokio_tungstenite::tungstenite::Message;

/// The command line.
struct Args {
    addr: SocketAddr,
    pid: u32,
    trainees: u32,
    connected: u32,
    rate: u32,
    seconds: u32,
}

fn args() -> Args {
    let mut args =
        Args { addr: "127.0.0.1:3000".parse().unwrap(), pid: 0, trainees: 200, connected: 0, rate: 20, seconds: 60 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--addr" => args.addr = value.parse().expect("--addr host:port"),
            "--pid" => args.pid = value.parse().expect("--pid N"),
            "--trainees" => args.trainees = value.parse().expect("--trainees N"),
            "--connected" => args.connected = value.parse().expect("--connected N"),
            "--rate" => args.rate = value.parse().expect("--rate N"),
            "--seconds" => args.seconds = value.parse().expect("--seconds N"),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// What one trainee saw.
#[derive(Default)]
struct Seen {
    sent: u64,
    delivered: u64,
    failed: u64,
    outcomes: u64,
    added_us: Vec<u64>,
    error: Option<String>,
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

async fn trainee(addr: SocketAddr, count: u32, rate: u32) -> Seen {
    let mut seen = Seen::default();
    let (mut ws, _) = match tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await {
        Ok(ws) => ws,
        Err(e) => {
            seen.error = Some(format!("connect: {e}"));
            return seen;
        }
    };
    let request = ProduceRequest { count, rate: Some(rate), ..ProduceRequest::lab() };
    let command = serde_json::to_string(&Command::Produce(request)).unwrap();
    if let Err(e) = ws.send(Message::text(command)).await {
        seen.error = Some(format!("send: {e}"));
        return seen;
    }
    let deadline = Instant::now() + Duration::from_secs(u64::from(count / rate.max(1)) + 120);
    while Instant::now() < deadline {
        let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_secs(60), ws.next()).await else {
            seen.error = Some("the server stopped answering".into());
            return seen;
        };
        let Message::Text(text) = frame else { continue };
        let arrived = now_us();
        let events = match serde_json::from_str::<Event>(&text) {
            Ok(Event::Batch { events }) => events,
            Ok(event) => vec![event],
            Err(e) => {
                seen.error = Some(format!("bad event: {e}"));
                return seen;
            }
        };
        for event in events {
            match event {
                Event::Delivered(d) => {
                    seen.outcomes += 1;
                    let created_us = (d.timestamp_ms.max(0) as u64) * 1000;
                    // CreateTime has millisecond precision: up to 1 ms of this is rounding.
                    seen.added_us.push(arrived.saturating_sub(created_us).saturating_sub(d.latency_us));
                }
                Event::Failed(_) => seen.outcomes += 1,
                Event::Error(e) => seen.error = Some(e.message),
                Event::RunFinished(f) => {
                    (seen.sent, seen.delivered, seen.failed) = (f.sent, f.delivered, f.failed);
                    return seen;
                }
                _ => {}
            }
        }
    }
    seen.error = Some("the run did not finish in time".into());
    seen
}

/// A trainee who connects and sends nothing until `done`, reading what the server sends
/// (and so answering its pings); why not, if the session did not open or did not last.
async fn idle(
    addr: SocketAddr,
    greetings: Arc<AtomicU32>,
    mut done: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.map_err(|e| format!("not connected: {e}"))?;
    let mut greeted = false;
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if !greeted && text.contains("\"hello\"") {
                        greeted = true;
                        greetings.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Some(Ok(Message::Close(frame))) => return Err(format!("closed by the server: {frame:?}")),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(format!("the connection failed: {e}")),
                None => return Err("the connection ended".into()),
            },
            _ = done.changed() => {
                let _ = ws.close(None).await;
                return if greeted { Ok(()) } else { Err("no hello".into()) };
            }
        }
    }
}

/// The server's resident memory in kB and its threads, from /proc.
fn server_usage(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("Threads:"))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = args();
    let count = args.rate * args.seconds;
    println!(
        "{} trainees, each a sync run of {count} messages at {} msgs/s ({} s), and {} connected doing nothing, against {}",
        args.trainees, args.rate, args.seconds, args.connected, args.addr
    );
    let (rss_before, threads_before) = server_usage(args.pid);
    // The idle sessions first: the server holds them through the whole run.
    let (done, watching) = tokio::sync::watch::channel(false);
    let greetings = Arc::new(AtomicU32::new(0));
    let idlers: Vec<_> =
        (0..args.connected).map(|_| tokio::spawn(idle(args.addr, Arc::clone(&greetings), watching.clone()))).collect();
    let settle = Instant::now() + Duration::from_secs(30);
    while greetings.load(Ordering::Relaxed) < args.connected && Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (rss_idle, threads_idle) = server_usage(args.pid);
    let peak = Arc::new(std::sync::Mutex::new((rss_before, threads_before)));
    let sampler = {
        let (peak, pid) = (Arc::clone(&peak), args.pid);
        tokio::spawn(async move {
            loop {
                let (rss, threads) = server_usage(pid);
                if let Ok(mut p) = peak.lock() {
                    *p = (p.0.max(rss), p.1.max(threads));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.trainees).map(|_| tokio::spawn(trainee(args.addr, count, args.rate))).collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap_or_else(|e| Seen { error: Some(e.to_string()), ..Seen::default() }));
    }
    sampler.abort();
    let elapsed = started.elapsed();
    let _ = done.send(true);
    let mut idle_open = 0;
    let mut idle_lost = std::collections::BTreeMap::<String, u32>::new();
    for idler in idlers {
        match idler.await.unwrap_or_else(|e| Err(e.to_string())) {
            Ok(()) => idle_open += 1,
            Err(why) => *idle_lost.entry(why).or_default() += 1,
        }
    }
    let (peak_rss, peak_threads) = *peak.lock().unwrap();

    let mut added = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).unwrap();
    let mut missing = 0;
    let (mut sent, mut delivered, mut failed) = (0, 0, 0);
    for (n, s) in seen.iter().enumerate() {
        for us in &s.added_us {
            added.saturating_record((*us).max(1));
        }
        (sent, delivered, failed) = (sent + s.sent, delivered + s.delivered, failed + s.failed);
        let whole = s.error.is_none() && s.sent == u64::from(count) && s.sent == s.delivered + s.failed;
        let counted = s.outcomes == s.sent;
        if !whole || !counted {
            missing += 1;
            eprintln!(
                "trainee {n}: sent {} delivered {} failed {} outcomes seen {} {}",
                s.sent,
                s.delivered,
                s.failed,
                s.outcomes,
                s.error.as_deref().unwrap_or("")
            );
        }
    }
    let trainees = u64::from(args.trainees.max(1));
    println!("elapsed {:.1} s", elapsed.as_secs_f64());
    println!(
        "outcomes: {sent} sent = {delivered} delivered + {failed} failed; {missing} trainee(s) with a missing outcome"
    );
    println!(
        "server-added latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} deliveries)",
        added.value_at_quantile(0.50) as f64 / 1000.0,
        added.value_at_quantile(0.99) as f64 / 1000.0,
        added.max() as f64 / 1000.0,
        added.len()
    );
    let sessions = trainees + u64::from(args.connected);
    println!(
        "server: peak RSS {peak_rss} kB ({} kB per trainee over {rss_before} kB at rest), peak threads {peak_threads} ({threads_before} at rest)",
        peak_rss.saturating_sub(rss_before) / trainees
    );
    for (why, count) in &idle_lost {
        eprintln!("{count} connected doing nothing lost their session: {why}");
    }
    let idle_each = u64::from(args.connected.max(1));
    println!(
        "connected doing nothing: {idle_open} of {} held their session; with them alone the server had {rss_idle} kB and {threads_idle} threads",
        args.connected
    );
    println!(
        "each connected doing nothing: {} kB, {} threads over the server at rest; all {sessions} sessions: {} kB each at the peak",
        rss_idle.saturating_sub(rss_before) / idle_each,
        threads_idle.saturating_sub(threads_before) / idle_each,
        peak_rss.saturating_sub(rss_before) / sessions.max(1),
    );
    if missing == 0 && sent == trainees * u64::from(count) && idle_open == args.connected {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
