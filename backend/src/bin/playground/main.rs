//! `playground`: serves the Kafka Producer Playground, or runs the lab's producer headless.
//! The command line is in `args.rs`, the server and `playground cluster` in `serve.rs`,
//! `playground produce` in `produce.rs`.

mod args;
mod produce;
mod serve;

use std::process::ExitCode;

use clap::Parser;
use tracing::info;

use crate::args::{Cli, Cmd};
use crate::produce::produce;
use crate::serve::{Which, local_kafka_config, run_cluster, serve};

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::Produce(args)) => {
            // The console program prints the lab's lines, as Program.cs does.
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info,librdkafka=error".into()),
                )
                .without_time()
                .with_target(false)
                .with_level(false)
                .with_writer(std::io::stdout)
                .init();
            if cli.local_kafka.is_some() {
                // Starting four JVMs for one console run is not what a trainee wants here.
                eprintln!(
                    "error: produce takes --bootstrap-servers: start Apache Kafka with \
                     `playground cluster --local-kafka DIR` and give the bootstrap servers it prints"
                );
                return Ok(ExitCode::from(2));
            }
            produce(args, cli.bootstrap_servers).await
        }
        Some(Cmd::Cluster(args)) => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info,librdkafka=warn".into()),
                )
                .init();
            let local = cli.local_kafka.map(|dir| local_kafka_config(&dir, cli.kafka_port));
            run_cluster(args, local).await.map(|()| ExitCode::SUCCESS)
        }
        None => {
            // The server logs from its runtime's workers (a sync run's lines, its delivery
            // reports): written by a thread of its own, lines dropped rather than a worker
            // waiting on a reader that is behind (with stdout itself, a pipe nobody read
            // stopped every run once 64 KB were waiting in it).
            let (writer, _flushed_at_exit) = tracing_appender::non_blocking(std::io::stdout());
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info,librdkafka=warn".into()),
                )
                .with_writer(writer)
                .init();
            let which = match cli.local_kafka {
                Some(dir) => Which::Local(local_kafka_config(&dir, cli.kafka_port)),
                None => cli.bootstrap_servers.map_or(Which::Embedded, Which::External),
            };
            serve(cli.serve, which).await.map(|()| ExitCode::SUCCESS)
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    info!("Stopping: finishing the runs in flight...");
}
