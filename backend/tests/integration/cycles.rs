//! Sessions that come and go (saying goodbye, or dropping and never coming back) leave
//! nothing behind: counted in this process's threads and memory, in a process of its own
//! so that no other test's threads blur the count.

use crate::common;
use rusty_fork::rusty_fork_test;

use std::time::Duration;

use crate::common::TestServer;
use shared::protocol::{Command, Event, ProduceRequest};

/// This process's threads and resident memory (Linux).
fn threads_and_rss_kb() -> (usize, u64) {
    let threads = std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    (threads, rss)
}

// It measures this process: alone in a process of its own.
rusty_fork_test! {
    #[test]
    fn a_hundred_sessions_that_come_and_go_leave_no_producer_thread_or_memory_behind() {
        common::block_on(come_and_go());
    }
}

async fn come_and_go() {
    // A session whose page drops without a goodbye waits this long for it to come back.
    let server = TestServer::start_configured(|s| s.with_resume_window(Duration::from_secs(1))).await;
    let cycle = |n: u32| {
        let server = &server;
        async move {
            let mut client = server.connect().await;
            let request = ProduceRequest { count: 1, ..ProduceRequest::lab() };
            client.send(&Command::Produce(request)).await;
            let events = client.until_finished(Duration::from_secs(30)).await;
            assert!(matches!(events.last(), Some(Event::RunFinished(f)) if f.delivered == 1), "cycle {n}");
            // Half say goodbye (a page closed by the trainee); half drop the connection
            // (a page that may come back), whose sessions end when the wait is over.
            if n.is_multiple_of(2) {
                client.close().await;
            } else {
                drop(client);
            }
        }
    };
    // Warm up: the runtime's and librdkafka's one-time threads and buffers.
    for n in 0..10 {
        cycle(n).await;
    }
    // And their producers closed, so that the baseline is a settled process.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (threads_before, rss_before) = threads_and_rss_kb();
    let started = std::time::Instant::now();
    for n in 0..100 {
        cycle(n).await;
    }
    // Each session's producer is closed on the blocking pool after its page leaves, or
    // after the resume window for a page that dropped.
    let mut after = threads_and_rss_kb();
    for _ in 0..80 {
        if after.0 <= threads_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = threads_and_rss_kb();
    }
    eprintln!(
        "100 sessions in {:.1} s: threads {threads_before} -> {}, RSS {rss_before} kB -> {} kB",
        started.elapsed().as_secs_f64(),
        after.0,
        after.1
    );
    // A producer holds about a dozen threads: one left behind would show.
    assert!(after.0 <= threads_before + 2, "threads {threads_before} -> {}", after.0);
    assert!(after.1 < rss_before + 30_000, "RSS grew {} kB over 100 sessions", after.1.saturating_sub(rss_before));
    server.stop().await;
}
