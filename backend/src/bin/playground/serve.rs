//! The server on its cluster (the embedded one, `--bootstrap-servers`, or Apache Kafka
//! with `--local-kafka`), and `playground cluster`: the cluster alone.

use std::time::Duration;

use anyhow::Context as _;
use playground::cluster::local_kafka::LocalKafkaConfig;
use playground::cluster::{Cluster, LabTopic};
use playground::http::{ClassCode, ConnectionLimits, Server};
use shared::protocol::{ClusterMode, Limits};
use tracing::info;

use crate::args::{ClusterArgs, ServeArgs};
use crate::shutdown_signal;

/// Which cluster the server uses.
pub(crate) enum Which {
    /// The embedded cluster.
    Embedded,
    /// `--bootstrap-servers`.
    External(String),
    /// `--local-kafka`.
    Local(LocalKafkaConfig),
}

/// `--local-kafka DIR`: the jars in DIR/libs, the cluster's files in DIR/cluster.
pub(crate) fn local_kafka_config(dir: &std::path::Path, first_port: u16) -> LocalKafkaConfig {
    LocalKafkaConfig { libs: dir.join("libs"), dir: dir.join("cluster"), first_port }
}

/// Starts or reaches the cluster `which` names.
pub(crate) async fn cluster(which: Which) -> anyhow::Result<Cluster> {
    Ok(match which {
        Which::External(bootstrap) => Cluster::external(bootstrap)?,
        Which::Embedded => Cluster::embedded()?,
        Which::Local(config) => {
            println!("  Starting Apache Kafka (a KRaft controller and 3 brokers) in {}...", config.dir.display());
            let started = std::time::Instant::now();
            let cluster = Cluster::local(config).await?;
            println!("  Apache Kafka is up in {:.1} s.", started.elapsed().as_secs_f64());
            cluster
        }
    })
}

/// Serves the playground on `which` until Ctrl-C or SIGTERM, then lets the runs finish.
pub(crate) async fn serve(args: ServeArgs, which: Which) -> anyhow::Result<()> {
    let cluster = cluster(which).await?;
    let bootstrap = cluster.bootstrap_servers().to_owned();
    let mode = cluster.mode();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    let scheme = if args.tls_cert.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}/", listener.local_addr()?);
    if mode == ClusterMode::External {
        match cluster.ensure_lab_topic(args.create_topics).await {
            Ok(LabTopic::Exists) => {}
            Ok(LabTopic::Created) => println!("  Created {} (6 partitions) on {bootstrap}.", shared::lab::TOPIC),
            Ok(LabTopic::Missing) => eprintln!(
                "  warning: the topic {} is missing on {bootstrap}: create it (kafka-topics.sh --create --topic {} --partitions 6 --replication-factor 3) or start the playground with --create-topics.",
                shared::lab::TOPIC,
                shared::lab::TOPIC
            ),
            Err(e) => eprintln!("  warning: {e}; the page will say what it can."),
        }
    }

    let limits = Limits {
        sessions: args.max_sessions,
        sessions_per_address: args.max_sessions_per_address,
        messages_per_run: args.max_messages_per_run,
        message_bytes: args.max_message_bytes,
        rate: args.max_rate,
        frame_bytes: args.max_frame_bytes,
        in_flight: args.max_in_flight.max(1),
        in_flight_per_session: args.max_in_flight_per_session.clamp(1, args.max_in_flight.max(1)),
        trainee_faults: !args.instructor_faults_only,
        trainee_topics: args.max_trainee_topics,
    };
    let mut server =
        Server::new(cluster, args.static_dir).with_limits(limits).with_topic_per_trainee(args.topic_per_trainee);
    if let Some(token) = args.instructor_token.filter(|t| !t.is_empty()) {
        server = server.with_instructor_token(token).map_err(anyhow::Error::msg)?;
    }
    for origin in args.public_url.iter().chain(&args.allowed_origin) {
        server = server.with_allowed_origin(origin).map_err(anyhow::Error::msg)?;
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        server = server.with_tls(cert, key).map_err(anyhow::Error::msg)?;
    }
    let connections =
        ConnectionLimits { max: args.max_connections.max(1), per_address: args.max_connections_per_address.max(1) };
    server = server.with_connection_limits(connections);
    server = server.with_producer_idle(std::time::Duration::from_secs(args.producer_idle_secs.max(1)));
    if let Some(topic) = &args.class_topic {
        server = server.with_class_topic(topic).await?;
    }
    for proxy in &args.trusted_proxy {
        server = server.with_trusted_proxy(*proxy);
    }
    // Beyond loopback, or behind a public address (a proxy on this machine forwards to
    // loopback), anyone on the network reaches the server: the class needs its code.
    let open = !args.listen.ip().is_loopback() || args.public_url.is_some();
    let code = match (args.class_code.as_deref(), open && !args.no_class_code) {
        (Some(code), _) => Some(ClassCode::chosen(code).map_err(anyhow::Error::msg)?),
        (None, true) => Some(ClassCode::random()),
        (None, false) => None,
    };
    server = server.with_class_code(code);
    let url = args.public_url.as_ref().map_or(url, |public| format!("{}/", public.trim_end_matches('/')));
    let trainees = match server.class_code() {
        Some(code) => format!("{url}?class={code}   (class code {code})"),
        None => url.clone(),
    };

    println!();
    println!("  Kafka Producer Playground is ready: {trainees}");
    if open && server.class_code().is_none() {
        println!("  warning: no class code: anyone who reaches this address gets a producer.");
    }
    match mode {
        ClusterMode::Embedded => {
            println!("  Embedded Kafka cluster (librdkafka mock, 3 brokers): {bootstrap}");
            println!("  Look at it with your own tools: kcat -b {bootstrap} -L");
        }
        ClusterMode::Local => {
            println!("  Apache Kafka on this machine (3 brokers, KRaft): {bootstrap}");
            println!("  Look at it with your own tools: kcat -b {bootstrap} -L");
        }
        ClusterMode::External => println!("  Kafka cluster: {bootstrap}"),
    }
    println!("  Instructor's view: {url}instructor?token={}", server.instructor_token());
    if let Some(topic) = &args.class_topic {
        println!("  The class spans every server that uses the topic {topic} on this cluster.");
    }
    if args.topic_per_trainee {
        println!("  Each trainee produces to {}.<name>, created on first use.", shared::lab::TOPIC);
    }
    println!("  Press Ctrl-C to stop.");
    println!();
    server.serve(listener, shutdown_signal(), Duration::from_secs(15)).await?;
    info!("Playground stopped.");
    Ok(())
}

/// `playground cluster`: the cluster alone, its address printed, until Ctrl-C.
pub(crate) async fn run_cluster(args: ClusterArgs, local: Option<LocalKafkaConfig>) -> anyhow::Result<()> {
    if let Some(config) = local {
        return run_local_kafka(config).await;
    }
    let cluster = Cluster::embedded_with(!args.without_topic)?;
    // The class's log for servers that share this cluster (`--class-topic playground.class`).
    cluster.ensure_class_topic(playground::class::servers::DEFAULT_TOPIC).await;
    let bootstrap = cluster.bootstrap_servers().to_owned();
    println!("bootstrap.servers={bootstrap}");
    println!();
    println!("  Embedded Kafka cluster (librdkafka mock, 3 brokers) in its own process.");
    if args.without_topic {
        // librdkafka's mock has no CreateTopics: this shows how a missing topic is named.
        println!("  No topic: a playground using it names the missing {} when you send.", shared::lab::TOPIC);
    } else {
        println!("  Topic {} with 6 partitions.", shared::lab::TOPIC);
    }
    println!("  Use it: playground --bootstrap-servers {bootstrap}");
    println!("          kcat -b {bootstrap} -L");
    println!("  Press Ctrl-C to stop.");
    shutdown_signal().await;
    drop(cluster);
    info!("Cluster stopped.");
    Ok(())
}

/// `playground cluster --local-kafka DIR`: Apache Kafka alone, until Ctrl-C.
async fn run_local_kafka(config: LocalKafkaConfig) -> anyhow::Result<()> {
    let dir = config.dir.clone();
    let cluster = cluster(Which::Local(config)).await?;
    cluster.ensure_class_topic(playground::class::servers::DEFAULT_TOPIC).await;
    let bootstrap = cluster.bootstrap_servers().to_owned();
    println!("bootstrap.servers={bootstrap}");
    println!();
    println!("  Apache Kafka on this machine: a KRaft controller and 3 brokers, logs in {}.", dir.display());
    println!("  Topic {} with 6 partitions, replication factor 3, min.insync.replicas 2.", shared::lab::TOPIC);
    println!("  Use it: playground --bootstrap-servers {bootstrap}");
    println!("          kcat -b {bootstrap} -L");
    println!("  Press Ctrl-C to stop.");
    shutdown_signal().await;
    tokio::task::spawn_blocking(move || drop(cluster)).await?;
    info!("Cluster stopped.");
    Ok(())
}
