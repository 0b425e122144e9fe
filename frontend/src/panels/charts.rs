//! Charts drawn as SVG: throughput and latency over time, and the latency histogram
//! with its p50, p95 and p99, each with ticks and units on its axes. Fed by the server's
//! coalesced `stats`, so a million deliveries cost the page a few points a second.

use leptos::prelude::*;

use crate::compare::{LATENCY_TICKS, latency_tick, tick_decimals, ticks};
use crate::context::Ctx;
use crate::model::{LATENCY_BINS, Point, latency_scale};
use crate::t;

/// A chart's size in SVG units: about its size on the page, so that its labels read.
const W: f64 = 320.0;
const H: f64 = 150.0;
/// The plot inside it: room on the left for the values, below for the time.
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 18.0;

/// The plot's width and height.
fn plot() -> (f64, f64) {
    (W - LEFT - RIGHT, H - TOP - BOTTOM)
}

/// `points` (x, y) scaled into the plot as an SVG polyline's `points`.
fn polyline(points: impl Iterator<Item = (f64, f64)>, max_x: f64, max_y: f64) -> String {
    let (w, h) = plot();
    points
        .map(|(x, y)| format!("{:.1},{:.1}", LEFT + x / max_x.max(1e-9) * w, TOP + h - y / max_y.max(1e-9) * h))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A tick of an axis: its position in SVG units and its label.
#[derive(Clone, Debug, PartialEq)]
struct Tick {
    at: f64,
    label: String,
}

/// The time axis up to `max_ms`: round steps, in ms under two seconds, else in s.
fn time_ticks(max_ms: f64) -> Vec<Tick> {
    let (w, _) = plot();
    let in_seconds = max_ms >= 2_000.0;
    let (max, unit) = if in_seconds { (max_ms / 1000.0, "s") } else { (max_ms, "ms") };
    let steps = ticks(max);
    let decimals = tick_decimals(&steps);
    steps
        .into_iter()
        .map(|t| Tick {
            at: LEFT + t / max.max(1e-9) * w,
            label: format!("{} {unit}", crate::i18n::number(t, decimals)),
        })
        .collect()
}

/// A value axis up to `max`, each tick labelled by `label` with the decimals it needs.
fn value_ticks(max: f64, label: impl Fn(f64, u8) -> String) -> Vec<Tick> {
    let (_, h) = plot();
    let steps = ticks(max);
    let decimals = tick_decimals(&steps);
    steps.into_iter().map(|t| Tick { at: TOP + h - t / max.max(1e-9) * h, label: label(t, decimals) }).collect()
}

/// The histogram's latency axis (log scale).
fn latency_ticks() -> Vec<Tick> {
    let (w, _) = plot();
    LATENCY_TICKS.into_iter().map(|us| Tick { at: LEFT + latency_scale(us) * w, label: latency_tick(us) }).collect()
}

/// Grid lines and labels of both axes.
fn axes(x: Vec<Tick>, y: Vec<Tick>) -> impl IntoView {
    let (w, h) = plot();
    let bottom = TOP + h;
    view! {
        <g class="axis">
            {x.into_iter().map(|t| view! {
                <line class="grid" x1=format!("{:.1}", t.at) x2=format!("{:.1}", t.at) y1=TOP.to_string() y2=bottom.to_string() />
                <text x=format!("{:.1}", t.at) y=(bottom + 12.0).to_string() text-anchor="middle">{t.label}</text>
            }).collect_view()}
            {y.into_iter().map(|t| view! {
                <line class="grid" x1=LEFT.to_string() x2=(LEFT + w).to_string() y1=format!("{:.1}", t.at) y2=format!("{:.1}", t.at) />
                <text x=(LEFT - 3.0).to_string() y=format!("{:.1}", t.at + 3.0) text-anchor="end">{t.label}</text>
            }).collect_view()}
        </g>
    }
}

/// A rate as an axis label: 1.5k, 20k, 1.2M.
fn rate_label(rate: f64, decimals: u8) -> String {
    if rate >= 1_000_000.0 {
        format!("{}M", crate::i18n::number(rate / 1_000_000.0, 1))
    } else if rate >= 1_000.0 {
        format!("{}k", crate::i18n::number(rate / 1_000.0, 0))
    } else {
        crate::i18n::number(rate, decimals)
    }
}

/// Throughput, latency over time, and the latency histogram.
#[component]
pub fn ChartsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let series = Memo::new(move |_| ctx.page.with(|p| p.run.as_ref().map(|r| r.series.clone()).unwrap_or_default()));
    let percentiles = Memo::new(move |_| {
        ctx.page.with(|p| {
            p.run
                .as_ref()
                .and_then(|r| r.stats.as_ref())
                .filter(|s| s.delivered > 0)
                .map(|s| (s.p50_us, s.p95_us, s.p99_us))
        })
    });
    let histogram = Memo::new(move |_| ctx.page.with(|p| p.run.as_ref().map_or([0; LATENCY_BINS], |r| r.latency_bins)));
    // Memos: each is read by its line, its axes and its caption, and computed once a change.
    let throughput = Memo::new(move |_| {
        let s: Vec<Point> = series.get();
        let max_x = s.last().map_or(1.0, |p| p.elapsed_ms as f64);
        let max_y = s.iter().map(|p| p.msgs_per_sec).fold(1.0, f64::max);
        (polyline(s.iter().map(|p| (p.elapsed_ms as f64, p.msgs_per_sec)), max_x, max_y), max_x, max_y)
    });
    let latency = Memo::new(move |_| {
        let s: Vec<Point> = series.get();
        let max_x = s.last().map_or(1.0, |p| p.elapsed_ms as f64);
        let max_y = s.iter().map(|p| p.p99_us as f64).fold(1.0, f64::max);
        let p50 = polyline(s.iter().map(|p| (p.elapsed_ms as f64, p.p50_us as f64)), max_x, max_y);
        let p99 = polyline(s.iter().map(|p| (p.elapsed_ms as f64, p.p99_us as f64)), max_x, max_y);
        (p50, p99, max_x, max_y)
    });
    let view_box = format!("0 0 {W} {H}");
    view! {
        <section class="panel" id="charts">
            <h2>{t!("Throughput and latency", "Débit et latence")}</h2>
            <div class="charts">
                <figure>
                    <figcaption>
                        {t!("Throughput, msgs/s", "Débit, msgs/s")}
                        // No run yet: no top of nothing.
                        {move || series.with(|s| !s.is_empty()).then(|| view! {
                            {t!(" (top: ", " (haut : ")} <span id="chart-max-rate">{move || throughput.with(|t| format!("{:.0}", t.2))}</span> ")"
                        })}
                    </figcaption>
                    <svg viewBox=view_box.clone() role="img" aria-label=t!("Throughput over time", "Débit dans le temps")>
                        // No run yet: a frame, not axes of nothing (0 0 0 1 1 1).
                        {move || series.with(|s| !s.is_empty()).then(|| {
                            let (max_x, max_y) = throughput.with(|t| (t.1, t.2));
                            axes(time_ticks(max_x), value_ticks(max_y, rate_label))
                        })}
                        <polyline id="throughput-line" class="line rate" points=move || throughput.with(|t| t.0.clone()) />
                    </svg>
                </figure>
                <figure>
                    <figcaption>
                        {t!("Latency over time: ", "Latence dans le temps : ")} <span class="p50">"p50"</span> {t!(" and ", " et ")}
                        <span class="p99">"p99"</span>
                        {move || series.with(|s| !s.is_empty()).then(|| view! {
                            {t!(" (top: ", " (haut : ")} {move || crate::i18n::latency(latency.with(|l| l.3) as u64)} ")"
                        })}
                    </figcaption>
                    <svg viewBox=view_box.clone() role="img" aria-label=t!("Latency over time", "Latence dans le temps")>
                        {move || series.with(|s| !s.is_empty()).then(|| {
                            let (max_x, max_y) = latency.with(|l| (l.2, l.3));
                            // In ms: the latencies are in µs.
                            axes(time_ticks(max_x), value_ticks(max_y / 1000.0, |ms, d| format!("{} ms", crate::i18n::number(ms, d))))
                        })}
                        <polyline class="line p50" points=move || latency.with(|l| l.0.clone()) />
                        <polyline class="line p99" points=move || latency.with(|l| l.1.clone()) />
                    </svg>
                </figure>
                <figure>
                    <figcaption>
                        {t!("Latency histogram (log scale) ", "Histogramme des latences (échelle log) ")}
                        <span id="percentiles">
                            {move || percentiles.get().map(|(p50, p95, p99)| {
                                format!("p50 {} · p95 {} · p99 {}", crate::i18n::latency(p50), crate::i18n::latency(p95), crate::i18n::latency(p99))
                            })}
                        </span>
                    </figcaption>
                    <svg viewBox=view_box role="img" aria-label=t!("Latency histogram", "Histogramme des latences")>
                        {axes(latency_ticks(), Vec::new())}
                        {move || {
                            let bins = histogram.get();
                            let most = bins.iter().copied().max().unwrap_or(0).max(1);
                            let (w, h) = plot();
                            let width = w / LATENCY_BINS as f64;
                            bins.iter()
                                .enumerate()
                                .filter(|(_, n)| **n > 0)
                                .map(|(i, n)| {
                                    let bar = f64::from(*n) / f64::from(most) * h;
                                    view! {
                                        <rect
                                            class="bin"
                                            x=format!("{:.1}", LEFT + i as f64 * width + 0.5)
                                            y=format!("{:.1}", TOP + h - bar)
                                            width=format!("{:.1}", (width - 1.0).max(0.5))
                                            height=format!("{bar:.1}")
                                        />
                                    }
                                })
                                .collect_view()
                        }}
                        {move || percentiles.get().map(|(p50, p95, p99)| {
                            let (w, h) = plot();
                            [("p50", p50), ("p95", p95), ("p99", p99)]
                                .into_iter()
                                .map(|(name, us)| {
                                    let x = format!("{:.1}", LEFT + latency_scale(us) * w);
                                    view! { <line class=format!("mark {name}") x1=x.clone() x2=x y1=TOP.to_string() y2=(TOP + h).to_string() /> }
                                })
                                .collect_view()
                        })}
                    </svg>
                </figure>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_axis_is_in_ms_under_two_seconds_and_in_s_above() {
        let short: Vec<String> = time_ticks(800.0).into_iter().map(|t| t.label).collect();
        assert_eq!(short, ["0 ms", "200 ms", "400 ms", "600 ms", "800 ms"]);
        let long = time_ticks(12_000.0);
        let labels: Vec<&str> = long.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0 s", "5 s", "10 s"]);
        assert_eq!(long[0].at, LEFT, "0 at the left of the plot");
    }

    #[test]
    fn values_rise_from_the_bottom_of_the_plot() {
        let y = value_ticks(100.0, |v, _| format!("{v}"));
        assert_eq!(y[0].at, H - BOTTOM, "0 at the bottom");
        assert_eq!(y.last().map(|t| (t.at, t.label.as_str())), Some((TOP, "100")));
        assert_eq!(rate_label(25_000.0, 0), "25k");
        assert_eq!(rate_label(1_500_000.0, 0), "1.5M");
    }
}
