//! acks=1 losing acknowledged messages, shown on Apache Kafka started by the playground:
//! the button, the script's steps as they happen, and each acks level's run and read-back
//! (see [`crate::acks_loss`]).

use leptos::prelude::*;
use shared::protocol::FaultKind;
use shared::settings::Acks;

use crate::acks_loss::{self, AcksLoss, Action, Attempt, Phase, Seen, Stuck};
use crate::context::Ctx;
use crate::i18n::{Lang, lang};
use crate::t;

/// How often the script looks at the page.
const LOOK_EVERY_MS: u64 = 250;

/// What the step under way is doing, in words.
fn phase_words(script: &AcksLoss, lang: Lang) -> String {
    let level = acks_loss::acks_name(script.acks);
    let attempt = script.attempt;
    let followers =
        script.followers.iter().map(i32::to_string).collect::<Vec<_>>().join(t!(lang; " and ", " et ").as_str());
    let leader = script.leader;
    match &script.phase {
        Phase::InSync => {
            t!(lang; "{level}, attempt {attempt}: waiting for every replica to be in sync…", "{level}, essai {attempt} : en attente de toutes les répliques en synchro…")
        }
        Phase::WarmUp => {
            t!(lang; "{level}, attempt {attempt}: one message, so the producer knows partition 0's leader (broker {leader})…", "{level}, essai {attempt} : un message, pour que le producer connaisse le leader de la partition 0 (broker {leader})…")
        }
        Phase::Pausing => {
            t!(lang; "{level}, attempt {attempt}: followers {followers} frozen (SIGSTOP); waiting for their last fetch requests to expire at the leader…", "{level}, essai {attempt} : followers {followers} gelés (SIGSTOP) ; en attente de l'expiration de leurs dernières requêtes fetch chez le leader…")
        }
        Phase::Frozen => {
            t!(lang; "{level}, attempt {attempt}: followers {followers} frozen (SIGSTOP); {n} messages sent to leader {leader}…", "{level}, essai {attempt} : followers {followers} gelés (SIGSTOP) ; {n} messages envoyés au leader {leader}…", n = acks_loss::MESSAGES)
        }
        Phase::Failover => {
            t!(lang; "{level}, attempt {attempt}: leader {leader} crashed (SIGKILL), followers resumed; waiting for a new leader and the run's last outcome…", "{level}, essai {attempt} : leader {leader} planté (SIGKILL), followers relancés ; en attente d'un nouveau leader et du dernier résultat de l'envoi…")
        }
        Phase::Rejoin => {
            t!(lang; "{level}, attempt {attempt}: broker {leader} started again; waiting for it to truncate its log and be back in sync…", "{level}, essai {attempt} : broker {leader} redémarré ; en attente qu'il tronque son log et revienne en synchro…")
        }
        Phase::ReadBack => {
            t!(lang; "{level}, attempt {attempt}: reading partition 0 back…", "{level}, essai {attempt} : relecture de la partition 0…")
        }
        Phase::Done => t!(lang; "Done: both acks levels measured.", "Terminé : les deux niveaux d'acks sont mesurés."),
        Phase::GaveUp(stuck) => {
            let why = match stuck {
                Stuck::NotInSync => {
                    t!(lang; "the replicas did not all come back in sync in time", "les répliques ne sont pas toutes revenues en synchro à temps")
                }
                Stuck::WarmUpFailed => {
                    t!(lang; "the message before the faults was not delivered", "le message d'avant les pannes n'a pas été livré")
                }
                Stuck::NoFailover => {
                    t!(lang; "stopped before a new leader and the run's last outcome", "arrêté avant un nouveau leader et le dernier résultat de l'envoi")
                }
                Stuck::NoReadBack => t!(lang; "the read-back did not answer", "la relecture n'a pas répondu"),
                Stuck::Stopped => t!(lang; "you stopped it", "vous l'avez arrêtée"),
            };
            t!(lang; "Stopped: {why}. Every broker was started and resumed.", "Arrêté : {why}. Tous les brokers ont été démarrés et relancés.")
        }
    }
}

/// One attempt's row: what was sent, acknowledged, and found again.
fn attempt_row(attempt: &Attempt, of: u32) -> impl IntoView + use<> {
    let id = if attempt.acks == Acks::All { "acks-loss-all" } else { "acks-loss-one" };
    let level = acks_loss::acks_name(attempt.acks);
    let (number, leader, sent, failed) = (attempt.number, attempt.leader, attempt.sent, attempt.failed);
    let acked = attempt.acked.len();
    let lost = attempt.lost.len();
    let offsets = acks_loss::offset_ranges(attempt.lost.iter().map(|l| l.1));
    view! {
        <tr id=id class:lost={lost > 0}>
            <th scope="row">{level}</th>
            <td class="num">{move || t!(lang(); "{number} of {of}", "{number} sur {of}")}</td>
            <td class="num">{leader}</td>
            <td class="num">{sent}</td>
            <td class="num acked">{acked}</td>
            <td class="num">{failed}</td>
            <td class="num lost">{lost}</td>
            <td class="offsets">{if offsets.is_empty() { "—".to_owned() } else { offsets }}</td>
        </tr>
    }
}

/// What the runs showed, in a sentence per acks level, from their own figures.
fn conclusion(script: &AcksLoss, lang: Lang) -> Vec<String> {
    let mut said = Vec::new();
    if let Some(one) = script.acks_one() {
        let (acked, lost, leader) = (one.acked.len(), one.lost.len(), one.leader);
        said.push(if lost > 0 {
            let offsets = acks_loss::offset_ranges(one.lost.iter().map(|l| l.1));
            t!(lang; "acks=1: leader {leader} acknowledged {acked} messages on its own; it crashed, a follower that never had them was elected, and the read-back no longer finds {lost} of them (offsets {offsets}). Acknowledged, then lost.",
                "acks=1 : le leader {leader} a acquitté {acked} messages seul ; il a planté, un follower qui ne les avait jamais reçus a été élu, et la relecture n'en trouve plus {lost} (offsets {offsets}). Acquittés, puis perdus.")
        } else {
            let tries = script.attempts.iter().filter(|a| a.acks == Acks::One).count();
            t!(lang; "acks=1 lost nothing in {tries} attempts: it depends on timing (the leader must acknowledge before the frozen followers are fenced, 9 s). Run it again.",
                "acks=1 n'a rien perdu en {tries} essais : cela dépend du timing (le leader doit acquitter avant que les followers gelés soient écartés, 9 s). Relancez.")
        });
    }
    if let Some(all) = script.acks_all() {
        let (acked, lost, failed) = (all.acked.len(), all.lost.len(), all.failed);
        said.push(if lost == 0 {
            t!(lang; "acks=all: nothing was acknowledged while the followers were frozen; the producer retried on the new leader, {acked} messages were acknowledged and all {acked} are read back ({failed} failed, each with its delivery report).",
                "acks=all : rien n'a été acquitté tant que les followers étaient gelés ; le producer a réessayé sur le nouveau leader, {acked} messages ont été acquittés et les {acked} sont relus ({failed} en échec, chacun avec son rapport de livraison).")
        } else {
            t!(lang; "acks=all lost {lost} acknowledged messages: that is not what Kafka promises; look at the brokers' logs.",
                "acks=all a perdu {lost} messages acquittés : ce n'est pas ce que Kafka promet ; regardez les logs des brokers.")
        });
    }
    said
}

/// The experiment's panel, on Apache Kafka started by the playground only: the embedded
/// cluster cannot lose what it acknowledged (one log per partition), and the page says
/// so where it measures acks.
#[component]
pub fn AcksLossPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let script = RwSignal::new(None::<AcksLoss>);
    let on_kafka =
        Memo::new(move |_| ctx.page.with(|p| p.cluster.as_ref().and_then(|c| c.faults)) == Some(FaultKind::Process));
    let going = Memo::new(move |_| script.with(|s| s.as_ref().is_some_and(AcksLoss::going)));
    let running = Memo::new(move |_| ctx.page.with(|p| p.running()));

    let perform = move |actions: Vec<Action>| {
        for action in actions {
            match action {
                Action::Send(command) => ctx.send(command),
                Action::Produce(request) => ctx.send_request(request),
            }
        }
    };
    let look = move || {
        if !going.get_untracked() {
            return;
        }
        let now_ms = js_sys::Date::now();
        let actions = ctx.page.with_untracked(|p| {
            let seen = Seen {
                now_ms,
                cluster: p.cluster.as_ref(),
                run: p.run.as_ref(),
                running: p.running(),
                reads: &p.reads,
            };
            script.try_update(|s| s.as_mut().map(|s| s.step(&seen)).unwrap_or_default()).unwrap_or_default()
        });
        perform(actions);
    };
    if let Ok(handle) = set_interval_with_handle(look, std::time::Duration::from_millis(LOOK_EVERY_MS)) {
        on_cleanup(move || handle.clear());
    }
    let start = move |_| {
        let now_ms = js_sys::Date::now();
        // The trainee's own topic, where they have one.
        let topic = ctx.page.with_untracked(|p| p.joined.as_ref().and_then(|j| j.1.clone()));
        let topic = topic.unwrap_or_else(|| shared::lab::TOPIC.to_owned());
        script.set(Some(AcksLoss::new(&topic, &format!("{now_ms:.0}"), now_ms)));
        look();
    };
    let stop = move |_| {
        let actions = script.try_update(|s| s.as_mut().map(|s| s.stop(js_sys::Date::now()))).flatten();
        perform(actions.unwrap_or_default());
    };
    view! {
        <Show when=move || on_kafka.get()>
        <section class="panel" id="acks-loss" aria-labelledby="acks-loss-title">
            <h2 id="acks-loss-title">{t!("acks=1 losing acknowledged messages", "acks=1 qui perd des messages acquittés")}</h2>
            <p class="doc">
                {move || t!(lang();
                    "Partition 0's two followers are frozen (SIGSTOP) and {n} messages are sent to its leader; then the leader is crashed (SIGKILL), the followers resumed, and once a follower leads, the old leader is started again and partition 0 read back at every acknowledged offset. First with acks=1, then with acks=all (idempotent, retried for 2 minutes). The experiment sets these settings itself, not the form's.",
                    "Les deux followers de la partition 0 sont gelés (SIGSTOP) et {n} messages envoyés à son leader ; puis le leader est planté (SIGKILL), les followers relancés, et dès qu'un follower est leader, l'ancien leader redémarre et la partition 0 est relue à chaque offset acquitté. D'abord avec acks=1, puis avec acks=all (idempotent, réessayé 2 minutes). L'expérience fixe ces réglages elle-même, pas ceux du formulaire.",
                    n = acks_loss::MESSAGES)}
            </p>
            <p class="doc">
                {move || t!(lang();
                    "It depends on timing: the leader must acknowledge before the frozen followers are fenced (9 s without heartbeats). acks=1 is tried up to {n} times until it shows a loss. It takes a minute or two and stops and starts brokers for everyone on this cluster.",
                    "Cela dépend du timing : le leader doit acquitter avant que les followers gelés soient écartés (9 s sans heartbeat). acks=1 est essayé jusqu'à {n} fois, jusqu'à montrer une perte. Cela prend une à deux minutes et arrête et démarre des brokers pour tous ceux qui utilisent ce cluster.",
                    n = acks_loss::ATTEMPTS)}
            </p>
            <div class="actions">
                <button id="acks-loss-start" disabled=move || going.get() || running.get() on:click=start>
                    {t!("Crash the leader ahead of its followers", "Planter le leader devant ses followers")}
                </button>
                <Show when=move || going.get()>
                    <button id="acks-loss-stop" class="secondary" on:click=stop>{t!("Stop and restore the brokers", "Arrêter et rétablir les brokers")}</button>
                </Show>
            </div>
            <p id="acks-loss-phase" aria-live="polite">
                {move || script.with(|s| s.as_ref().map(|s| phase_words(s, lang())))}
            </p>
            <Show when=move || script.with(|s| s.as_ref().is_some_and(|s| !s.attempts.is_empty()))>
                <table class="acks-loss" id="acks-loss-result">
                    <thead>
                        <tr>
                            <th scope="col">"acks"</th>
                            <th scope="col">{t!("Attempt", "Essai")}</th>
                            <th scope="col">{t!("Leader", "Leader")}</th>
                            <th scope="col">{t!("Sent", "Envoyés")}</th>
                            <th scope="col">{t!("Acknowledged", "Acquittés")}</th>
                            <th scope="col">{t!("Failed", "En échec")}</th>
                            <th scope="col">{t!("Not read back", "Non relus")}</th>
                            <th scope="col">{t!("Offsets", "Offsets")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || script.with(|s| {
                            let Some(s) = s else { return Vec::new() };
                            let shown = [s.acks_one(), s.acks_all()];
                            shown.into_iter().flatten().map(|a| {
                                let of = if a.acks == Acks::One { acks_loss::ATTEMPTS } else { 1 };
                                attempt_row(a, of)
                            }).collect::<Vec<_>>()
                        })}
                    </tbody>
                </table>
            </Show>
            <div id="acks-loss-conclusion">
                {move || script.with(|s| {
                    s.as_ref().map(|s| conclusion(s, lang()).into_iter().map(|line| view! { <p>{line}</p> }).collect::<Vec<_>>())
                })}
            </div>
        </section>
        </Show>
    }
}
