//! Charts drawn as SVG: throughput and latency over time, and the latency histogram
//! with its p50, p95 and p99. Fed by the server's coalesced `stats`, so a million
//! deliveries cost the page a few points a second.

use leptos::prelude::*;

use crate::context::Ctx;
use crate::model::{LATENCY_BINS, Point, latency_scale};
use crate::t;

const W: f64 = 600.0;
const H: f64 = 140.0;

/// `points` (x, y) scaled into the chart as an SVG polyline's `points`.
fn polyline(points: impl Iterator<Item = (f64, f64)>, max_x: f64, max_y: f64) -> String {
    points
        .map(|(x, y)| format!("{:.1},{:.1}", x / max_x.max(1e-9) * W, H - y / max_y.max(1e-9) * (H - 10.0)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn bin_x(latency_us: u64) -> f64 {
    latency_scale(latency_us) * W
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
    let throughput = move || {
        let s: Vec<Point> = series.get();
        let max_x = s.last().map_or(1.0, |p| p.elapsed_ms as f64);
        let max_y = s.iter().map(|p| p.msgs_per_sec).fold(1.0, f64::max);
        (polyline(s.iter().map(|p| (p.elapsed_ms as f64, p.msgs_per_sec)), max_x, max_y), max_y)
    };
    let latency = move || {
        let s: Vec<Point> = series.get();
        let max_x = s.last().map_or(1.0, |p| p.elapsed_ms as f64);
        let max_y = s.iter().map(|p| p.p99_us as f64).fold(1.0, f64::max);
        let p50 = polyline(s.iter().map(|p| (p.elapsed_ms as f64, p.p50_us as f64)), max_x, max_y);
        let p99 = polyline(s.iter().map(|p| (p.elapsed_ms as f64, p.p99_us as f64)), max_x, max_y);
        (p50, p99, max_y as u64)
    };
    view! {
        <section class="panel" id="charts">
            <h2>{t!("Throughput and latency", "Débit et latence")}</h2>
            <div class="charts">
                <figure>
                    <figcaption>
                        {t!("Throughput, msgs/s (top: ", "Débit, msgs/s (haut : ")} <span id="chart-max-rate">{move || format!("{:.0}", throughput().1)}</span> ")"
                    </figcaption>
                    <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img" aria-label=t!("Throughput over time", "Débit dans le temps")>
                        <polyline id="throughput-line" class="line rate" points=move || throughput().0 />
                    </svg>
                </figure>
                <figure>
                    <figcaption>
                        {t!("Latency over time: ", "Latence dans le temps : ")} <span class="p50">"p50"</span> {t!(" and ", " et ")}
                        <span class="p99">"p99"</span> {t!(" (top: ", " (haut : ")} {move || crate::i18n::latency(latency().2)} ")"
                    </figcaption>
                    <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img" aria-label=t!("Latency over time", "Latence dans le temps")>
                        <polyline class="line p50" points=move || latency().0 />
                        <polyline class="line p99" points=move || latency().1 />
                    </svg>
                </figure>
                <figure>
                    <figcaption>
                        {t!("Latency histogram (log scale, 10 µs to 100 s) ", "Histogramme des latences (échelle log, 10 µs à 100 s) ")}
                        <span id="percentiles">
                            {move || percentiles.get().map(|(p50, p95, p99)| {
                                format!("p50 {} · p95 {} · p99 {}", crate::i18n::latency(p50), crate::i18n::latency(p95), crate::i18n::latency(p99))
                            })}
                        </span>
                    </figcaption>
                    <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img" aria-label=t!("Latency histogram", "Histogramme des latences")>
                        {move || {
                            let bins = histogram.get();
                            let most = bins.iter().copied().max().unwrap_or(0).max(1);
                            let width = W / LATENCY_BINS as f64;
                            bins.iter()
                                .enumerate()
                                .filter(|(_, n)| **n > 0)
                                .map(|(i, n)| {
                                    let h = f64::from(*n) / f64::from(most) * (H - 10.0);
                                    view! {
                                        <rect
                                            class="bin"
                                            x=format!("{:.1}", i as f64 * width + 1.0)
                                            y=format!("{:.1}", H - h)
                                            width=format!("{:.1}", width - 2.0)
                                            height=format!("{h:.1}")
                                        />
                                    }
                                })
                                .collect_view()
                        }}
                        {move || percentiles.get().map(|(p50, p95, p99)| {
                            [("p50", p50), ("p95", p95), ("p99", p99)]
                                .into_iter()
                                .map(|(name, us)| {
                                    let x = format!("{:.1}", bin_x(us));
                                    view! { <line class=format!("mark {name}") x1=x.clone() x2=x y1="0" y2=H.to_string() /> }
                                })
                                .collect_view()
                        })}
                    </svg>
                </figure>
            </div>
        </section>
    }
}
