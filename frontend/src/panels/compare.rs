//! Compare: two to four of the session's runs overlaid (latency distributions, a table
//! of what differs and what came of it), the one-click experiments that make such runs,
//! and the figures as CSV or the chart as an SVG image.

use leptos::prelude::*;
use shared::protocol::{Command, Experiment, ProduceRequest};
use wasm_bindgen::JsCast;

use crate::compare::{self, AT_MOST, COLOURS, Summary};
use crate::context::Ctx;
use crate::i18n::lang;
use crate::t;

/// A `data:` address holding `text`, for a download link.
fn data_url(mime: &str, text: &str) -> String {
    format!("data:{mime};charset=utf-8,{}", String::from(js_sys::encode_uri_component(text)))
}

/// The runs kept, the ones chosen, the experiments, the chart and the table.
#[component]
pub fn ComparePanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let chosen = RwSignal::new(Vec::<u64>::new());
    // An experiment's runs still to send, and the last run before it began.
    let queue = RwSignal::new(Vec::<ProduceRequest>::new());
    let began_after = RwSignal::new(None::<(u64, Experiment)>);
    let with_idempotence = RwSignal::new(false);

    // One experiment run after another: the next goes once the last one finished; when
    // none is left, its runs are the ones compared.
    // The next run waits for the last one's statistics too (within a second): they say
    // where its latency went, and must not mix two runs.
    let finished = Memo::new(move |_| {
        ctx.page.with(|p| p.summaries.last().map(|s| (p.summaries.len(), s.run, s.breakdown_us.is_some())))
    });
    Effect::new(move |_| {
        // `get`, not `track`: a memo only tracked is not re-run on a change.
        let last = finished.get();
        if ctx.page.with_untracked(|p| p.running()) || last.is_some_and(|(_, _, told)| !told) {
            return;
        }
        let next = queue.try_update(|q| (!q.is_empty()).then(|| q.remove(0))).flatten();
        match next {
            Some(request) => ctx.send_request(request),
            None => {
                if let Some((after, experiment)) = began_after.get_untracked() {
                    began_after.set(None);
                    let (runs, result) = ctx.page.with_untracked(|p| {
                        let runs: Vec<&Summary> = p.summaries.iter().filter(|s| s.run > after).take(AT_MOST).collect();
                        (runs.iter().map(|s| s.run).collect(), compare::result(experiment, &runs))
                    });
                    chosen.set(runs);
                    // For the instructor's class comparison; not the trainee's action, so
                    // a closed socket is not theirs to be told about.
                    if !result.runs.is_empty() {
                        let _ = crate::ws::send(&Command::Experiment { result });
                    }
                }
            }
        }
    });
    let start = move |experiment: Experiment| {
        let Ok(base) = ctx.form.with_untracked(|f| f.request()) else {
            ctx.send_run(); // says what to fix
            return;
        };
        let mut runs = compare::requests(experiment, &base, with_idempotence.get_untracked());
        let last = ctx.page.with_untracked(|p| p.summaries.last().map_or(0, |s| s.run));
        began_after.set(Some((last, experiment)));
        let first = runs.remove(0);
        queue.set(runs);
        ctx.send_request(first);
    };

    // A memo: the page changes with every delivery, the runs compared only when one ends.
    let picked = Memo::new(move |_| {
        let chosen = chosen.get();
        ctx.page.with(|p| p.summaries.iter().filter(|s| chosen.contains(&s.run)).cloned().collect::<Vec<Summary>>())
    });
    let toggle = move |run: u64| {
        chosen.update(|c| {
            if let Some(at) = c.iter().position(|r| *r == run) {
                c.remove(at);
            } else if c.len() < AT_MOST {
                c.push(run);
                c.sort_unstable();
            }
        });
    };
    view! {
        <section class="panel" id="compare">
            <h2>{t!("Compare runs", "Comparer des envois")}</h2>
            <div class="actions experiments">
                {Experiment::ALL
                    .into_iter()
                    .map(|e| {
                        let id = match e {
                            Experiment::AcksLadder => "experiment-acks",
                            Experiment::Linger => "experiment-linger",
                            Experiment::SyncOrPipelined => "experiment-modes",
                        };
                        view! {
                            <button id=id disabled=move || !queue.with(Vec::is_empty) || ctx.page.with(|p| p.running()) on:click=move |_| start(e)>
                                {move || compare::experiment_name(e)}
                            </button>
                        }
                    })
                    .collect_view()}
                <label class="check" for="experiment-idempotence">
                    <input type="checkbox" id="experiment-idempotence" prop:checked=move || with_idempotence.get()
                        on:change=move |ev| with_idempotence.set(event_target_checked(&ev)) />
                    {t!("+ acks=all with idempotence", "+ acks=all avec idempotence")}
                </label>
            </div>
            <p class="doc">
                {t!(
                    "Each experiment sends the form's messages once per setting, one run after another, then compares them here.",
                    "Chaque expérience envoie les messages du formulaire une fois par réglage, un envoi après l'autre, puis les compare ici."
                )}
            </p>
            <RunChooser chosen toggle />
            {move || {
                let runs = picked.get();
                (runs.len() >= 2).then(|| view! { <Comparison runs /> })
            }}
        </section>
    }
}

/// The runs kept, each a checkbox.
#[component]
fn RunChooser(chosen: RwSignal<Vec<u64>>, toggle: impl Fn(u64) + Copy + Send + Sync + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <ul class="run-chooser" id="run-chooser">
            {move || {
                ctx.page.with(|p| {
                    p.summaries
                        .iter()
                        .rev()
                        .map(|s| {
                            let run = s.run;
                            let mode = s.request.mode.as_str();
                            let line = format!(
                                "{} {run} · acks={} · linger.ms={} · {mode} · {} · {:.0} msgs/s",
                                t!(lang(); "Run", "Envoi"),
                                s.request.settings.acks.as_str(),
                                s.request.settings.linger_ms,
                                s.delivered,
                                s.msgs_per_sec()
                            );
                            let id = format!("compare-run-{run}");
                            let label_for = id.clone();
                            view! {
                                <li>
                                    <label class="check" for=label_for>
                                        <input type="checkbox" id=id prop:checked=move || chosen.with(|c| c.contains(&run))
                                            on:change=move |_| toggle(run) />
                                        {line}
                                    </label>
                                </li>
                            }
                        })
                        .collect_view()
                })
            }}
        </ul>
        <Show when=move || ctx.page.with(|p| p.summaries.len() < 2)>
            <p class="hint">{t!("Finished runs appear here: choose two to four.", "Les envois terminés apparaissent ici : choisissez-en deux à quatre.")}</p>
        </Show>
    }
}

/// Two to four runs overlaid, with the table of what differs and the downloads.
#[component]
fn Comparison(runs: Vec<Summary>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let refs: Vec<&Summary> = runs.iter().collect();
    let svg = compare::latency_svg(&refs);
    let throughput = compare::throughput_svg(&refs);
    let throughput_html = throughput.clone();
    let csv = compare::csv(&refs);
    let names = compare::labels(&refs);
    let requests: Vec<&ProduceRequest> = refs.iter().map(|s| &s.request).collect();
    let differ = compare::differences(&requests);
    let acks_differ = differ.iter().any(|(name, _)| name == "acks");
    let first = runs[0].msgs_per_sec().max(1e-9);
    // Paced runs only: the p99 from each message's intended send time.
    let paced = runs.iter().any(|s| s.from_intended_us.is_some());
    let rows = runs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let cells = differ.iter().map(|(_, values)| view! { <td>{values[i].clone()}</td> }).collect_view();
            let [p50, _, p99] = s.percentiles_us;
            view! {
                <tr data-run=s.run>
                    <td><span class="swatch" style=format!("background:{}", COLOURS[i % COLOURS.len()])></span>{s.run}</td>
                    {cells}
                    <td class="num">{crate::i18n::number(s.msgs_per_sec(), 0)}</td>
                    <td class="num">{crate::i18n::latency(p50)}</td>
                    <td class="num">{crate::i18n::latency(p99)}</td>
                    <td class="num">{s.failed}</td>
                    <td class="num">{format!("×{}", crate::i18n::number(s.msgs_per_sec() / first, 2))}</td>
                    {match s.breakdown_us {
                        Some([queue, wait, rtt]) => view! {
                            <td class="num in-producer">{crate::i18n::latency(queue.max(0) as u64)}</td>
                            <td class="num waiting">{crate::i18n::latency(wait.max(0) as u64)}</td>
                            <td class="num round-trip">{crate::i18n::latency(rtt.max(0) as u64)}</td>
                        }.into_any(),
                        None => view! { <td></td><td></td><td></td> }.into_any(),
                    }}
                    {paced.then(|| view! {
                        <td class="num from-intended">{s.from_intended_us.map(|[_, _, p99]| crate::i18n::latency(p99))}</td>
                    })}
                </tr>
            }
        })
        .collect_view();
    let heads = differ.iter().map(|(name, _)| view! { <th><code>{name.clone()}</code></th> }).collect_view();
    view! {
        <figure class="compare-figure">
            <div id="compare-chart" inner_html=svg.clone()></div>
            <div id="compare-throughput" inner_html=throughput_html></div>
            <figcaption class="sr-only">{names.join("; ")}</figcaption>
        </figure>
        <table id="compare-table">
            <thead>
                <tr>
                    <th>{t!("Run", "Envoi")}</th>
                    {heads}
                    <th>"msgs/s"</th>
                    <th>"p50"</th>
                    <th>"p99"</th>
                    <th>{t!("failed", "échecs")}</th>
                    <th>{t!("vs first", "vs premier")}</th>
                    <th title=t!("librdkafka int_latency: linger and batching", "int_latency de librdkafka : linger et batching")>{t!("in the producer", "dans le producer")}</th>
                    <th title=t!("librdkafka outbuf_latency", "outbuf_latency de librdkafka")>{t!("waiting to send", "attente d'envoi")}</th>
                    <th title=t!("librdkafka rtt: the network and the broker", "rtt de librdkafka : le réseau et le broker")>{t!("round trip", "aller-retour")}</th>
                    {paced.then(|| view! {
                        <th title=t!("From each message's intended send time: a producer behind its rate shows here", "Depuis l'heure d'envoi prévue de chaque message : un producer en retard sur son débit se voit ici")>
                            {t!("p99 from intended", "p99 depuis prévu")}
                        </th>
                    })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="doc">
            {t!(
                "Where the latency went: librdkafka's own averages (int_latency, outbuf_latency, rtt) over its statistics window after each run, across the brokers it used. A message's latency is about their sum.",
                "Où est passée la latence : les moyennes de librdkafka lui-même (int_latency, outbuf_latency, rtt) sur sa fenêtre de statistiques après chaque envoi, sur les brokers utilisés. La latence d'un message en est à peu près la somme."
            )}
        </p>
        <Show when=move || acks_differ && ctx.embedded()>
            <p class="honest" id="compare-honest">
                {t!(
                    "Embedded cluster: acks=1 and acks=all come out alike here, since the mock does not replicate (no follower to wait for); acks=0 gets no offset, since the broker does not answer. On a real cluster the difference is measured.",
                    "Cluster embarqué : acks=1 et acks=all donnent ici la même chose, car le mock ne réplique pas (aucun follower à attendre) ; acks=0 n'a pas d'offset, car le broker ne répond pas. Sur un vrai cluster, la différence se mesure."
                )}
            </p>
        </Show>
        <div class="actions">
            <a id="compare-csv" class="button" download="runs.csv" href=data_url("text/csv", &csv)>{t!("Download CSV", "Télécharger le CSV")}</a>
            <a id="compare-svg" class="button" download="runs.svg" href=data_url("image/svg+xml", &svg)>{t!("Download the chart (SVG)", "Télécharger le graphique (SVG)")}</a>
            <PngDownload charts=vec![svg.clone(), throughput.clone()] />
        </div>
    }
}

/// Both charts as one PNG image: made on a click (the browser draws the SVGs on a
/// canvas), then downloaded; the link stays to download it again.
#[component]
fn PngDownload(charts: Vec<String>) -> impl IntoView {
    let image = RwSignal::new(None::<String>);
    let make = move |_| {
        let charts = charts.clone();
        leptos::task::spawn_local(async move {
            match crate::image::png(&charts, (compare::SVG_W, compare::SVG_H)).await {
                Ok(url) => image.set(Some(url)),
                Err(e) => web_sys::console::warn_1(&e),
            }
        });
    };
    // Once made, the download starts by itself.
    Effect::new(move |_| {
        if image.with(Option::is_some)
            && let Some(link) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("compare-png"))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            link.click();
        }
    });
    view! {
        <button id="compare-png-make" class="button" on:click=make>{t!("Download the charts (PNG)", "Télécharger les graphiques (PNG)")}</button>
        {move || image.get().map(|url| view! {
            <a id="compare-png" class="button" download="runs.png" href=url>{t!("runs.png", "runs.png")}</a>
        })}
    }
}
