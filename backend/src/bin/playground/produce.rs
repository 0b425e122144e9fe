//! `playground produce`: the lab's Program.cs, headless, through the same run as a
//! page's.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use playground::cluster::{Cluster, ClusterError};
use playground::producer;
use playground::run::{Plan, Run};
use shared::problem::Problem;
use shared::protocol::Fault;
use tracing::info;

use crate::args::ProduceArgs;

/// `playground produce`: the lab's console program, headless.
pub(crate) async fn produce(args: ProduceArgs, bootstrap: Option<String>) -> anyhow::Result<ExitCode> {
    let request = args.request();
    let errors = request.validate();
    if !errors.is_empty() {
        for e in errors {
            eprintln!("error: {}", e.message);
        }
        return Ok(ExitCode::from(2));
    }
    // An external cluster is asked through the run's own producer: an admin client of
    // its own cost the console about 90 ms (to connect, and at exit to join its thread),
    // a fifth of a million-message run.
    let (embedded, bootstrap) = match bootstrap {
        Some(bootstrap) => (None, bootstrap),
        None => {
            let cluster = Cluster::embedded()?;
            let bootstrap = cluster.bootstrap_servers().to_owned();
            (Some(cluster), bootstrap)
        }
    };
    if args.brokers_down {
        let Some(cluster) = &embedded else { return Err(ClusterError::Fault(Problem::FaultsNeedEmbedded).into()) };
        cluster.fault(&Fault::BrokerDown { broker: None }).await?;
        info!("All brokers of the embedded cluster are down.");
    }
    // The same run as a page's: the lab's lines come from its log; the events (figures,
    // no message's details) are not needed here.
    let (events, mut drain) = tokio::sync::mpsc::channel(1024);
    let drained = tokio::spawn(async move { while drain.recv().await.is_some() {} });
    let producer = producer::build(&request.settings, &bootstrap, events.clone())?;
    // Every broker down: asking for the topic would only wait out its timeouts first.
    let learnt = if args.brokers_down { None } else { producer::learn_topic(&producer, &request.topic).await };
    let partitions = match learnt {
        Some(partitions) => partitions,
        None if args.brokers_down => 0,
        // Unknown to the cluster, or no answer: the cluster says which.
        None => {
            let answer = match &embedded {
                Some(cluster) => cluster.partitions_of(&request.topic).await,
                None => Cluster::external(bootstrap.clone())?.partitions_of(&request.topic).await,
            };
            match answer {
                Ok(partitions) => partitions.unwrap_or(0),
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    let count = request.count;
    let run = Run::start(
        Arc::clone(&producer),
        request,
        Plan { number: 1, partitions, in_flight: None, paced_from: None, details: false },
        events,
    );
    let totals = run.finish().await.context("the run ended without its totals")?;
    drop(producer);
    info!("Producer closed gracefully.");
    let _ = drained.await;
    let stats_line = format!(
        "{} sent, {} delivered, {} failed in {} ms",
        totals.sent, totals.delivered, totals.failed, totals.elapsed_ms
    );
    info!("{stats_line}");
    drop(embedded);
    Ok(if totals.failed == 0 && totals.sent == u64::from(count) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
