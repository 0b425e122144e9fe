//! Compare: two to four of the session's runs overlaid (latency distributions, a table
//! of what differs and what came of it), the one-click experiments that make such runs,
//! and the figures as CSV or the chart as an SVG image.

use leptos::prelude::*;
use shared::protocol::{Command, Experiment, ProduceRequest};
use wasm_bindgen::JsCast;

use crate::acks_ladder::{self, Verdict};
use crate::compare::{self, AT_MOST, COLOURS};
use crate::context::Ctx;
use crate::i18n::lang;
use crate::model::Summary;
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
    // On a replicating cluster, the acks ladder's acks=1 / acks=all pair: the request it
    // repeats, which pair this is, and what the last one showed.
    let ladder_pair = RwSignal::new(None::<ProduceRequest>);
    let attempt = RwSignal::new(0_u32);
    let verdict = RwSignal::new(None::<Verdict>);
    // The experiment whose runs are compared now, for what the page says of them.
    let compared = RwSignal::new(None::<Experiment>);

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
                    // The ladder's pair judged: another pair while it does not show yet.
                    if let Some(base) = ladder_pair.get_untracked() {
                        let judged = ctx.page.with_untracked(|p| {
                            let runs: Vec<&Summary> = p.summaries.iter().filter(|s| s.run > after).collect();
                            acks_ladder::last_pair(&runs)
                                .map(|(one, all)| acks_ladder::verdict(one, all, attempt.get_untracked()))
                        });
                        if judged == Some(Verdict::Again) {
                            attempt.update(|a| *a += 1);
                            let mut next = acks_ladder::pair(&base);
                            let first = next.remove(0);
                            queue.set(next);
                            ctx.send_request(first);
                            return;
                        }
                        ladder_pair.set(None);
                        verdict.set(judged);
                    }
                    began_after.set(None);
                    let (runs, result) = ctx.page.with_untracked(|p| {
                        let mut runs: Vec<&Summary> = p.summaries.iter().filter(|s| s.run > after).collect();
                        if experiment == Experiment::AcksLadder {
                            let compared = acks_ladder::compared(&runs);
                            runs.retain(|s| compared.contains(&s.run));
                        }
                        runs.truncate(AT_MOST);
                        (runs.iter().map(|s| s.run).collect(), compare::result(experiment, &runs))
                    });
                    chosen.set(runs);
                    compared.set(Some(experiment));
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
        // On a replicating cluster the ladder measures replication: see `acks_ladder`.
        let replicating = experiment == Experiment::AcksLadder && !ctx.embedded();
        let base = if replicating { acks_ladder::on_replicating_cluster(&base) } else { base };
        ladder_pair.set(replicating.then(|| base.clone()));
        attempt.set(1);
        verdict.set(None);
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
            {move || (!ctx.embedded()).then(|| view! {
                <p class="doc" id="acks-ladder-how">
                    {t!(lang(); "Here the acks ladder sends at least {} messages one at a time (sync): each latency is then one round trip, acks=1 waiting for the leader, acks=all for every in-sync replica. It repeats acks=1 and acks=all, up to {} pairs, until acks=all is 5 % slower at p50 and p95.",
                        "Ici l'échelle des acks envoie au moins {} messages un par un (sync) : chaque latence est alors un aller-retour, acks=1 attendant le leader, acks=all chaque réplique in-sync. Elle répète acks=1 et acks=all, jusqu'à {} paires, tant qu'acks=all n'est pas 5 % plus lent au p50 et au p95.",
                        acks_ladder::MESSAGES, acks_ladder::ATTEMPTS)}
                </p>
            })}
            {move || {
                let attempt = attempt.get();
                ladder_pair.with(Option::is_some).then(|| view! {
                    <p class="doc" id="acks-ladder-attempt">
                        {t!(lang(); "acks=1 / acks=all, pair {} of at most {}…", "acks=1 / acks=all, paire {} sur {} au plus…", attempt, acks_ladder::ATTEMPTS)}
                    </p>
                })
            }}
            {move || verdict.get().map(|v| view! { <p class="verdict" id="acks-verdict">{verdict_text(&v)}</p> })}
            <p class="doc" id="linger-how">
                {t!(
                    "The linger.ms experiment sends pipelined (many messages in flight), whatever the form says: linger.ms lets a message wait for others to share its request, which only messages in flight together can. In sync mode, linger.ms only adds its wait.",
                    "L'expérience linger.ms envoie en pipeline (beaucoup de messages en vol), quoi que dise le formulaire : linger.ms laisse un message attendre d'autres pour partager sa requête, ce que seuls des messages en vol ensemble peuvent. En sync, linger.ms n'ajoute que son attente."
                )}
            </p>
            {move || (compared.get() == Some(Experiment::Linger)).then(|| {
                let effects = picked.with(|runs| compare::linger_effects(&runs.iter().collect::<Vec<_>>()));
                // Said from the trainee's figures: more than 5 % more msgs/s, or not.
                let paid = effects.iter().any(|e| e.1 > 1.05);
                let text = effects
                    .into_iter()
                    .map(|(linger, ratio, p50_ms)| {
                        let (ratio, ms) = (crate::i18n::number(ratio, 2), crate::i18n::number(p50_ms.abs(), 1));
                        if p50_ms >= 0.0 {
                            t!(lang(); "linger.ms={}: ×{} the msgs/s of linger.ms=0, p50 {} ms more", "linger.ms={} : ×{} les msgs/s de linger.ms=0, p50 {} ms de plus", linger, ratio, ms)
                        } else {
                            t!(lang(); "linger.ms={}: ×{} the msgs/s of linger.ms=0, p50 {} ms less", "linger.ms={} : ×{} les msgs/s de linger.ms=0, p50 {} ms de moins", linger, ratio, ms)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" · ");
                view! {
                    <p class="verdict" id="linger-result">
                        {text}
                        {if paid {
                            t!(lang();
                                ". Waiting bought fewer, larger requests: it pays when messages come faster than a round trip, as here.",
                                ". Attendre a acheté moins de requêtes, plus grosses : c'est rentable quand les messages arrivent plus vite qu'un aller-retour, comme ici.")
                        } else {
                            t!(lang();
                                ". Here it only added its wait: nothing to batch with these messages; try more.",
                                ". Ici l'attente n'a rien apporté : rien à regrouper avec ces messages ; essayez-en plus.")
                        }}
                    </p>
                }
            })}
            <RunChooser chosen toggle />
            {move || {
                // Drawn again in the other language: the charts' words are inside their SVG.
                let _ = lang();
                let runs = picked.get();
                (runs.len() >= 2).then(|| view! { <Comparison runs /> })
            }}
        </section>
    }
}

/// What the acks ladder's pairs showed, in the trainee's language.
fn verdict_text(verdict: &Verdict) -> String {
    let ratio = |r: f64| crate::i18n::number(r, 2);
    match *verdict {
        Verdict::Slower { p50, p95, attempt } => t!(lang();
            "Measured: acks=all slower than acks=1, p50 ×{}, p95 ×{} (pair {}). The leader answered only once the followers had fetched each message.",
            "Mesuré : acks=all plus lent qu'acks=1, p50 ×{}, p95 ×{} (paire {}). Le leader n'a répondu qu'une fois chaque message récupéré par les followers.",
            ratio(p50), ratio(p95), attempt),
        Verdict::NotShown { p50, p95 } => t!(lang();
            "Not shown in {} pairs: acks=all was not 5 % slower at p50 and p95 (last: p50 ×{}, p95 ×{}). On one machine the wait for followers can hide in the noise: try again.",
            "Pas montré en {} paires : acks=all n'a pas été 5 % plus lent au p50 et au p95 (dernière : p50 ×{}, p95 ×{}). Sur une machine, l'attente des followers peut se perdre dans le bruit : réessayez.",
            acks_ladder::ATTEMPTS, ratio(p50), ratio(p95)),
        Verdict::Failed { one, all } => t!(lang();
            "Not compared: messages failed (acks=1: {}, acks=all: {}). Below min.insync.replicas, acks=all is refused (NOT_ENOUGH_REPLICAS), acks=1 is not.",
            "Pas comparé : des messages ont échoué (acks=1 : {}, acks=all : {}). Sous min.insync.replicas, acks=all est refusé (NOT_ENOUGH_REPLICAS), pas acks=1.",
            one, all),
        Verdict::Again => String::new(),
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
                            let mode = compare::mode_name(s.request.mode);
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
            let cells = differ.iter().map(|(name, values)| view! { <td>{compare::shown(name, &values[i])}</td> }).collect_view();
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
