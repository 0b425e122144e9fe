//! The acks flow: what a produce request does for acks=0, 1 and all, each hop played
//! at the pace librdkafka measured for it, with a table saying which hops are measured
//! and which are not.

use leptos::prelude::*;
use shared::problem::Text;
use shared::settings::Acks;

use crate::i18n::lang;
use crate::t;

/// The steps of a delivery under `acks`, as words.
pub fn steps(acks: Acks) -> [Text; 3] {
    const SEND: Text = Text {
        en: "The producer sends the batch to the partition leader.",
        fr: "Le producer envoie le batch au leader de la partition.",
    };
    match acks {
        Acks::Zero => [
            SEND,
            Text {
                en: "It counts the message as delivered at once: no response is awaited, so there is no offset.",
                fr: "Il compte le message comme livré aussitôt : aucune réponse n'est attendue, donc pas d'offset.",
            },
            Text {
                en: "The leader writes it, or not: the producer never knows.",
                fr: "Le leader l'écrit, ou non : le producer ne le sait jamais.",
            },
        ],
        Acks::One => [
            SEND,
            Text {
                en: "The leader writes it to its log and answers with the offset: delivered.",
                fr: "Le leader l'écrit dans son log et répond avec l'offset : livré.",
            },
            Text {
                en: "The followers copy it afterwards; if the leader dies first, it is lost.",
                fr: "Les followers le copient ensuite ; si le leader meurt avant, il est perdu.",
            },
        ],
        Acks::All => [
            SEND,
            Text {
                en: "The leader waits until every in-sync replica has copied it (min.insync.replicas).",
                fr: "Le leader attend que chaque réplique synchronisée l'ait copié (min.insync.replicas).",
            },
            Text {
                en: "Then it answers with the offset: delivered, and it survives the leader's death.",
                fr: "Puis il répond avec l'offset : livré, et le message survit à la mort du leader.",
            },
        ],
    }
}

/// One hop of a delivery: what happens, how long it took, and where that figure comes
/// from (or why there is none).
#[derive(Clone, Debug, PartialEq)]
pub struct Hop {
    /// What happens.
    pub what: Text,
    /// Its duration, in microseconds, when measured.
    pub us: Option<i64>,
    /// Where the figure comes from, or why it is not measured.
    pub source: Text,
}

/// The hops of a delivery under `acks`, timed by librdkafka's `breakdown` (in the
/// producer, waiting to send, round trip: see [`crate::model::breakdown`]) when its
/// statistics came; `embedded` says the cluster does not replicate.
pub fn hops(acks: Acks, breakdown: Option<[i64; 3]>, embedded: bool) -> Vec<Hop> {
    let [queue, wait, rtt] = breakdown.map_or([None; 3], |b| b.map(|us| Some(us.max(0))));
    let not_yet = Text {
        en: "not measured yet: librdkafka's statistics come every second",
        fr: "pas encore mesuré : les statistiques de librdkafka arrivent chaque seconde",
    };
    let or_not_yet = |us: Option<i64>, source: Text| if us.is_some() { source } else { not_yet };
    let mut hops = vec![
        Hop {
            what: Text {
                en: "Waits in the producer for its batch (linger.ms, batch.size)",
                fr: "Attend dans le producer son batch (linger.ms, batch.size)",
            },
            us: queue,
            source: or_not_yet(
                queue,
                Text { en: "librdkafka int_latency, average", fr: "int_latency de librdkafka, moyenne" },
            ),
        },
        Hop {
            what: Text {
                en: "Waits for the connection to the leader (its output buffer)",
                fr: "Attend la connexion au leader (son tampon de sortie)",
            },
            us: wait,
            source: or_not_yet(
                wait,
                Text { en: "librdkafka outbuf_latency, average", fr: "outbuf_latency de librdkafka, moyenne" },
            ),
        },
    ];
    hops.push(match acks {
        Acks::Zero => Hop {
            what: Text { en: "Travels to the leader", fr: "Voyage jusqu'au leader" },
            us: None,
            source: Text {
                en: "not measured: with acks=0 no answer comes back, so nothing times it",
                fr: "pas mesuré : avec acks=0 aucune réponse ne revient, rien ne le chronomètre",
            },
        },
        Acks::One | Acks::All => Hop {
            what: Text {
                en: "Travels to the leader, is written, and the answer comes back",
                fr: "Voyage jusqu'au leader, est écrit, et la réponse revient",
            },
            us: rtt,
            source: or_not_yet(
                rtt,
                Text {
                    en: "librdkafka rtt, average: the wire both ways and the broker's time, measured as one",
                    fr: "rtt de librdkafka, moyenne : le réseau aller et retour et le temps du broker, mesurés ensemble",
                },
            ),
        },
    });
    let replication = match (acks, embedded) {
        (_, true) => Text {
            en: "none here: the embedded cluster does not replicate",
            fr: "aucune ici : le cluster embarqué ne réplique pas",
        },
        (Acks::All, false) => Text {
            en: "not measured on its own: it is inside the round trip above",
            fr: "pas mesuré à part : il est compris dans l'aller-retour ci-dessus",
        },
        (_, false) => Text {
            en: "not waited for: the answer does not wait for the copies",
            fr: "pas attendu : la réponse n'attend pas les copies",
        },
    };
    hops.push(Hop {
        what: Text { en: "The followers copy it", fr: "Les followers le copient" },
        us: None,
        source: replication,
    });
    hops
}

/// When each part of the drawing starts and how long it plays, in seconds: the wait in
/// the producer, the request, the copies, and the answer, each in proportion to its
/// measured time (at least a quarter of a second, so that eyes can follow), the whole
/// slowed to between 1.5 and 4.5 s. Without statistics, the message's `latency_us`
/// split evenly between request and answer.
fn timeline(acks: Acks, breakdown: Option<[i64; 3]>, latency_us: u64) -> Timeline {
    let [queue, wait, rtt] = breakdown.map_or([0, 0, latency_us as i64], |b| b.map(|us| us.max(0)));
    let total_us = (queue + wait + rtt).max(1) as f64;
    let total = (total_us / 5_000.0).clamp(1.5, 4.5);
    let play = |us: i64| if us > 0 { (total * us as f64 / total_us).max(0.25) } else { 0.0 };
    let waiting = play(queue + wait);
    let half = play(rtt / 2).max(0.25);
    let copies = 0.4;
    let (replicate_at, ack_at) = match acks {
        Acks::Zero => (waiting + half, None),
        Acks::One => (waiting + half, Some(waiting + half)),
        Acks::All => (waiting + half, Some(waiting + half + copies)),
    };
    Timeline { waiting, request: half, replicate_at, copies, ack_at, answer: half, slower: total * 1e6 / total_us }
}

/// The drawing's times, in seconds (see [`timeline`]).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Timeline {
    waiting: f64,
    request: f64,
    replicate_at: f64,
    copies: f64,
    ack_at: Option<f64>,
    answer: f64,
    /// How many times slower than measured it plays.
    slower: f64,
}

/// Producer, leader and followers, and the message travelling between them, each hop
/// timed by what librdkafka measured (`breakdown`), with a table of the hops saying
/// which are measured and which are not.
#[component]
pub fn AcksFlow(
    acks: Acks,
    latency_us: u64,
    breakdown: Option<[i64; 3]>,
    leader: Option<i32>,
    followers: Vec<i32>,
    embedded: bool,
) -> impl IntoView {
    let times = timeline(acks, breakdown, latency_us);
    let (px, lx, fx) = (60.0, 300.0, 520.0);
    let follower_y = [40.0, 120.0];
    let leader_name = leader.map_or_else(|| "Leader".to_owned(), |id| format!("Leader (broker {id})"));
    // "Leader", "follower" and "broker" are the words French-speaking Kafka users say too.
    let follower_names: Vec<String> = follower_y
        .iter()
        .enumerate()
        .map(|(i, _)| followers.get(i).map_or_else(|| "Follower".to_owned(), |id| format!("Follower (broker {id})")))
        .collect();
    let end = times.ack_at.map_or(times.replicate_at + times.copies, |at| at + times.answer);
    let cycle = end + 0.8;
    let hop = move |from: (f64, f64), to: (f64, f64), begin: f64, dur: f64, class: &'static str| {
        let path = format!("M{},{} L{},{}", from.0, from.1, to.0, to.1);
        let begins = format!("{begin:.2}s; anim.end+{begin:.2}s");
        // At the origin, so that the motion's path is where the dot is drawn (animateMotion
        // moves a shape from where it is); hidden until its hop begins.
        view! {
            <circle r="7" class=format!("dot {class}") cx="0" cy="0" visibility="hidden">
                <set attributeName="visibility" to="visible" begin=begins.clone() />
                <animateMotion dur=format!("{dur:.2}s") begin=begins path=path fill="freeze" />
            </circle>
        }
    };
    // The message waiting in the producer: a dot at the producer until it is sent.
    let waiting = (times.waiting > 0.0).then(|| {
        view! {
            <circle r="7" class="dot waiting" cx=px.to_string() cy="80" visibility="hidden">
                <set attributeName="visibility" to="visible" dur=format!("{:.2}s", times.waiting) begin="0s; anim.end" />
            </circle>
        }
    });
    let table = hops(acks, breakdown, embedded)
        .into_iter()
        .map(|h| {
            let measured = h.us.is_some();
            view! {
                <tr class:measured=measured>
                    <td>{move || h.what.get(lang())}</td>
                    <td class="num">{h.us.map(|us| crate::i18n::latency(us as u64))}</td>
                    <td class="source">{move || h.source.get(lang())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="acks-flow" id="acks-flow" data-acks=acks.as_str()>
            <svg viewBox="0 0 600 160" role="img" aria-label=format!("acks={} flow", acks.as_str())>
                // An invisible clock that restarts every hop together.
                <rect width="0" height="0">
                    <animate id="anim" attributeName="x" from="0" to="0" dur=format!("{cycle:.2}s") begin="0s; anim.end" />
                </rect>
                <line class="wire" x1=px.to_string() y1="80" x2=lx.to_string() y2="80" />
                {follower_y
                    .iter()
                    .map(|y| view! { <line class="wire" class:async=acks != Acks::All x1=lx.to_string() y1="80" x2=fx.to_string() y2=y.to_string() /> })
                    .collect_view()}
                <g class="node"><rect x="10" y="60" width="100" height="40" rx="6" /><text x=px.to_string() y="85">"Producer"</text></g>
                <g class="node leader"><rect x="235" y="60" width="130" height="40" rx="6" /><text x=lx.to_string() y="85">{leader_name}</text></g>
                {follower_y
                    .iter()
                    .zip(follower_names)
                    .map(|(y, name)| {
                        view! {
                            <g class="node follower">
                                <rect x="455" y=(y - 20.0).to_string() width="135" height="40" rx="6" />
                                <text x=fx.to_string() y=(y + 5.0).to_string()>{name}</text>
                            </g>
                        }
                    })
                    .collect_view()}
                {waiting}
                {hop((px, 80.0), (lx, 80.0), times.waiting, times.request, "produce")}
                {follower_y.iter().map(|y| hop((lx, 80.0), (fx, *y), times.replicate_at, times.copies, "replicate")).collect_view()}
                {times.ack_at.map(|at| hop((lx, 80.0), (px, 80.0), at, times.answer, "ack"))}
            </svg>
            <ol class="steps">
                {steps(acks).into_iter().map(|s| view! { <li class="step">{move || s.get(lang())}</li> }).collect_view()}
            </ol>
            <table class="hops" id="acks-hops">
                <thead><tr>
                    <th>{t!("The message", "Le message")}</th>
                    <th>{t!("Took", "Durée")}</th>
                    <th>{t!("Measured by", "Mesuré par")}</th>
                </tr></thead>
                <tbody>{table}</tbody>
            </table>
            <p class="hint">
                {move || {
                    let (ms, slower) = (crate::i18n::latency(latency_us), crate::i18n::number(times.slower, 0));
                    t!(lang(); "This message: {ms} from its send to its delivery report (measured). The hops are the run's averages, played {slower}x slower.", "Ce message : {ms} de son envoi à son rapport de livraison (mesuré). Les étapes sont les moyennes de l'envoi, jouées {slower} fois plus lentement.")
                }}
            </p>
            {embedded.then(|| view! {
                <p class="honest" id="acks-honest">
                    {t!(
                        "This embedded cluster does not replicate: its brokers answer at once, so acks=1 and acks=all \
                         take the same time here, and the followers above are drawn, not measured. \
                         On a real cluster (`cargo xtask run --kafka`, or docker compose) acks=all waits for the copies.",
                        "Ce cluster embarqué ne réplique pas : ses brokers répondent aussitôt, donc acks=1 et acks=all \
                         prennent le même temps ici, et les followers ci-dessus sont dessinés, pas mesurés. \
                         Sur un vrai cluster (`cargo xtask run --kafka`, ou docker compose), acks=all attend les copies."
                    )}
                </p>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_hop_is_measured_or_says_why_not() {
        let measured = hops(Acks::All, Some([49_000, 25, 450]), false);
        let us: Vec<Option<i64>> = measured.iter().map(|h| h.us).collect();
        assert_eq!(us, [Some(49_000), Some(25), Some(450), None]);
        assert!(measured[3].source.en.contains("inside the round trip"));
        let zero = hops(Acks::Zero, Some([1_000, 10, 300]), true);
        assert_eq!(zero[2].us, None, "acks=0: nothing answers, nothing times the trip");
        assert!(zero[2].source.en.contains("no answer") && zero[3].source.en.contains("does not replicate"));
        let before = hops(Acks::One, None, false);
        assert!(before[..3].iter().all(|h| h.us.is_none() && h.source.en.contains("not measured yet")));
        assert!(before[3].source.en.contains("not waited for"));
    }

    #[test]
    fn the_drawing_plays_each_hop_in_proportion_to_its_measure() {
        // linger 50: 49 ms in the producer, a 0.5 ms round trip.
        let linger = timeline(Acks::All, Some([49_000, 0, 500]), 50_000);
        assert!((linger.waiting - 4.4).abs() < 0.1, "{linger:?}");
        assert_eq!((linger.request, linger.answer), (0.25, 0.25), "the short hops still show");
        assert_eq!(linger.ack_at, Some(linger.waiting + 0.25 + 0.4), "acks=all waits for the copies");
        // No statistics yet: the message's latency, on the wire.
        let before = timeline(Acks::One, None, 10_000);
        assert_eq!(before.waiting, 0.0);
        assert_eq!(before.ack_at, Some(before.request));
        assert!(timeline(Acks::Zero, None, 10_000).ack_at.is_none());
    }

    #[test]
    fn each_level_says_when_the_producer_hears_back() {
        assert!(steps(Acks::Zero)[1].en.contains("no response"));
        assert!(steps(Acks::Zero)[1].fr.contains("aucune réponse"));
        assert!(steps(Acks::One)[2].en.contains("lost"));
        assert!(steps(Acks::All)[1].en.contains("in-sync replica"));
    }
}
