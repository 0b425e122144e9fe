//! The partitions view: one lane per partition, offsets filling as deliveries arrive,
//! coloured by key, with each partition's leader broker.

use leptos::prelude::*;

use crate::context::Ctx;
use crate::i18n::lang;
use crate::t;

/// One lane of the view.
#[derive(Clone, Debug, PartialEq)]
struct Lane {
    partition: usize,
    leader: Option<i32>,
    count: u64,
    cells: Vec<(Option<i64>, Option<u32>)>,
}

/// Lanes for every partition of the lab's topic.
#[component]
pub fn PartitionStrip() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lanes = Memo::new(move |_| {
        ctx.page.with(|p| {
            let partitions = p.partitions();
            let leaders = p.cluster.as_ref().map(|c| c.leaders.clone()).unwrap_or_default();
            let mut lanes: Vec<Lane> = (0..partitions)
                .map(|partition| Lane {
                    partition,
                    leader: leaders.get(partition).copied(),
                    count: 0,
                    cells: Vec::new(),
                })
                .collect();
            if let Some(run) = &p.run {
                for (partition, count) in run.per_partition().iter().enumerate() {
                    if let Some(lane) = lanes.get_mut(partition) {
                        lane.count = *count;
                    }
                }
                for (partition, cells) in run.lane_cells.iter().enumerate() {
                    if let Some(lane) = lanes.get_mut(partition) {
                        lane.cells = cells.clone();
                    }
                }
            }
            lanes
        })
    });
    view! {
        <section class="panel" id="partitions">
            <h2>{t!("Partitions of ", "Partitions de ")} <code>"orders.created"</code></h2>
            <ol class="lanes">
                {move || {
                    lanes
                        .get()
                        .into_iter()
                        .map(|lane| {
                            let more = lane.count.saturating_sub(lane.cells.len() as u64);
                            view! {
                                <li class="partition" data-partition=lane.partition.to_string()>
                                    <span class="label">
                                        {format!("P{}", lane.partition)}
                                        <small class="leader">
                                            {lane.leader.map(|b| format!("leader {b}")).unwrap_or_default()}
                                        </small>
                                    </span>
                                    <span class="cells">
                                        {lane
                                            .cells
                                            .into_iter()
                                            .map(|(offset, hue)| {
                                                let style = match hue {
                                                    Some(h) => format!("background: hsl({h} 70% 50%)"),
                                                    None => "background: #9ca3af".to_owned(),
                                                };
                                                let title = offset.map_or_else(
                                                    || t!(lang(); "offset unknown (acks=0)", "offset inconnu (acks=0)"),
                                                    |o| format!("offset {o}"),
                                                );
                                                view! { <span class="cell" style=style title=title></span> }
                                            })
                                            .collect_view()}
                                        {(more > 0).then(|| view! { <span class="more">{format!("+{more}")}</span> })}
                                    </span>
                                    <span class="count">{lane.count.to_string()}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </section>
    }
}
