//! `playground`: serves the Kafka Producer Playground.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use playground::cluster::Cluster;
use playground::http::Server;
use tracing::info;

/// The Kafka Producer Playground: a real Kafka producer in the browser.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on. Port 8080 is left to Kafka UI, as in the lab.
    #[arg(long, env = "PLAYGROUND_LISTEN", default_value = "127.0.0.1:3000")]
    listen: SocketAddr,

    /// Kafka cluster to use. Without it the playground starts its embedded cluster
    /// (librdkafka's mock: 3 brokers, orders.created with 6 partitions).
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS")]
    bootstrap_servers: Option<String>,

    /// Folder of the page built by trunk.
    #[arg(long, env = "PLAYGROUND_STATIC_DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../dist"))]
    static_dir: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,librdkafka=warn".into()),
        )
        .init();
    let cli = Cli::parse();

    let cluster = match cli.bootstrap_servers {
        Some(bootstrap) => Cluster::external(bootstrap)?,
        None => Cluster::embedded()?,
    };
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let embedded = cluster.mode() == shared::protocol::ClusterMode::Embedded;
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("could not listen on {}", cli.listen))?;
    let url = format!("http://{}/", listener.local_addr()?);

    println!();
    println!("  Kafka Producer Playground is ready: {url}");
    if embedded {
        println!("  Embedded Kafka cluster (librdkafka mock, 3 brokers): {bootstrap}");
        println!("  Look at it with your own tools: kcat -b {bootstrap} -L");
    } else {
        println!("  Kafka cluster: {bootstrap}");
    }
    println!("  Press Ctrl-C to stop.");
    println!();

    Server::new(cluster, cli.static_dir)
        .serve(listener, shutdown_signal(), Duration::from_secs(15))
        .await?;
    info!("Playground stopped.");
    Ok(())
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
