//! `playground`: serves the Kafka Producer Playground, or runs the lab's producer headless.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use playground::cluster::local_kafka::LocalKafkaConfig;
use playground::cluster::{Cluster, ClusterError, LabTopic};
use playground::http::{ClassCode, ConnectionLimits, Server};
use playground::producer;
use playground::run::{Plan, Run};
use shared::problem::Problem;
use shared::protocol::{ClusterMode, Fault, Limits, ProduceRequest, RunMode};
use shared::settings::{Acks, Compression, Partitioner, ProducerSettings};
use tracing::info;

/// The Kafka Producer Playground: a real Kafka producer in the browser.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Kafka cluster to use. Without it the playground starts its embedded cluster
    /// (librdkafka's mock: 3 brokers, orders.created with 6 partitions).
    #[arg(long, global = true, env = "KAFKA_BOOTSTRAP_SERVERS", conflicts_with = "local_kafka")]
    bootstrap_servers: Option<String>,

    /// Apache Kafka on this machine instead: a KRaft controller and 3 brokers started
    /// from the jars in DIR/libs (`cargo xtask run --kafka` fetches them with Maven),
    /// formatted anew in DIR/cluster at each start, with orders.created made as the lab's
    /// (6 partitions, replication factor 3, min.insync.replicas 2). Needs Java 17+.
    #[arg(long, global = true, env = "PLAYGROUND_LOCAL_KAFKA", value_name = "DIR")]
    local_kafka: Option<PathBuf>,

    /// With --local-kafka: the first broker's port; the other two and the controller
    /// take the next three. 0: any free ports.
    #[arg(long, global = true, env = "PLAYGROUND_KAFKA_PORT", default_value_t = 19092)]
    kafka_port: u16,

    #[command(flatten)]
    serve: ServeArgs,

    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// The lab's Program.cs, headless: send messages, print each delivery report, flush,
    /// and exit non-zero if any message failed.
    Produce(ProduceArgs),
    /// Only the cluster, in this process: the embedded one, or with --local-kafka Apache
    /// Kafka; prints its bootstrap address, so that another playground
    /// (`--bootstrap-servers`) or kcat can use it.
    Cluster(ClusterArgs),
}

#[derive(Debug, Args)]
struct ClusterArgs {
    /// Start without the lab's topic (to try `--create-topics` against it).
    #[arg(long)]
    without_topic: bool,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on. Port 8080 is left to Kafka UI, as in the lab.
    #[arg(long, env = "PLAYGROUND_LISTEN", default_value = "127.0.0.1:3000")]
    listen: SocketAddr,

    /// On an external cluster, create the lab's topic (orders.created, 6 partitions) when
    /// it is missing, through the admin API.
    #[arg(long, env = "PLAYGROUND_CREATE_TOPICS")]
    create_topics: bool,

    /// Workshop limits: sessions (browser tabs) at once.
    #[arg(long, env = "PLAYGROUND_MAX_SESSIONS", default_value_t = Limits::default().sessions)]
    max_sessions: u32,

    /// Workshop limits: sessions at once from one client address. A classroom behind one
    /// NAT, or every trainee behind a reverse proxy, shares one address: raise it to the
    /// class's size there.
    #[arg(long, env = "PLAYGROUND_MAX_SESSIONS_PER_ADDRESS", default_value_t = Limits::default().sessions_per_address)]
    max_sessions_per_address: u32,

    /// Workshop limits: messages in one run.
    #[arg(long, env = "PLAYGROUND_MAX_MESSAGES_PER_RUN", default_value_t = Limits::default().messages_per_run)]
    max_messages_per_run: u32,

    /// Workshop limits: bytes of one message (key, value and headers).
    #[arg(long, env = "PLAYGROUND_MAX_MESSAGE_BYTES", default_value_t = Limits::default().message_bytes)]
    max_message_bytes: u32,

    /// Workshop limits: messages per second of one session (default: no limit).
    #[arg(long, env = "PLAYGROUND_MAX_RATE")]
    max_rate: Option<u32>,

    /// Workshop limits: bytes of one WebSocket frame from a page.
    #[arg(long, env = "PLAYGROUND_MAX_FRAME_BYTES", default_value_t = Limits::default().frame_bytes)]
    max_frame_bytes: u32,

    /// Workshop limits: messages in flight (sent, no outcome yet) across every session;
    /// past it, sends wait for deliveries.
    #[arg(long, env = "PLAYGROUND_MAX_IN_FLIGHT", default_value_t = Limits::default().in_flight)]
    max_in_flight: u32,

    /// Workshop limits: messages in flight of one session, a share of --max-in-flight, so
    /// that one trainee whose messages wait for a broker that is down cannot hold them all.
    #[arg(long, env = "PLAYGROUND_MAX_IN_FLIGHT_PER_SESSION", default_value_t = Limits::default().in_flight_per_session)]
    max_in_flight_per_session: u32,

    /// A class across several servers on one Kafka cluster: the class's log, a compacted
    /// topic of that cluster that every server of the class names (created when missing).
    /// The instructor's view on any of them shows every trainee; names are unique across
    /// them; a broadcast reaches every page.
    #[arg(long, env = "PLAYGROUND_CLASS_TOPIC")]
    class_topic: Option<String>,

    /// How long a session keeps its producer after its last run, in seconds: then its
    /// librdkafka threads and sockets are closed, and the next run builds another.
    #[arg(long, env = "PLAYGROUND_PRODUCER_IDLE_SECS", default_value_t = playground::session::PRODUCER_IDLE.as_secs())]
    producer_idle_secs: u64,

    /// Workshop: only the instructor switches faults on the embedded cluster, for the
    /// whole class (trainees' fault buttons are off).
    #[arg(long, env = "PLAYGROUND_INSTRUCTOR_FAULTS_ONLY")]
    instructor_faults_only: bool,

    /// Workshop: trainees' own topics this server creates at most (with
    /// --topic-per-trainee); past it, a new name is refused.
    #[arg(long, env = "PLAYGROUND_MAX_TRAINEE_TOPICS", default_value_t = Limits::default().trainee_topics)]
    max_trainee_topics: u32,

    /// Workshop: each trainee produces to their own topic, orders.created.<name>,
    /// created on first use, so their offsets and partitions are their own.
    #[arg(long, env = "PLAYGROUND_TOPIC_PER_TRAINEE")]
    topic_per_trainee: bool,

    /// The token of the instructor's view (/instructor); a random one is printed at
    /// start without it.
    #[arg(long, env = "PLAYGROUND_INSTRUCTOR_TOKEN")]
    instructor_token: Option<String>,

    /// The address trainees open (`https://class.example`, or `http://10.0.0.5:3000`
    /// behind a proxy or a DNS name): printed as the trainees' link, and answered on `/ws`
    /// and `/api`. Without it, those answer only the pages this machine serves under its
    /// own names (its IP addresses, localhost, its host name).
    #[arg(long, env = "PLAYGROUND_PUBLIC_URL")]
    public_url: Option<String>,

    /// Another origin whose pages `/ws` and `/api` answer (repeatable).
    #[arg(long, env = "PLAYGROUND_ALLOWED_ORIGIN", value_delimiter = ',')]
    allowed_origin: Vec<String>,

    /// The class's code (6 to 64 letters, digits, '-' or '_'). A server that listens
    /// beyond loopback, or has --public-url, needs one: without this flag a random code is
    /// printed with the trainees' link. Without the code a page gets only the page's
    /// files.
    #[arg(long, env = "PLAYGROUND_CLASS_CODE")]
    class_code: Option<String>,

    /// No class code even beyond loopback (a network where everyone is trusted).
    #[arg(long, env = "PLAYGROUND_NO_CLASS_CODE", conflicts_with = "class_code")]
    no_class_code: bool,

    /// TLS: the server's certificate chain, PEM (with --tls-key). Trainees then open
    /// https:// and the page's socket is wss://.
    #[arg(long, env = "PLAYGROUND_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// TLS: the certificate's private key, PEM.
    #[arg(long, env = "PLAYGROUND_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// A reverse proxy whose X-Forwarded-For names the client (repeatable; `127.0.0.1` for
    /// a proxy on this machine): sessions and wrong codes are then counted by trainee,
    /// not all as the proxy's.
    #[arg(long, env = "PLAYGROUND_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxy: Vec<std::net::IpAddr>,

    /// Open connections at most; past it a new one is closed at once (with a 503).
    #[arg(long, env = "PLAYGROUND_MAX_CONNECTIONS", default_value_t = ConnectionLimits::default().max)]
    max_connections: u32,

    /// Open connections at most from one client address (raise it behind a reverse
    /// proxy, where every trainee shares the proxy's address).
    #[arg(long, env = "PLAYGROUND_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = ConnectionLimits::default().per_address)]
    max_connections_per_address: u32,

    /// Folder of the page built by trunk.
    #[arg(long, env = "PLAYGROUND_STATIC_DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../dist"))]
    static_dir: PathBuf,
}

/// The lab's producer settings as flags; the defaults are the lab's.
#[derive(Debug, Args)]
struct ProduceArgs {
    /// Topic to send to.
    #[arg(long, default_value = shared::lab::TOPIC)]
    topic: String,
    /// Messages to send.
    #[arg(long, default_value_t = shared::lab::COUNT)]
    count: u32,
    /// Key template (`ORD-{i:04}`); without it no key, as in the lab.
    #[arg(long)]
    key: Option<String>,
    /// Value template.
    #[arg(long, default_value = shared::lab::VALUE_TEMPLATE)]
    value: String,
    /// sync (await each delivery, the lab's loop) or pipelined.
    #[arg(long, default_value = "sync", value_parser = parse_named::<RunMode>)]
    mode: RunMode,
    /// Target rate in messages per second.
    #[arg(long)]
    rate: Option<u32>,
    /// Without the lab's `correlation-id` and `source` headers (to compare with a tool
    /// that sends none, such as kcat in the benchmark).
    #[arg(long)]
    no_headers: bool,
    /// client.id
    #[arg(long, default_value = shared::lab::CLIENT_ID)]
    client_id: String,
    /// acks: 0, 1 or all.
    #[arg(long, default_value = "all", value_parser = parse_named::<Acks>)]
    acks: Acks,
    /// enable.idempotence
    #[arg(long)]
    idempotence: bool,
    /// max.in.flight.requests.per.connection
    #[arg(long)]
    max_in_flight: Option<u32>,
    /// message.send.max.retries
    #[arg(long)]
    retries: Option<u32>,
    /// retry.backoff.ms
    #[arg(long)]
    retry_backoff_ms: Option<u32>,
    /// request.timeout.ms
    #[arg(long)]
    request_timeout_ms: Option<u32>,
    /// message.timeout.ms
    #[arg(long)]
    message_timeout_ms: Option<u32>,
    /// linger.ms
    #[arg(long)]
    linger_ms: Option<u32>,
    /// batch.size
    #[arg(long)]
    batch_size: Option<u32>,
    /// compression.type: none, gzip, snappy, lz4 or zstd.
    #[arg(long, value_parser = parse_named::<Compression>)]
    compression: Option<Compression>,
    /// partitioner: consistent_random, murmur2_random, random, consistent, murmur2, fnv1a, fnv1a_random.
    #[arg(long, value_parser = parse_named::<Partitioner>)]
    partitioner: Option<Partitioner>,
    /// Embedded cluster only: take every broker down first, to see the producer fail.
    #[arg(long)]
    brokers_down: bool,
}

/// Parses a value by its name in the protocol (`all`, `snappy`, `pipelined`...).
fn parse_named<T: serde::de::DeserializeOwned>(name: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|e| e.to_string())
}

impl ProduceArgs {
    fn request(&self) -> ProduceRequest {
        let lab = ProducerSettings::default();
        let settings = ProducerSettings {
            client_id: self.client_id.clone(),
            acks: self.acks,
            enable_idempotence: self.idempotence,
            max_in_flight: self.max_in_flight.unwrap_or(if self.idempotence { 5 } else { lab.max_in_flight }),
            message_send_max_retries: self.retries.unwrap_or(lab.message_send_max_retries),
            retry_backoff_ms: self.retry_backoff_ms.unwrap_or(lab.retry_backoff_ms),
            request_timeout_ms: self.request_timeout_ms.unwrap_or(lab.request_timeout_ms),
            message_timeout_ms: self.message_timeout_ms.unwrap_or(lab.message_timeout_ms),
            linger_ms: self.linger_ms.unwrap_or(lab.linger_ms),
            batch_size: self.batch_size.unwrap_or(lab.batch_size),
            compression_type: self.compression.unwrap_or(lab.compression_type),
            partitioner: self.partitioner.unwrap_or(lab.partitioner),
            ..lab
        };
        ProduceRequest {
            topic: self.topic.clone(),
            count: self.count,
            settings,
            key_template: self.key.clone().filter(|k| k != "none"),
            value_template: self.value.clone(),
            mode: self.mode,
            rate: self.rate,
            headers: if self.no_headers { Vec::new() } else { ProduceRequest::lab().headers },
            ..ProduceRequest::lab()
        }
    }
}

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

/// Which cluster the server uses.
enum Which {
    /// The embedded cluster.
    Embedded,
    /// `--bootstrap-servers`.
    External(String),
    /// `--local-kafka`.
    Local(LocalKafkaConfig),
}

fn local_kafka_config(dir: &std::path::Path, first_port: u16) -> LocalKafkaConfig {
    LocalKafkaConfig { libs: dir.join("libs"), dir: dir.join("cluster"), first_port }
}

async fn cluster(which: Which) -> anyhow::Result<Cluster> {
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

async fn serve(args: ServeArgs, which: Which) -> anyhow::Result<()> {
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

async fn run_cluster(args: ClusterArgs, local: Option<LocalKafkaConfig>) -> anyhow::Result<()> {
    if let Some(config) = local {
        return run_local_kafka(config).await;
    }
    let cluster = Cluster::embedded_with(!args.without_topic)?;
    // The class's log for servers that share this cluster (`--class-topic playground.class`).
    cluster.ensure_class_topic(playground::class::across::DEFAULT_TOPIC).await;
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
    cluster.ensure_class_topic(playground::class::across::DEFAULT_TOPIC).await;
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

async fn produce(args: ProduceArgs, bootstrap: Option<String>) -> anyhow::Result<ExitCode> {
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
