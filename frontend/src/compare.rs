//! Runs side by side: each finished run kept as a [`Summary`] (its settings, totals,
//! latency histogram and throughput over time), the settings that differ between the
//! runs compared, their latency distributions as cumulative curves, and a CSV of their
//! figures. The one-click experiments (the acks ladder, linger and batching, sync against
//! pipelined) are lists of requests made from the trainee's own form.

use shared::protocol::{Experiment, ExperimentResult, ExperimentRun, ProduceRequest, RunMode};
use shared::settings::Acks;

use crate::model::{LATENCY_BINS, Summary};
use crate::t;

/// Runs one comparison shows at most.
pub const AT_MOST: usize = 4;

/// The settings (and count, mode, rate, key) of `requests`, by name, each as text.
fn named(request: &ProduceRequest) -> Vec<(String, String)> {
    let mut named = Vec::new();
    if let Ok(serde_json::Value::Object(settings)) = serde_json::to_value(&request.settings) {
        for (name, value) in settings {
            let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            named.push((name, text));
        }
    }
    named.push(("count".into(), request.count.to_string()));
    named.push(("mode".into(), request.mode.as_str().to_owned()));
    named.push(("rate".into(), request.rate.map_or_else(|| "none".into(), |r| r.to_string())));
    named.push(("key".into(), request.key_template.clone().unwrap_or_else(|| "none".into())));
    named
}

/// The settings that differ between `requests`: each name with every request's value,
/// in the requests' order. Those all share are left out: the table says what changed.
pub fn differences(requests: &[&ProduceRequest]) -> Vec<(String, Vec<String>)> {
    let all: Vec<Vec<(String, String)>> = requests.iter().map(|r| named(r)).collect();
    let Some(first) = all.first() else { return Vec::new() };
    first
        .iter()
        .enumerate()
        .filter_map(|(i, (name, _))| {
            let values: Vec<String> =
                all.iter().map(|r| r.get(i).map_or_else(String::new, |(_, v)| v.clone())).collect();
            values.iter().any(|v| *v != values[0]).then(|| (name.clone(), values))
        })
        .collect()
}

/// A CSV field, quoted when it holds a comma, a quote or a line break, and made inert
/// for a spreadsheet when it starts with `=`, `+`, `-` or `@` (a formula).
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// The compared runs' figures as CSV: one line per run, the differing settings as
/// columns, then msgs/s, p50, p95, p99 (ms), delivered, failed and the ratio of msgs/s to
/// the first run's.
pub fn csv(runs: &[&Summary]) -> String {
    let requests: Vec<&ProduceRequest> = runs.iter().map(|s| &s.request).collect();
    let differ = differences(&requests);
    let mut header = vec!["run".to_owned()];
    header.extend(differ.iter().map(|(name, _)| name.clone()));
    header.extend(
        ["msgs_per_sec", "p50_ms", "p95_ms", "p99_ms", "delivered", "failed", "ratio_to_first"]
            .into_iter()
            .chain(["in_producer_ms", "waiting_to_send_ms", "round_trip_ms", "p99_from_intended_ms"])
            .map(String::from),
    );
    let mut out = header.iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(",");
    out.push('\n');
    let first = runs.first().map_or(1.0, |s| s.msgs_per_sec()).max(1e-9);
    for (i, run) in runs.iter().enumerate() {
        let mut line = vec![run.run.to_string()];
        line.extend(differ.iter().map(|(_, values)| values[i].clone()));
        let [p50, p95, p99] = run.percentiles_us.map(|us| format!("{:.3}", us as f64 / 1000.0));
        line.extend([
            format!("{:.1}", run.msgs_per_sec()),
            p50,
            p95,
            p99,
            run.delivered.to_string(),
            run.failed.to_string(),
            format!("{:.2}", run.msgs_per_sec() / first),
        ]);
        let ms = |us: i64| format!("{:.3}", us as f64 / 1000.0);
        line.extend(run.breakdown_us.map_or_else(|| vec![String::new(); 3], |b| b.map(ms).to_vec()));
        line.push(run.from_intended_us.map_or_else(String::new, |[_, _, p99]| ms(p99 as i64)));
        out.push_str(&line.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// The runs of `experiment` (the same messages with one thing changed, run one after
/// another and then compared), from the trainee's `base` request (its messages, count
/// and other settings); the acks ladder ends with acks=all and idempotence when
/// `idempotent`.
pub fn requests(experiment: Experiment, base: &ProduceRequest, idempotent: bool) -> Vec<ProduceRequest> {
    let with = |change: &dyn Fn(&mut ProduceRequest)| {
        let mut request = base.clone();
        change(&mut request);
        request
    };
    match experiment {
        Experiment::AcksLadder => {
            let acks = |level: Acks, idempotent: bool| {
                with(&|r: &mut ProduceRequest| {
                    r.settings.acks = level;
                    r.settings.enable_idempotence = idempotent;
                    if idempotent {
                        r.settings.max_in_flight = r.settings.max_in_flight.min(5);
                    }
                })
            };
            let mut ladder = vec![acks(Acks::Zero, false), acks(Acks::One, false), acks(Acks::All, false)];
            if idempotent {
                ladder.push(acks(Acks::All, true));
            }
            ladder
        }
        Experiment::Linger => [0, 5, 50]
            .into_iter()
            .map(|ms| {
                with(&|r: &mut ProduceRequest| {
                    r.settings.linger_ms = ms;
                    r.mode = RunMode::Pipelined;
                })
            })
            .collect(),
        Experiment::SyncOrPipelined => [RunMode::Sync, RunMode::Pipelined]
            .into_iter()
            .map(|mode| with(&|r: &mut ProduceRequest| r.mode = mode))
            .collect(),
    }
}

/// The setting a run of `experiment` had, as Kafka names it: `acks=all`,
/// `acks=all+idempotence`, `linger.ms=5`, `mode=sync`.
pub fn setting(experiment: Experiment, request: &ProduceRequest) -> String {
    match experiment {
        Experiment::AcksLadder => {
            let idempotence = if request.settings.enable_idempotence { "+idempotence" } else { "" };
            format!("acks={}{idempotence}", request.settings.acks.as_str())
        }
        Experiment::Linger => format!("linger.ms={}", request.settings.linger_ms),
        Experiment::SyncOrPipelined => format!("mode={}", request.mode.as_str()),
    }
}

/// An experiment's name, on the trainee's button and in the instructor's class comparison.
pub fn experiment_name(experiment: Experiment) -> String {
    match experiment {
        Experiment::AcksLadder => t!(crate::i18n::lang(); "Acks ladder: 0, 1, all", "Échelle des acks : 0, 1, all"),
        Experiment::Linger => t!(crate::i18n::lang(); "linger.ms 0 / 5 / 50", "linger.ms 0 / 5 / 50"),
        Experiment::SyncOrPipelined => t!(crate::i18n::lang(); "Sync vs pipelined", "Sync ou pipeline"),
    }
}

/// What `experiment` came to over its `runs`, for the instructor's class comparison.
pub fn result(experiment: Experiment, runs: &[&Summary]) -> ExperimentResult {
    let runs = runs
        .iter()
        .take(shared::protocol::MAX_EXPERIMENT_RUNS)
        .map(|s| ExperimentRun {
            setting: setting(experiment, &s.request),
            sent: s.delivered + s.failed,
            delivered: s.delivered,
            failed: s.failed,
            msgs_per_sec: s.msgs_per_sec(),
            p50_us: s.percentiles_us[0],
            p99_us: s.percentiles_us[2],
        })
        .collect();
    ExperimentResult { experiment, runs }
}

/// Text made safe inside SVG or HTML.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// What each linger.ms of the linger experiment did against the first (linger.ms=0):
/// its linger.ms, its msgs/s over the first's, and its p50 minus the first's, in ms.
pub fn linger_effects(runs: &[&Summary]) -> Vec<(u32, f64, f64)> {
    let Some(first) = runs.first() else { return Vec::new() };
    let base_rate = first.msgs_per_sec().max(1e-9);
    runs.iter()
        .skip(1)
        .map(|s| {
            let p50_delta_us = s.percentiles_us[0] as f64 - first.percentiles_us[0] as f64;
            (s.request.settings.linger_ms, s.msgs_per_sec() / base_rate, p50_delta_us / 1000.0)
        })
        .collect()
}

/// A run mode as the page's language says it: `sync`, `pipelined` (`pipeline` in French).
pub fn mode_name(mode: RunMode) -> String {
    match mode {
        RunMode::Sync => "sync".to_owned(),
        RunMode::Pipelined => t!(crate::i18n::lang(); "pipelined", "pipeline"),
    }
}

/// A setting's value as the page shows it: Kafka's own words stay, the page's own
/// (a mode, no rate, no key) in the page's language. The CSV keeps them as they are.
pub fn shown(name: &str, value: &str) -> String {
    match (name, value) {
        ("mode", "pipelined") => mode_name(RunMode::Pipelined),
        ("rate" | "key", "none") => t!(crate::i18n::lang(); "none", "aucun"),
        _ => value.to_owned(),
    }
}

/// Each compared run's name in a legend: its number and what differs.
pub fn labels(runs: &[&Summary]) -> Vec<String> {
    let requests: Vec<&ProduceRequest> = runs.iter().map(|s| &s.request).collect();
    let differ = differences(&requests);
    runs.iter()
        .enumerate()
        .map(|(i, run)| {
            let what: Vec<String> =
                differ.iter().map(|(name, values)| format!("{name}={}", shown(name, &values[i]))).collect();
            let number = t!(crate::i18n::lang(); "run {}", "envoi {}", run.run);
            if what.is_empty() { number } else { format!("{number}: {}", what.join(", ")) }
        })
        .collect()
}

/// The decimals an axis's labels need to tell its ticks apart: none for steps of 1 or
/// more, one for 0.5, two for 0.05.
pub fn tick_decimals(ticks: &[f64]) -> u8 {
    match ticks {
        [first, second, ..] if second - first < 1.0 => (-(second - first).log10().floor()).clamp(0.0, 6.0) as u8,
        _ => 0,
    }
}

/// The latency axis's label for `us`, in the page's language (`0.1 ms`, `0,1 ms`, `1 s`).
pub fn latency_tick(us: u64) -> String {
    match us {
        0..1_000 => format!("{} ms", crate::i18n::number(us as f64 / 1000.0, 1)),
        1_000..1_000_000 => format!("{} ms", crate::i18n::number(us as f64 / 1000.0, 0)),
        _ => format!("{} s", crate::i18n::number(us as f64 / 1e6, 0)),
    }
}

/// A chart's width, in SVG units.
pub const SVG_W: f64 = 640.0;
/// A chart's height, in SVG units.
pub const SVG_H: f64 = 240.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 30.0;

/// The latency axis's ticks, in microseconds (see [`latency_tick`] for their labels).
pub const LATENCY_TICKS: [u64; 6] = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// An empty chart: its frame and a white background (an exported image has one).
fn open_svg() -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SVG_W} {SVG_H}" class="compare-chart" role="img"><rect width="100%" height="100%" fill="white"/>"#
    )
}

/// A tick of the horizontal axis at `at`: a grid line down to `bottom`, its label below.
fn x_tick(svg: &mut String, at: f64, bottom: f64, label: &str) {
    svg.push_str(&format!(
        r##"<line x1="{at:.1}" y1="10" x2="{at:.1}" y2="{bottom:.1}" stroke="#ddd"/><text x="{at:.1}" y="{:.1}" font-size="11" text-anchor="middle">{label}</text>"##,
        bottom + 16.0
    ));
}

/// A tick of the vertical axis at `at`: a grid line across to `right`, its label left.
fn y_tick(svg: &mut String, at: f64, right: f64, label: &str) {
    svg.push_str(&format!(
        r##"<line x1="{LEFT}" y1="{at:.1}" x2="{right:.1}" y2="{at:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{label}</text>"##,
        LEFT - 4.0,
        at + 4.0
    ));
}

/// The latency distributions of `runs` overlaid, as one SVG: the fraction of messages
/// delivered within each latency (log scale, 10 µs to 100 s), with each run's p50, p95
/// and p99 marked, ticks and units on both axes, and a legend.
pub fn latency_svg(runs: &[&Summary]) -> String {
    let (w, h) = (SVG_W - LEFT - 10.0, SVG_H - BOTTOM - 10.0);
    let x = |scale: f64| LEFT + scale.clamp(0.0, 1.0) * w;
    let y = |fraction: f64| 10.0 + (1.0 - fraction) * h;
    let mut svg = open_svg();
    for us in LATENCY_TICKS {
        x_tick(&mut svg, x(crate::model::latency_scale(us)), 10.0 + h, &latency_tick(us));
    }
    for (fraction, label) in [(0.0, "0 %"), (0.25, "25 %"), (0.5, "50 %"), (0.75, "75 %"), (1.0, "100 %")] {
        y_tick(&mut svg, y(fraction), LEFT + w, label);
    }
    let names = labels(runs);
    for (i, run) in runs.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let cdf = run.cdf();
        let mut points = vec![format!("{:.1},{:.1}", x(0.0), y(0.0))];
        for (bin, fraction) in cdf.iter().enumerate() {
            // A bin's upper edge on the log scale.
            let edge = (bin + 1) as f64 / LATENCY_BINS as f64;
            points.push(format!("{:.1},{:.1}", x(edge), y(*fraction)));
        }
        svg.push_str(&format!(
            r#"<polyline class="cdf" data-run="{}" points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            run.run,
            points.join(" ")
        ));
        for (us, fraction) in run.percentiles_us.iter().zip([0.5, 0.95, 0.99]) {
            if *us > 0 {
                svg.push_str(&format!(
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>p{} {}</title></circle>"#,
                    x(crate::model::latency_scale(*us)),
                    y(fraction),
                    (fraction * 100.0).round(),
                    crate::i18n::latency(*us)
                ));
            }
        }
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" font-size="12" fill="{colour}">{}</text>"#,
            LEFT + 8.0,
            26.0 + 15.0 * i as f64,
            xml_text(&names[i])
        ));
    }
    svg.push_str(&format!(
        r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text></svg>"#,
        LEFT + w,
        SVG_H - 2.0,
        t!(crate::i18n::lang(); "latency (log scale) · dots: p50, p95, p99", "latence (échelle log) · points : p50, p95, p99")
    ));
    svg
}

/// Round steps for an axis up to `max`: 1, 2 or 5 times a power of ten, about five of
/// them.
pub fn ticks(max: f64) -> Vec<f64> {
    if max <= 0.0 {
        return vec![0.0];
    }
    let rough = max / 5.0;
    let power = 10_f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= rough).unwrap_or(power * 10.0);
    (0..).map(|i| f64::from(i) * step).take_while(|t| *t <= max * 1.0001).collect()
}

/// The throughput of `runs` over time, overlaid, as one SVG: messages per second against
/// the time since each run started, with ticks and units on both axes.
pub fn throughput_svg(runs: &[&Summary]) -> String {
    let (w, h) = (SVG_W - LEFT - 10.0, SVG_H - BOTTOM - 10.0);
    let max_ms = runs.iter().flat_map(|r| r.throughput.iter().map(|p| p.0)).max().unwrap_or(0).max(1) as f64;
    let max_rate = runs.iter().flat_map(|r| r.throughput.iter().map(|p| p.1)).fold(1.0, f64::max);
    let x = |ms: f64| LEFT + ms / max_ms * w;
    let y = |rate: f64| 10.0 + (1.0 - rate / max_rate) * h;
    let mut svg = open_svg();
    let in_seconds = max_ms >= 2_000.0;
    let (unit, per) = if in_seconds { ("s", 1000.0) } else { ("ms", 1.0) };
    let times = ticks(max_ms / per);
    let decimals = tick_decimals(&times);
    for t in times {
        x_tick(&mut svg, x(t * per), 10.0 + h, &format!("{} {unit}", crate::i18n::number(t, decimals)));
    }
    let rates = ticks(max_rate);
    let decimals = tick_decimals(&rates);
    for rate in rates {
        y_tick(&mut svg, y(rate), LEFT + w, &crate::i18n::number(rate, decimals));
    }
    for (i, run) in runs.iter().enumerate() {
        let points: Vec<String> =
            run.throughput.iter().map(|(ms, rate)| format!("{:.1},{:.1}", x(*ms as f64), y(*rate))).collect();
        svg.push_str(&format!(
            r#"<polyline class="throughput" data-run="{}" points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            run.run,
            points.join(" "),
            COLOURS[i % COLOURS.len()]
        ));
    }
    svg.push_str(&format!(
        r#"<text x="{LEFT}" y="{:.1}" font-size="11">msgs/s</text><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text></svg>"#,
        8.0,
        LEFT + w,
        SVG_H - 2.0,
        t!(crate::i18n::lang(); "time since the run started", "temps depuis le début de l'envoi")
    ));
    svg
}

/// One colour per compared run, told apart in grey too (dark, mid, light).
pub const COLOURS: [&str; AT_MOST] = ["#1f5fa8", "#d9480f", "#2b8a3e", "#862e9c"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::breakdown;

    fn summary(run: u64, request: ProduceRequest, delivered: u64, elapsed_ms: u64) -> Summary {
        Summary {
            run,
            request,
            delivered,
            failed: 0,
            elapsed_ms,
            percentiles_us: [1_000, 2_000, 3_000],
            latency_bins: vec![0; LATENCY_BINS],
            throughput: Vec::new(),
            breakdown_us: None,
            from_intended_us: None,
        }
    }

    #[test]
    fn the_breakdown_weighs_the_brokers_by_their_messages() {
        let broker = |id, queue, wait, rtt, samples| shared::protocol::BrokerStats {
            id,
            state: "UP".into(),
            rtt_avg_us: rtt,
            rtt_p99_us: rtt,
            queue_latency_avg_us: queue,
            send_wait_avg_us: wait,
            queued_samples: samples,
            in_flight_requests: 0,
            queued_requests: 0,
            retries: 0,
            timeouts: 0,
        };
        let stats = shared::protocol::ProducerStats {
            producer: "p".into(),
            queued_messages: 0,
            batch_size_avg: 0,
            batch_count_avg: 0,
            // Broker 2 only answered the producer's metadata request.
            brokers: vec![broker(1, 50_000, 20, 400, 150), broker(2, 0, 10, 300, 0), broker(3, 46_000, 40, 600, 50)],
        };
        assert_eq!(breakdown(&stats), [49_000, 25, 450], "weighted by messages; broker 2 had none");
    }

    #[test]
    fn the_acks_ladder_differs_in_acks_and_idempotence_only() {
        let runs = requests(Experiment::AcksLadder, &ProduceRequest::lab(), false);
        let asked: Vec<&ProduceRequest> = runs.iter().collect();
        let differ = differences(&asked);
        assert_eq!(differ, [("acks".to_owned(), vec!["0".to_owned(), "1".into(), "all".into()])]);
        let with_idempotence = requests(Experiment::AcksLadder, &ProduceRequest::lab(), true);
        assert!(with_idempotence.iter().all(|r| r.validate().is_empty()), "each run is one the server takes");
        let differ = differences(&with_idempotence.iter().collect::<Vec<_>>());
        let names: Vec<&str> = differ.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["acks", "enable.idempotence", "max.in.flight.requests.per.connection"]);
        let settings: Vec<String> = with_idempotence.iter().map(|r| setting(Experiment::AcksLadder, r)).collect();
        assert_eq!(settings, ["acks=0", "acks=1", "acks=all", "acks=all+idempotence"]);
    }

    #[test]
    fn an_experiments_result_names_each_runs_setting_with_its_figures() {
        let runs: Vec<Summary> = requests(Experiment::Linger, &ProduceRequest::lab(), false)
            .into_iter()
            .enumerate()
            .map(|(i, request)| Summary {
                run: i as u64 + 1,
                request,
                delivered: 100,
                failed: i as u64,
                elapsed_ms: 50,
                percentiles_us: [1000 * (i as u64 + 1), 0, 9000],
                latency_bins: Vec::new(),
                throughput: Vec::new(),
                breakdown_us: None,
                from_intended_us: None,
            })
            .collect();
        let result = result(Experiment::Linger, &runs.iter().collect::<Vec<_>>());
        let lines: Vec<(&str, u64, u64, f64, u64)> =
            result.runs.iter().map(|r| (r.setting.as_str(), r.sent, r.failed, r.msgs_per_sec, r.p50_us)).collect();
        assert_eq!(
            lines,
            [
                ("linger.ms=0", 100, 0, 2000.0, 1000),
                ("linger.ms=5", 101, 1, 2000.0, 2000),
                ("linger.ms=50", 102, 2, 2000.0, 3000)
            ]
        );
    }

    #[test]
    fn linger_and_sync_experiments_change_what_they_say() {
        let linger = requests(Experiment::Linger, &ProduceRequest::lab(), false);
        let differ = differences(&linger.iter().collect::<Vec<_>>());
        // Pipelined, all three: linger only batches messages that wait together.
        assert_eq!(differ, [("linger.ms".to_owned(), vec!["0".to_owned(), "5".into(), "50".into()])]);
        let modes = requests(Experiment::SyncOrPipelined, &ProduceRequest::lab(), false);
        let differ = differences(&modes.iter().collect::<Vec<_>>());
        assert_eq!(differ, [("mode".to_owned(), vec!["sync".to_owned(), "pipelined".into()])]);
    }

    #[test]
    fn the_csv_has_a_line_per_run_with_the_ratio_to_the_first() {
        let lab = ProduceRequest::lab();
        let fast = ProduceRequest { mode: RunMode::Pipelined, ..lab.clone() };
        let (a, mut b) = (summary(1, lab, 100, 1000), summary(2, fast, 100, 250));
        b.breakdown_us = Some([500, 20, 480]);
        b.from_intended_us = Some([1_500, 2_500, 41_000]);
        let text = csv(&[&a, &b]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "run,mode,msgs_per_sec,p50_ms,p95_ms,p99_ms,delivered,failed,ratio_to_first,in_producer_ms,waiting_to_send_ms,round_trip_ms,p99_from_intended_ms"
        );
        assert_eq!(lines[1], "1,sync,100.0,1.000,2.000,3.000,100,0,1.00,,,,");
        assert_eq!(lines[2], "2,pipelined,400.0,1.000,2.000,3.000,100,0,4.00,0.500,0.020,0.480,41.000");
    }

    #[test]
    fn a_csv_field_is_quoted_and_never_a_formula() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }

    #[test]
    fn the_linger_experiment_says_what_each_linger_did_against_none() {
        let run = |n, linger_ms, elapsed_ms, p50_us| {
            let mut request = ProduceRequest { mode: RunMode::Pipelined, ..ProduceRequest::lab() };
            request.settings.linger_ms = linger_ms;
            Summary { percentiles_us: [p50_us, 0, 0], ..summary(n, request, 1_000, elapsed_ms) }
        };
        let runs = [run(1, 0, 1_000, 2_000), run(2, 5, 500, 6_000), run(3, 50, 800, 51_000)];
        let refs: Vec<&Summary> = runs.iter().collect();
        assert_eq!(linger_effects(&refs), [(5, 2.0, 4.0), (50, 1.25, 49.0)]);
    }

    #[test]
    fn axis_labels_have_the_decimals_that_tell_their_ticks_apart() {
        assert_eq!(tick_decimals(&ticks(1.0)), 1, "0, 0.2 … 1: not 0 0 0 1 1 1");
        assert_eq!(tick_decimals(&ticks(0.2)), 2, "0, 0.05 … 0.2");
        assert_eq!(tick_decimals(&ticks(250.0)), 0);
        assert_eq!(tick_decimals(&[0.0]), 0);
        let labels: Vec<String> = LATENCY_TICKS.into_iter().map(latency_tick).collect();
        assert_eq!(labels, ["0.1 ms", "1 ms", "10 ms", "100 ms", "1 s", "10 s"]);
    }

    #[test]
    fn axes_step_by_round_numbers() {
        assert_eq!(ticks(100.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(ticks(7.0), [0.0, 2.0, 4.0, 6.0]);
        assert_eq!(ticks(0.0), [0.0]);
    }

    #[test]
    fn the_throughput_chart_draws_a_line_per_run() {
        let mut a = summary(1, ProduceRequest::lab(), 10, 100);
        a.throughput = vec![(50, 100.0), (100, 200.0)];
        let mut b = summary(2, ProduceRequest::lab(), 10, 100);
        b.throughput = vec![(50, 50.0)];
        let svg = throughput_svg(&[&a, &b]);
        assert_eq!(svg.matches("<polyline class=\"throughput\"").count(), 2);
        assert!(svg.contains(">100 ms</text>") && svg.contains("msgs/s"), "{svg}");
    }

    #[test]
    fn the_cumulative_curve_rises_to_one() {
        let mut run = summary(1, ProduceRequest::lab(), 4, 10);
        run.latency_bins[3] = 1;
        run.latency_bins[5] = 3;
        let cdf = run.cdf();
        assert_eq!((cdf[2], cdf[3], cdf[4], cdf[5], cdf[LATENCY_BINS - 1]), (0.0, 0.25, 0.25, 1.0, 1.0));
    }
    #[test]
    fn the_chart_draws_one_curve_per_run_and_escapes_its_legend() {
        let lab = ProduceRequest::lab();
        let odd = ProduceRequest { key_template: Some("<script>".into()), ..lab.clone() };
        let (a, b) = (summary(1, lab, 1, 10), summary(2, odd, 1, 10));
        let svg = latency_svg(&[&a, &b]);
        assert_eq!(svg.matches("<polyline class=\"cdf\"").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 6, "p50, p95 and p99 of each");
        assert!(svg.contains("run 2: key=&lt;script&gt;") && !svg.contains("<script>"), "{svg}");
        assert!(svg.contains(">1 ms</text>") && svg.contains(">50 %</text>"), "ticks with units");
    }
}
