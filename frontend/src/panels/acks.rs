//! The acks flow: what a produce request does on the wire for acks=0, 1 and all, played
//! at the pace of the message's measured latency.

use leptos::prelude::*;
use shared::problem::Text;
use shared::settings::Acks;

use crate::i18n::lang;
use crate::t;

/// How long the animation of one hop lasts: the measured latency slowed down so that
/// eyes can follow it (a 5 ms delivery plays a 0.5 s hop), within reason.
pub fn hop_seconds(latency_us: u64) -> f64 {
    (latency_us as f64 / 10_000.0).clamp(0.4, 3.0)
}

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

/// Producer, leader and followers, and the message travelling between them.
#[component]
pub fn AcksFlow(
    acks: Acks,
    latency_us: u64,
    leader: Option<i32>,
    followers: Vec<i32>,
    embedded: bool,
) -> impl IntoView {
    let d = hop_seconds(latency_us);
    let dur = format!("{d:.2}s");
    let (px, lx, fx) = (60.0, 300.0, 520.0);
    let follower_y = [40.0, 120.0];
    let leader_name = leader.map_or_else(|| "Leader".to_owned(), |id| format!("Leader (broker {id})"));
    // "Leader", "follower" and "broker" are the words French-speaking Kafka users say too.
    let follower_names: Vec<String> = follower_y
        .iter()
        .enumerate()
        .map(|(i, _)| followers.get(i).map_or_else(|| "Follower".to_owned(), |id| format!("Follower (broker {id})")))
        .collect();
    // When each hop starts, in seconds, and whether the ack waits for the followers.
    let (replicate_at, ack_at) = match acks {
        Acks::Zero => (d, None),
        Acks::One => (d, Some(d)),
        Acks::All => (d, Some(2.0 * d)),
    };
    let cycle = 3.0 * d + 0.8;
    let hop = move |from: (f64, f64), to: (f64, f64), begin: f64, class: &'static str| {
        let path = format!("M{},{} L{},{}", from.0, from.1, to.0, to.1);
        let begins = format!("{begin:.2}s; anim.end+{begin:.2}s");
        view! {
            <circle r="7" class=format!("dot {class}") cx="-20" cy="-20">
                <animateMotion dur=dur.clone() begin=begins path=path fill="freeze" />
            </circle>
        }
    };
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
                {hop((px, 80.0), (lx, 80.0), 0.0, "produce")}
                {follower_y.iter().map(|y| hop((lx, 80.0), (fx, *y), replicate_at, "replicate")).collect_view()}
                {ack_at.map(|at| hop((lx, 80.0), (px, 80.0), at, "ack"))}
            </svg>
            <ol class="steps">
                {steps(acks).into_iter().map(|s| view! { <li class="step">{move || s.get(lang())}</li> }).collect_view()}
            </ol>
            <p class="hint">
                {move || {
                    let (ms, slower) = (latency_us as f64 / 1000.0, d * 1e6 / latency_us.max(1) as f64);
                    t!(lang(); "Measured: {ms:.2} ms, played {slower:.0}x slower.", "Mesuré : {ms:.2} ms, joué {slower:.0} fois plus lentement.")
                }}
            </p>
            {embedded.then(|| view! {
                <p class="honest" id="acks-honest">
                    {t!(
                        "This embedded cluster does not replicate: its brokers answer at once, so acks=1 and acks=all \
                         take the same time here, and the followers above are drawn, not measured. \
                         On a real cluster (docker compose) acks=all waits for the copies.",
                        "Ce cluster embarqué ne réplique pas : ses brokers répondent aussitôt, donc acks=1 et acks=all \
                         prennent le même temps ici, et les followers ci-dessus sont dessinés, pas mesurés. \
                         Sur un vrai cluster (docker compose), acks=all attend les copies."
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
    fn hops_are_slowed_down_within_bounds() {
        assert_eq!(hop_seconds(5_000), 0.5);
        assert_eq!(hop_seconds(100), 0.4);
        assert_eq!(hop_seconds(2_000_000), 3.0);
    }

    #[test]
    fn each_level_says_when_the_producer_hears_back() {
        assert!(steps(Acks::Zero)[1].en.contains("no response"));
        assert!(steps(Acks::Zero)[1].fr.contains("aucune réponse"));
        assert!(steps(Acks::One)[2].en.contains("lost"));
        assert!(steps(Acks::All)[1].en.contains("in-sync replica"));
    }
}
