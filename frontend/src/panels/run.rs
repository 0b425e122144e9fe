//! The run panel: count, Send and Stop, progress and totals, always at hand.

use leptos::prelude::*;
use shared::protocol::{CircuitState, Command, RunMode};

use crate::context::Ctx;
use crate::i18n::{lang, say};
use crate::model::Connection;
use crate::t;

/// How many to send, the buttons, and how the run goes.
#[component]
pub fn RunPanel() -> impl IntoView {
    view! {
        <section class="panel" id="run">
            <RunControls />
            <RunOptions />
            <RunNotices />
            <RunSummary />
        </section>
    }
}

/// The count, Send and Stop, and the mode.
#[component]
fn RunControls() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let count_error = move || ctx.form.with(|f| f.error_for("count"));
    let running = move || ctx.page.with(|p| p.running());
    let connected = move || ctx.connection.get() == Connection::Open;
    view! {
    <div class="run-controls">
        <div class="field count" class:invalid=move || count_error().is_some()>
            <label for="count">{t!("Messages", "Messages")}</label>
            <input
                id="count"
                type="text"
                inputmode="numeric"
                prop:value=move || ctx.form.with(|f| f.count.clone())
                on:input=move |ev| ctx.form.update(|f| f.count = event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && connected() && !running() {
                        ctx.send_run();
                    }
                }
            />
        </div>
        <button
            id="send"
            class="primary"
            prop:disabled=move || running() || !connected()
            on:click=move |_| ctx.send_run()
        >
            {t!("Send", "Envoyer")}
        </button>
        <button id="stop" prop:disabled=move || !running() on:click=move |_| ctx.send(Command::Stop)>
            {t!("Stop", "Arrêter")}
        </button>
        <fieldset class="mode">
            <legend class="sr-only">{t!("Mode", "Mode")}</legend>
            {[(RunMode::Sync, "sync"), (RunMode::Pipelined, "pipelined")]
                .into_iter()
                .map(|(mode, name)| {
                    let id = format!("mode-{name}");
                    let label_for = id.clone();
                    view! {
                        <label class="radio" for=label_for>
                            <input
                                type="radio"
                                name="mode"
                                id=id
                                prop:checked=move || ctx.form.with(|f| f.mode == mode)
                                on:change=move |_| ctx.form.update(|f| f.mode = mode)
                            />
                            {name}
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
        <p class="doc">
            {move || match ctx.form.with(|f| f.mode) {
                RunMode::Sync => t!(lang(); "One at a time, each awaiting its delivery report, as in the lab.", "Un à la fois, chacun attend son rapport de livraison, comme dans le lab."),
                RunMode::Pipelined => t!(lang(); "Many in flight; delivery reports come back as they arrive.", "Beaucoup en vol ; les rapports de livraison reviennent à mesure."),
            }}
        </p>
    </div>
    }
}

/// The rate and the circuit breaker.
#[component]
fn RunOptions() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
    <div class="run-options">
        <div class="field rate" class:invalid=move || ctx.form.with(|f| f.error_for("rate")).is_some()>
            <label for="rate">{t!("Rate (msgs/s)", "Débit (msgs/s)")}</label>
            <input
                id="rate"
                type="text"
                inputmode="numeric"
                placeholder=t!("as fast as it goes", "au plus vite")
                prop:value=move || ctx.form.with(|f| f.rate.clone())
                on:input=move |ev| ctx.form.update(|f| f.rate = event_target_value(&ev))
            />
        </div>
        <label class="radio" for="circuit">
            <input
                id="circuit"
                type="checkbox"
                prop:checked=move || ctx.form.with(|f| f.circuit)
                on:change=move |ev| ctx.form.update(|f| f.circuit = event_target_checked(&ev))
            />
            {t!("Circuit breaker (Ex. 6)", "Disjoncteur (Ex. 6)")}
        </label>
        <Show when=move || ctx.form.with(|f| f.circuit)>
            <label class="inline" for="circuit-threshold">{t!("opens after", "s'ouvre après")}</label>
            <input
                id="circuit-threshold"
                class="short"
                type="text"
                inputmode="numeric"
                prop:value=move || ctx.form.with(|f| f.circuit_threshold.clone())
                on:input=move |ev| ctx.form.update(|f| f.circuit_threshold = event_target_value(&ev))
            />
            <label class="inline" for="circuit-open-ms">{t!("failures, for (ms)", "échecs, pendant (ms)")}</label>
            <input
                id="circuit-open-ms"
                class="short"
                type="text"
                inputmode="numeric"
                prop:value=move || ctx.form.with(|f| f.circuit_open_ms.clone())
                on:input=move |ev| ctx.form.update(|f| f.circuit_open_ms = event_target_value(&ev))
            />
        </Show>
        {move || {
            let state = ctx.page.with(|p| p.run.as_ref().and_then(|r| r.stats.as_ref()?.circuit))?;
            let (class, text) = match state {
                CircuitState::Closed => ("badge badge-ok", t!("circuit closed", "circuit fermé")),
                CircuitState::Open => ("badge badge-bad", t!("circuit open: failing fast", "circuit ouvert : échec immédiat")),
                CircuitState::HalfOpen => ("badge badge-wait", t!("circuit half-open: one trial", "circuit semi-ouvert : un essai")),
            };
            Some(view! { <span id="circuit-state" class=class>{text}</span> })
        }}
    </div>
    }
}

/// The server's limits, and why a run was refused.
#[component]
fn RunNotices() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
    {move || {
        // A workshop server's limits, where they bite: beside the count and rate.
        let limits = ctx.page.with(|p| p.hello.as_ref().map(|h| h.limits))?;
        (limits != shared::protocol::Limits::default()).then(|| {
            let rate = limits.rate.map(|r| r.to_string()).unwrap_or_else(|| "∞".into());
            let (m, b, f, s) = (limits.messages_per_run, limits.message_bytes, limits.in_flight, limits.in_flight_per_session);
            view! {
                <p class="hint" id="limits">
                    {t!(lang(); "This server allows up to {m} messages per run, {b} bytes a message, {rate} msgs/s, one run at a time, and {f} messages in flight across the class, {s} of them per trainee (past it, sends wait).", "Ce serveur permet jusqu'à {m} messages par envoi, {b} octets par message, {rate} msgs/s, un envoi à la fois, et {f} messages en vol pour toute la classe, dont {s} par stagiaire (au-delà, les envois attendent).")}
                </p>
            }
        })
    }}
    <p class="error count-error">
        {move || {
            ["count", "rate", "failure_threshold", "open_ms"]
                .into_iter()
                .find_map(|field| ctx.form.with(|f| f.error_for(field)))
                .map(|p| say(&p))
        }}
    </p>
    <p id="notice" class="notice" role="alert">
        {move || {
            let notice = ctx.notice.get()?;
            // Fields to fix: list them, as they are now.
            let fields = ctx.form.with(|f| f.request().err()).unwrap_or_default();
            let details = fields.iter().map(|e| say(&e.problem)).collect::<Vec<_>>().join("; ");
            Some(if details.is_empty() { say(&notice) } else { format!("{}: {details}", say(&notice)) })
        }}
    </p>
    <p id="server-error" class="notice" role="alert">
        {move || {
            ctx.page.with(|p| {
                p.error.as_ref().map(|e| {
                    let mut text = say(&e.problem);
                    // A field's problem that is the refusal itself is not said twice.
                    for field in e.fields.iter().filter(|f| f.problem != e.problem) {
                        text.push_str("; ");
                        text.push_str(&say(&field.problem));
                    }
                    t!(lang(); "The server refused: {text}", "Le serveur a refusé : {text}")
                })
            })
        }}
    </p>
    }
}

/// A paced run's latency from each message's intended send time, the way the
/// OpenMessaging Benchmark measures its publish delay: a producer that fell behind its
/// schedule shows there, where the latency from the send hides the wait.
fn from_intended(s: &shared::protocol::RunStats) -> Option<String> {
    let p = s.from_intended.filter(|_| s.delivered > 0)?;
    let [p50, p95, p99] = [p.p50_us, p.p95_us, p.p99_us].map(crate::i18n::latency);
    let mut text = t!(lang(); "From each message's intended send time: p50 {p50} · p95 {p95} · p99 {p99}", "Depuis l'heure d'envoi prévue de chaque message : p50 {p50} · p95 {p95} · p99 {p99}");
    // Behind by more than a few milliseconds and twice the latency from the send.
    if p.p99_us > 2 * s.p99_us && p.p99_us > s.p99_us + 10_000 {
        text += &t!(lang(); ". The producer fell behind its rate: messages waited before they were sent, which the latency from the send does not count.", ". Le producer a pris du retard sur son débit : des messages ont attendu avant d'être envoyés, ce que la latence depuis l'envoi ne compte pas.");
    }
    Some(text)
}

/// How the run goes: its status, figures, progress and totals.
#[component]
fn RunSummary() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let summary = move || {
        ctx.page.with(|p| {
            let run = p.run.as_ref()?;
            let done = run.outcomes();
            let n = |x: u64| crate::i18n::number(x as f64, 0);
            let status = match &run.finished {
                None => {
                    let (done, count) = (n(done as u64), n(run.count.into()));
                    t!(lang(); "Run {}: {done} / {count} …", "Envoi {} : {done} / {count} …", run.run)
                }
                Some(f) if f.stopped => t!(lang(); "Run {} stopped: {} sent", "Envoi {} arrêté : {} envoyés", run.run, f.sent),
                Some(f) => t!(lang(); "Run {} finished in {} ms, producer flushed", "Envoi {} terminé en {} ms, producer vidé (Flush)", run.run, f.elapsed_ms),
            };
            let figures = run.stats.as_ref().map(|s| {
                // Percentiles of nothing would read as 0 ms: say there is no latency yet.
                let latency = if s.delivered == 0 {
                    t!(lang(); "no delivery yet", "aucune livraison encore")
                } else {
                    format!(
                        "p50 {} · p95 {} · p99 {}",
                        crate::i18n::latency(s.p50_us),
                        crate::i18n::latency(s.p95_us),
                        crate::i18n::latency(s.p99_us)
                    )
                };
                let eta = match run.seconds_left() {
                    Some(secs) if secs >= 1.0 => {
                        let secs = crate::i18n::number(secs, 0);
                        t!(lang(); " · about {secs} s left", " · environ {secs} s restantes")
                    }
                    Some(_) => t!(lang(); " · any moment now", " · d'un instant à l'autre"),
                    None => String::new(),
                };
                let (rate, in_flight) = (crate::i18n::number(s.msgs_per_sec, 0), n(s.in_flight));
                t!(lang(); "{rate} msgs/s · {latency} · {in_flight} in flight{eta}", "{rate} msgs/s · {latency} · {in_flight} en vol{eta}")
            });
            let (delivered, failed) = match &run.stats {
                // The server's counts are exact even when it sends only a sample of rows.
                Some(s) => (s.delivered as usize, s.failed as usize),
                None => (run.delivered(), run.failed()),
            };
            let done = done.max(delivered + failed);
            let intended = run.stats.as_ref().and_then(from_intended);
            let breakdown = crate::model::run_breakdown(p).map(|[queue, wait, rtt]| {
                let [queue, wait, rtt] = [queue, wait, rtt].map(|us| crate::i18n::latency(us.max(0) as u64));
                t!(lang(); "Where the latency goes (librdkafka's averages): {queue} in the producer · {wait} waiting to send · {rtt} round trip", "Où passe la latence (moyennes de librdkafka) : {queue} dans le producer · {wait} d'attente d'envoi · {rtt} d'aller-retour")
            });
            Some((status, delivered, failed, done as f64 / f64::from(run.count.max(1)), figures, (intended, breakdown)))
        })
    };
    view! {
    {move || match summary() {
        None => view! {
            <p class="hint">{t!("Press Send to produce the lab's orders.", "Appuyez sur Envoyer pour produire les commandes du lab.")}</p>
        }
        .into_any(),
        Some((status, delivered, failed, progress, figures, (intended, breakdown))) => view! {
            <p id="run-status">{status}</p>
            <p id="run-figures" class="figures">{figures}</p>
            {intended.map(|text| view! { <p id="run-intended" class="figures">{text}</p> })}
            {breakdown.map(|text| view! { <p id="run-breakdown" class="figures">{text}</p> })}
            <progress max="1" value=progress.to_string()></progress>
            <p class="totals">
                <span class="ok" id="delivered-total">{
                    let n = crate::i18n::number(delivered as f64, 0);
                    match (lang(), crate::i18n::singular(delivered as f64)) {
                        (crate::i18n::Lang::Fr, true) => format!("{n} livré"),
                        (crate::i18n::Lang::Fr, false) => format!("{n} livrés"),
                        (crate::i18n::Lang::En, _) => format!("{n} delivered"),
                    }
                }</span>
                <span class="bad" id="failed-total">{
                    let n = crate::i18n::number(failed as f64, 0);
                    t!(lang(); "{n} failed", "{n} en échec")
                }</span>
            </p>
        }
        .into_any(),
    }}
    }
}
