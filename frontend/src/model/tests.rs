//! The page's state folded from the server's events, and the form turned into requests.

use shared::problem::Problem;
use shared::protocol::{Delivered, Failed, Record, RunMode, RunStats};
use shared::settings::{Preset, ProducerSettings};
use shared::template::{Template, TemplateEnv};

use super::*;

#[test]
fn default_form_is_the_labs_valid_request() {
    let request = Form::default().request().unwrap();
    assert_eq!(request, ProduceRequest::lab());
}

#[test]
fn a_set_up_names_what_it_changed_where_the_page_shows_it() {
    let before = Form::default();
    assert!(before.changed_fields(&before).is_empty());
    let mut after = before.clone();
    after.count = "50".into();
    after.keyed = true;
    after.mode = RunMode::Pipelined;
    after.numbers.insert("linger.ms", "50".into());
    after.settings.linger_ms = 50;
    after.headers.push(("x-trainee".into(), "me".into()));
    let changed = before.changed_fields(&after);
    let names: Vec<&str> = changed.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(names, ["linger.ms", "key", "headers", "count", "mode"]);
    let ids: Vec<&str> = changed.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["linger-ms", "keyed", "header-name-2", "count", "mode-pipelined"]);
}

#[test]
fn the_time_left_counts_down_between_outcomes_that_each_wait_for_a_timeout() {
    // Three sync messages, each failing after about 5 s.
    let mut run = Run { count: 3, ..Run::default() };
    let stats = |failed, elapsed_ms| RunStats { failed, elapsed_ms, ..RunStats::default() };
    run.record(stats(0, 2_000));
    assert_eq!(run.seconds_left(), None, "nothing to go by before the first outcome");
    run.record(stats(1, 5_000));
    assert_eq!(run.seconds_left(), Some(10.0));
    run.record(stats(1, 8_000));
    assert_eq!(run.seconds_left(), Some(7.0), "down, not up, while the next one waits");
    run.record(stats(2, 10_000));
    assert_eq!(run.seconds_left(), Some(5.0));
    run.record(stats(2, 16_000));
    assert_eq!(run.seconds_left(), Some(0.0), "late: any moment now, never negative");
}

#[test]
fn a_page_back_mid_run_counts_the_outcomes_it_did_not_see() {
    let mut page = Page::default();
    page.apply(Event::RunStarted { run: 1, topic: "orders.created".into(), count: 100, mode: RunMode::Sync });
    page.apply(Event::Stats(RunStats { run: 1, sent: 27, delivered: 26, failed: 1, ..RunStats::default() }));
    assert_eq!(page.run.as_ref().unwrap().outcomes(), 27, "the server's count, not the rows seen since");
}

#[test]
fn typos_are_named_once_per_field() {
    let mut form = Form { count: "0".into(), ..Form::default() };
    form.numbers.insert("message.send.max.retries", "three".into());
    form.numbers.insert("retry.backoff.ms", "0".into());
    let errors = form.request().unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["message.send.max.retries", "retry.backoff.ms", "count"]);
    assert!(form.error_for("message.send.max.retries").unwrap().to_string().contains("whole number"));
    assert!(form.error_for("client.id").is_none());
}

#[test]
fn presets_fill_the_form_and_keep_the_templates() {
    let mut form = Form { value_template: "x".into(), ..Form::default() };
    form.apply_preset(Preset::Optimized);
    let request = form.request().unwrap();
    assert_eq!(request.settings, Preset::Optimized.settings());
    assert_eq!(request.value_template, "x");
    assert_eq!(form.numbers["batch.size"], "32768");
}

struct Fixed;
impl TemplateEnv for Fixed {
    fn now_ms(&mut self) -> i64 {
        0
    }
    fn random_bytes(&mut self) -> [u8; 16] {
        [0; 16]
    }
    fn random_in(&mut self, min: i64, _: i64) -> i64 {
        min
    }
}

#[test]
fn preview_renders_and_predicts_both_partitioners() {
    let keyed = Form { keyed: true, ..Form::default() };
    let rows = keyed.preview(3, 6, &mut Fixed).unwrap();
    assert_eq!(rows[0].key.as_deref(), Some("ORD-0001"));
    assert!(rows[2].value.contains("ORD-0003"));
    assert_eq!(rows[0].headers[1], ("source".to_owned(), "dotnet-producer".to_owned()));
    for row in &rows {
        let key = row.key.as_deref().unwrap().as_bytes();
        assert_eq!(row.partition, Some(shared::partitioner::crc32(key) % 6));
        assert_eq!(row.java_partition, Some((shared::partitioner::murmur2(key) & 0x7fff_ffff) % 6));
    }
    let keyless = Form::default().preview(1, 6, &mut Fixed).unwrap();
    assert_eq!(keyless[0].key, None, "the lab's messages have no key");
    assert_eq!(keyless[0].partition, None, "sticky: not predictable");
}

#[test]
fn the_first_state_is_the_labs_program_cs() {
    let request = Form::default().request().unwrap();
    assert_eq!(request, ProduceRequest::lab(), "the page's first run is the lab's");
    assert_eq!(request.key_template, None, "ProducerBuilder<Null, string>");
    assert_eq!((request.count, request.mode, request.topic.as_str()), (10, RunMode::Sync, "orders.created"));
    let value = request.value_template.replace("{now}", "2026-02-05T11:30:00Z").replace("{i:04}", "0001");
    assert_eq!(
        value.replace("{i*10+100}", "110"),
        r#"{"orderId": "ORD-0001", "timestamp": "2026-02-05T11:30:00Z", "amount": 110}"#
    );
    let headers: Vec<_> = request.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
    assert_eq!(headers, [("correlation-id", "{uuid}"), ("source", "dotnet-producer")]);
    assert_eq!(request.settings, ProducerSettings::default());
}

#[test]
fn a_shared_request_comes_back_as_the_same_form() {
    let mut form = Form { count: "50".into(), keyed: false, mode: RunMode::Pipelined, ..Form::default() };
    form.apply_preset(Preset::Idempotent);
    form.headers.push(("environment".into(), "dev".into()));
    let request = form.request().unwrap();
    let back = Form::from_request(&request);
    assert_eq!(back.request().unwrap(), request);
}

#[test]
fn stats_make_a_bounded_series_of_rates() {
    let mut page = Page::default();
    page.apply(Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 1_000_000, mode: RunMode::Pipelined });
    for n in 1..=1000u64 {
        page.apply(Event::Stats(RunStats {
            run: 1,
            delivered: n * 500,
            elapsed_ms: n * 50,
            p50_us: 100,
            p99_us: 900,
            ..RunStats::default()
        }));
    }
    let series = &page.run.as_ref().unwrap().series;
    assert!(series.len() <= SERIES_POINTS, "{}", series.len());
    assert_eq!(series[0].elapsed_ms, 50, "the start of the run is kept");
    assert!(series.iter().all(|p| (p.msgs_per_sec - 10_000.0).abs() < 1e-6), "500 per 50 ms is 10,000/s");
}

#[test]
fn the_table_window_filters_then_slices() {
    let mut page = Page::default();
    page.apply(Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 100, mode: RunMode::Sync });
    for seq in 1..=100 {
        page.apply(delivered(1, seq, (seq % 6) as i32));
    }
    let run = page.run.as_ref().unwrap();
    let (total, rows) = run.window(Filter::default(), 90, 20);
    assert_eq!((total, rows.len(), rows[0].seq), (100, 10, 91));
    let only_p2 = Filter { partition: Some(2), ..Filter::default() };
    let (total, rows) = run.window(only_p2, 0, 5);
    assert_eq!(total, 17);
    assert!(rows.iter().all(|r| r.partition == Some(2)));
    let failed = Filter { delivered: Some(false), ..Filter::default() };
    assert_eq!(run.window(failed, 0, 5).0, 0);
}

#[test]
fn a_record_read_back_sends_again_as_it_was() {
    let record = Record {
        partition: 0,
        offset: 7,
        key: Some("ORD-{i}".into()),
        value: Some(r#"{"orderId":"ORD-0002"}"#.into()),
        headers: vec![("correlation-id".into(), "abc".into())],
        timestamp_ms: None,
        timestamp_type: None,
    };
    let request = Form::default().for_record(&record).request().unwrap();
    assert_eq!(request.count, 1);
    assert_eq!(Template::parse(&request.value_template).unwrap().render(9, &mut Fixed), r#"{"orderId":"ORD-0002"}"#);
    assert_eq!(Template::parse(request.key_template.as_deref().unwrap()).unwrap().render(9, &mut Fixed), "ORD-{i}");
    assert_eq!(request.headers[0].value, "abc");
}

#[test]
fn unkeyed_form_sends_no_key() {
    let form = Form { keyed: false, ..Form::default() };
    assert_eq!(form.request().unwrap().key_template, None);
}

#[test]
fn a_join_answered_clears_the_name_refused_before_it() {
    let mut page = Page::default();
    let refused = shared::problem::Problem::NameTaken { name: "Zoé".into() };
    page.apply(Event::Error(shared::protocol::ErrorEvent::at_field("name", refused)));
    page.apply(Event::Joined { name: "Zoé B".into(), topic: None });
    assert_eq!(page.error, None);
    assert_eq!(page.joined, Some(("Zoé B".into(), None)));
}

fn delivered(run: u64, seq: u64, partition: i32) -> Event {
    Event::Delivered(Delivered {
        run,
        seq,
        key: None,
        topic: lab::TOPIC.into(),
        partition,
        offset: Some(seq as i64),
        timestamp_ms: 0,
        log_append_time_ms: None,
        latency_us: 1500,
        reported_us: 0,
    })
}

#[test]
fn deliveries_fill_rows_and_partition_counts() {
    let mut page = Page::default();
    page.apply(Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 3, mode: RunMode::Sync });
    assert!(page.running());
    page.apply(delivered(1, 1, 4));
    page.apply(delivered(1, 2, 4));
    page.apply(Event::Failed(Failed {
        run: 1,
        seq: 3,
        key: None,
        error: "MessageTimedOut".into(),
        message: "timed out".into(),
        retriable: true,
        persistence: shared::protocol::Persistence::PossiblyPersisted,
        latency_us: 2_000_000,
    }));
    page.apply(delivered(7, 9, 0)); // another run's straggler is ignored
    let run = page.run.as_ref().unwrap();
    assert_eq!(run.per_partition, [0, 0, 0, 0, 2, 0]);
    assert_eq!(run.lane_cells[4], [(Some(1), None), (Some(2), None)]);
    assert_eq!(run.latency_bins.iter().sum::<u32>(), 2, "1.5 ms twice");
    assert_eq!(run.latency_bins[latency_bin(1500)], 2);
    assert_eq!((run.delivered(), run.failed()), (2, 1));
    page.apply(Event::RunFinished(RunFinished {
        run: 1,
        sent: 3,
        delivered: 2,
        failed: 1,
        elapsed_ms: 10,
        stopped: false,
    }));
    assert!(!page.running());
}

#[test]
fn a_batch_applies_in_order() {
    let mut page = Page::default();
    page.apply(Event::Batch {
        events: vec![
            Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 2, mode: RunMode::Pipelined },
            delivered(1, 1, 0),
            delivered(1, 2, 5),
        ],
    });
    assert_eq!(page.run.unwrap().per_partition, [1, 0, 0, 0, 0, 1]);
}

#[test]
fn a_page_that_comes_back_keeps_its_run_and_a_new_session_starts_afresh() {
    let hello = |resumed: bool| {
        Event::Hello(shared::protocol::Hello {
            protocol: shared::protocol::PROTOCOL_VERSION,
            mode: shared::protocol::ClusterMode::Embedded,
            bootstrap_servers: "127.0.0.1:9092".into(),
            brokers: Vec::new(),
            topics: Vec::new(),
            limits: shared::protocol::Limits::default(),
            session: "0123456789abcdef0123456789abcdef".into(),
            resumed,
            topic_per_trainee: false,
        })
    };
    let finished =
        Event::RunFinished(RunFinished { run: 1, sent: 2, delivered: 2, failed: 0, elapsed_ms: 10, stopped: false });
    let started = || Event::RunStarted { run: 1, topic: lab::TOPIC.into(), count: 2, mode: RunMode::Sync };
    let mut page = Page::default();
    page.apply(hello(false));
    page.apply(started());
    page.apply(delivered(1, 1, 0));
    // The connection drops and comes back: the server tells the run again.
    page.apply(hello(true));
    page.apply(started());
    page.apply(delivered(1, 2, 1));
    page.apply(finished.clone());
    page.apply(finished.clone());
    assert_eq!(page.run.as_ref().unwrap().rows.len(), 2, "the rows seen before the drop are kept");
    assert_eq!(page.history.len(), 1, "a run told to have ended twice ends once");
    // A new session (the server restarted): its run 1 is another run.
    page.apply(hello(false));
    assert!(page.run.is_none() && page.history.is_empty());
    page.apply(started());
    assert!(page.running(), "the new session's run 1 is shown");
}

#[test]
fn a_new_run_clears_the_last_error() {
    let mut page = Page::default();
    page.apply(Event::Error(ErrorEvent::new(Problem::NoRun)));
    assert!(page.error.is_some());
    page.apply(Event::RunStarted { run: 2, topic: lab::TOPIC.into(), count: 1, mode: RunMode::Sync });
    assert!(page.error.is_none());
}

#[test]
fn latency_reads_in_milliseconds() {
    assert_eq!(format_latency(4213), "4.21 ms");
}
