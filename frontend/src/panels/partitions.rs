//! The partition strip: how many messages each partition of the topic got.

use leptos::prelude::*;

use crate::app::Ctx;

/// One box per partition with its count and a bar.
#[component]
pub fn PartitionStrip() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let counts = Memo::new(move |_| {
        ctx.page.with(|p| match &p.run {
            Some(run) => run.per_partition.clone(),
            None => vec![0; p.partitions()],
        })
    });
    view! {
        <section class="panel" id="partitions">
            <h2>"Partitions of " <code>"orders.created"</code></h2>
            <ol class="strip">
                {move || {
                    let counts = counts.get();
                    let most = counts.iter().copied().max().unwrap_or(0).max(1);
                    counts
                        .into_iter()
                        .enumerate()
                        .map(|(partition, count)| {
                            let height = format!("height: {}%", count * 100 / most);
                            view! {
                                <li class="partition" data-partition=partition.to_string()>
                                    <div class="bar-box"><div class="bar" style=height></div></div>
                                    <span class="count">{count.to_string()}</span>
                                    <span class="label">{format!("P{partition}")}</span>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </section>
    }
}
