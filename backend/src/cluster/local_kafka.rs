//! Apache Kafka itself on this machine: one KRaft controller and three brokers, each a
//! JVM started from the jars that Maven fetched (`kafka/pom.xml`), all on loopback.
//!
//! Unlike the embedded cluster this one replicates: acks, the in-sync replicas,
//! min.insync.replicas and failover behave as in production. Its faults are its brokers'
//! processes: stopped with a controlled shutdown (SIGTERM), crashed (SIGKILL), frozen
//! (SIGSTOP) and let go (SIGCONT), and started again.
//!
//! The controller is a process of its own, never faulted, rather than three nodes that
//! are each controller and broker: with a combined quorum, two brokers down would also
//! be two controllers of three down, no quorum would be left to shrink the ISR, and a
//! producer with acks=all would time out instead of hearing NOT_ENOUGH_REPLICAS, which is
//! the lesson. Four JVMs, sized for a laptop: about 1.2 GB of heap at most.
//!
//! Every start formats a fresh cluster in its folder: a class starts from empty topics.
//!
//! Each broker has a second listener, `PROXIED`, which the playground's producers reach
//! through a [`ProduceProxy`] of its own: the proxy can lose a produce request or its
//! response, which no signal to a process can do. Every other client (the page's
//! read-backs, kcat, a trainee's tools) uses the brokers' own `PLAINTEXT` listener.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};
use shared::protocol::{BrokerProcess, Fault, MAX_INJECTED, Shutdown};

use super::error::ClusterError;
use super::produce_proxy::ProduceProxy;

/// The brokers' ids; the controller is node 0.
pub const BROKER_IDS: [i32; 3] = [1, 2, 3];

/// The controller's heap: it holds only the cluster's metadata.
const CONTROLLER_HEAP: [&str; 2] = ["-Xms64m", "-Xmx256m"];

/// A broker's heap: enough for a class's runs and a million-message benchmark.
const BROKER_HEAP: [&str; 2] = ["-Xms128m", "-Xmx320m"];

/// How long the cluster has to start: four JVMs on two cores took 17 s here.
const START_WITHIN: Duration = Duration::from_secs(120);

/// How long a broker has for its controlled shutdown before it is killed, at exit.
const STOP_WITHIN: Duration = Duration::from_secs(20);

/// The oldest Java Kafka 4 runs on.
const JAVA_MIN: u32 = 17;

/// Where the cluster lives and which ports it takes.
#[derive(Clone, Debug)]
pub struct LocalKafkaConfig {
    /// The folder of Kafka's jars (`target/kafka/libs`, made by `cargo xtask`).
    pub libs: PathBuf,
    /// The cluster's folder: its configs, data and logs, formatted anew at each start.
    pub dir: PathBuf,
    /// The first broker's port; the others follow, then the controller's. 0: free ports.
    pub first_port: u16,
}

/// One node's process and what was done to it.
struct Node {
    id: i32,
    config: PathBuf,
    child: Option<Child>,
    paused: bool,
}

/// The running cluster. Dropping it stops every node (controlled, then killed).
pub struct LocalKafka {
    config: LocalKafkaConfig,
    java: PathBuf,
    bootstrap: String,
    /// The proxies' addresses, for the playground's producers.
    producer_bootstrap: String,
    /// Each broker's proxy, by broker id.
    proxies: Vec<(i32, ProduceProxy)>,
    /// The controller, then the brokers by id.
    nodes: Mutex<Vec<Node>>,
}

impl LocalKafka {
    /// Formats and starts the cluster, waiting until the controller and the three
    /// brokers are up (a blocking call: seconds).
    pub fn start(config: LocalKafkaConfig) -> Result<Self, ClusterError> {
        let java = java()?;
        let jars = std::fs::read_dir(&config.libs)
            .map(|entries| entries.filter_map(Result::ok).any(|e| e.path().extension().is_some_and(|x| x == "jar")))
            .unwrap_or(false);
        if !jars {
            return Err(failed(format!(
                "no Kafka jars in {}: `cargo xtask run --kafka` fetches them with Maven",
                config.libs.display()
            )));
        }
        if !ours_or_empty(&config.dir) {
            return Err(failed(format!(
                "{} holds files that are not a cluster of the playground's: name another folder",
                config.dir.display()
            )));
        }
        stop_leftovers(&config.dir);
        let _ = std::fs::remove_dir_all(&config.dir);
        std::fs::create_dir_all(&config.dir).map_err(|e| failed(format!("{}: {e}", config.dir.display())))?;
        let ports = ports(config.first_port)?;
        let brokers = BROKER_IDS.len();
        let controller_port = ports[brokers];
        let addresses = |ports: &[u16]| ports.iter().map(|p| format!("127.0.0.1:{p}")).collect::<Vec<_>>().join(",");
        let bootstrap = addresses(&ports[..brokers]);
        // The proxies listen first: with free ports, the port each takes is the one its
        // broker advertises.
        let proxied = &ports[brokers + 1 + brokers..];
        let mut proxies = Vec::new();
        for ((id, proxy_port), proxied_port) in BROKER_IDS.iter().zip(&ports[brokers + 1..]).zip(proxied) {
            proxies.push((*id, start_proxy(*proxy_port, *proxied_port)?));
        }
        let proxy_ports: Vec<u16> = proxies.iter().map(|(_, p)| p.port()).collect();
        let producer_bootstrap = addresses(&proxy_ports);
        std::fs::write(config.dir.join("log4j2.properties"), LOG4J2).map_err(|e| failed(e.to_string()))?;
        let mut nodes = vec![Node {
            id: 0,
            config: write_config(&config.dir, 0, &controller_config(&config.dir, controller_port))?,
            child: None,
            paused: false,
        }];
        for (i, id) in BROKER_IDS.iter().enumerate() {
            let listener = Listeners { port: ports[i], proxied: proxied[i], proxy: proxy_ports[i] };
            let text = broker_config(&config.dir, *id, listener, controller_port);
            nodes.push(Node { id: *id, config: write_config(&config.dir, *id, &text)?, child: None, paused: false });
        }
        let cluster = Self { java, bootstrap, producer_bootstrap, proxies, nodes: Mutex::new(Vec::new()), config };
        cluster.format(&nodes)?;
        // Each node is the cluster's as soon as it runs: a failure below drops the
        // cluster, which stops what was started.
        for mut node in nodes {
            node.child = Some(cluster.spawn(&node)?);
            cluster.nodes.lock().unwrap().push(node);
        }
        cluster.wait_until_up()?;
        Ok(cluster)
    }

    /// The brokers' addresses.
    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }

    /// The addresses of the brokers' proxies, where the playground's producers connect:
    /// the metadata they get there names the proxies too.
    pub fn producer_bootstrap(&self) -> &str {
        &self.producer_bootstrap
    }

    fn proxy(&self, id: i32) -> Result<&ProduceProxy, ClusterError> {
        self.proxies.iter().find(|(broker, _)| *broker == id).map(|(_, p)| p).ok_or_else(|| no_such_broker(id))
    }

    /// Loses the responses of the next `count` produce requests to broker `id`, which it
    /// writes, each with its connection: the producer retries.
    pub fn lose_produce_responses(&self, id: i32, count: u32) -> Result<(), ClusterError> {
        self.proxy(id)?.lose_responses(count);
        Ok(())
    }

    /// Loses the next `count` produce requests to broker `id` before it sees them.
    pub fn lose_produce_requests(&self, id: i32, count: u32) -> Result<(), ClusterError> {
        self.proxy(id)?.lose_requests(count);
        Ok(())
    }

    /// Each broker's process, by id.
    pub fn processes(&self) -> Vec<(i32, BrokerProcess)> {
        let mut nodes = self.nodes.lock().unwrap();
        nodes
            .iter_mut()
            .filter(|n| n.id != 0)
            .map(|n| {
                let process = match (running(&mut n.child).is_some(), n.paused) {
                    (false, _) => BrokerProcess::Stopped,
                    (true, true) => BrokerProcess::Paused,
                    (true, false) => BrokerProcess::Running,
                };
                (n.id, process)
            })
            .collect()
    }

    /// Stops broker `id`: SIGTERM (Kafka's controlled shutdown) or SIGKILL. Returns at
    /// once; the broker's state follows in [`LocalKafka::processes`].
    pub fn stop(&self, id: i32, how: Shutdown) -> Result<(), ClusterError> {
        self.with_running(id, |node, pid| {
            if node.paused {
                // A frozen JVM cannot shut down: it is let go first.
                let _ = kill_process(pid, Signal::CONT);
                node.paused = false;
            }
            let signal = match how {
                Shutdown::Controlled => Signal::TERM,
                Shutdown::Crash => Signal::KILL,
            };
            kill_process(pid, signal).map_err(|e| failed(format!("broker {id}: {e}")))
        })
    }

    /// Freezes broker `id` (SIGSTOP).
    pub fn pause(&self, id: i32) -> Result<(), ClusterError> {
        self.with_running(id, |node, pid| {
            kill_process(pid, Signal::STOP).map_err(|e| failed(format!("broker {id}: {e}")))?;
            node.paused = true;
            Ok(())
        })
    }

    /// Lets broker `id` run again (SIGCONT).
    pub fn resume(&self, id: i32) -> Result<(), ClusterError> {
        self.with_running(id, |node, pid| {
            kill_process(pid, Signal::CONT).map_err(|e| failed(format!("broker {id}: {e}")))?;
            node.paused = false;
            Ok(())
        })
    }

    /// Starts broker `id` again, on its data as it was left; nothing when it runs.
    pub fn start_broker(&self, id: i32) -> Result<(), ClusterError> {
        let mut nodes = self.nodes.lock().unwrap();
        let node = nodes.iter_mut().find(|n| n.id == id && id != 0).ok_or_else(|| no_such_broker(id))?;
        if running(&mut node.child).is_some() {
            return Ok(());
        }
        node.child = Some(self.spawn(node)?);
        node.paused = false;
        Ok(())
    }

    /// Every broker resumed and running.
    pub fn reset(&self) -> Result<(), ClusterError> {
        for (_, proxy) in &self.proxies {
            proxy.lose_requests(0);
            proxy.lose_responses(0);
        }
        for (id, process) in self.processes() {
            match process {
                BrokerProcess::Paused => self.resume(id)?,
                BrokerProcess::Stopped => self.start_broker(id)?,
                BrokerProcess::Running => {}
            }
        }
        Ok(())
    }

    /// Runs `f` on broker `id` when its process runs.
    fn with_running(
        &self,
        id: i32,
        f: impl FnOnce(&mut Node, Pid) -> Result<(), ClusterError>,
    ) -> Result<(), ClusterError> {
        let mut nodes = self.nodes.lock().unwrap();
        let node = nodes.iter_mut().find(|n| n.id == id && id != 0).ok_or_else(|| no_such_broker(id))?;
        let Some(pid) = running(&mut node.child) else {
            return Err(failed(format!("broker {id} is not running")));
        };
        let pid = Pid::from_raw(pid as i32).ok_or_else(|| failed(format!("broker {id}: no process")))?;
        f(node, pid)
    }

    /// Formats every node's storage with one cluster id, the four at once.
    fn format(&self, nodes: &[Node]) -> Result<(), ClusterError> {
        let cluster_id = random_cluster_id();
        let formats: Vec<(i32, std::io::Result<Child>)> = nodes
            .iter()
            .map(|node| {
                let child = Command::new(&self.java)
                    .args(["-Xmx128m", "-cp", &self.classpath(), "kafka.tools.StorageTool", "format"])
                    // One argument, `=` joined: nothing in the id can read as an option.
                    .arg(format!("--cluster-id={cluster_id}"))
                    .arg("-c")
                    .arg(&node.config)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn();
                (node.id, child)
            })
            .collect();
        for (id, child) in formats {
            let out = child.and_then(Child::wait_with_output).map_err(|e| failed(format!("java: {e}")))?;
            if !out.status.success() {
                let why = String::from_utf8_lossy(&out.stderr);
                return Err(failed(format!("formatting node {id} failed: {}", why.trim())));
            }
        }
        Ok(())
    }

    /// Starts `node`'s JVM in a process group of its own (a Ctrl-C meant for the
    /// playground reaches it through the playground, in order), its output in its folder.
    fn spawn(&self, node: &Node) -> Result<Child, ClusterError> {
        use std::os::unix::process::CommandExt;
        let folder = node_dir(&self.config.dir, node.id);
        std::fs::create_dir_all(&folder).map_err(|e| failed(e.to_string()))?;
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(folder.join("stdout.log"))
            .map_err(|e| failed(e.to_string()))?;
        let heap = if node.id == 0 { CONTROLLER_HEAP } else { BROKER_HEAP };
        let child = Command::new(&self.java)
            .args(heap)
            .args(["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true"])
            .arg(format!("-Dlog4j2.configurationFile={}", self.config.dir.join("log4j2.properties").display()))
            .arg(format!("-Dkafka.logs.dir={}", folder.display()))
            .args(["-cp", &self.classpath(), "kafka.Kafka"])
            .arg(&node.config)
            .stdin(Stdio::null())
            .stdout(out.try_clone().map_err(|e| failed(e.to_string()))?)
            .stderr(out)
            .process_group(0)
            .spawn()
            .map_err(|e| failed(format!("could not start node {}: {e}", node.id)))?;
        std::fs::write(folder.join("pid"), child.id().to_string()).map_err(|e| failed(e.to_string()))?;
        Ok(child)
    }

    fn classpath(&self) -> String {
        format!("{}/*", self.config.libs.display())
    }

    /// Waits until the metadata lists the three brokers, or a node has exited.
    fn wait_until_up(&self) -> Result<(), ClusterError> {
        use rdkafka::ClientConfig;
        use rdkafka::producer::{BaseProducer, Producer};
        let client: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set("client.id", "playground-local-kafka")
            .set("log_level", "0")
            .create()
            .map_err(|e| failed(e.to_string()))?;
        let started = Instant::now();
        while started.elapsed() < START_WITHIN {
            if let Some((id, status)) = self.exited() {
                return Err(failed(format!("node {id} exited ({status}): {}", self.log_tail(id))));
            }
            let brokers = client.client().fetch_metadata(None, Duration::from_secs(2)).map(|m| m.brokers().len());
            if brokers.unwrap_or(0) == BROKER_IDS.len() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(failed(format!("not up after {} s: {}", START_WITHIN.as_secs(), self.log_tail(1))))
    }

    /// A node that has exited, with its status.
    fn exited(&self) -> Option<(i32, std::process::ExitStatus)> {
        let mut nodes = self.nodes.lock().unwrap();
        nodes.iter_mut().find_map(|n| Some((n.id, n.child.as_mut()?.try_wait().ok()??)))
    }

    /// The last lines node `id` wrote, for an error.
    fn log_tail(&self, id: i32) -> String {
        let folder = node_dir(&self.config.dir, id);
        let text = ["stdout.log", "server.log"]
            .iter()
            .map(|f| std::fs::read_to_string(folder.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(5)..].join(" | ");
        format!("{tail} (logs in {})", folder.display())
    }
}

impl Drop for LocalKafka {
    /// Brokers first (a controlled shutdown each, which needs the controller), then the
    /// controller; whatever has not stopped in [`STOP_WITHIN`] is killed.
    fn drop(&mut self) {
        let mut nodes = std::mem::take(&mut *self.nodes.lock().unwrap());
        // None when the start failed before the controller ran (formatting, say): that
        // failure is what the caller must see, not a panic here.
        let started = nodes.len().min(1);
        let (controller, brokers) = nodes.split_at_mut(started);
        for group in [brokers, controller] {
            for node in group.iter_mut() {
                if let Some(pid) = node.child.as_ref().and_then(|c| Pid::from_raw(c.id() as i32)) {
                    let _ = kill_process(pid, Signal::CONT);
                    let _ = kill_process(pid, Signal::TERM);
                }
            }
            let deadline = Instant::now() + STOP_WITHIN;
            for node in group.iter_mut() {
                let Some(child) = &mut node.child else { continue };
                while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(100));
                }
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// The topic the brokers are warmed up on, deleted after.
pub(super) const WARM_UP_TOPIC: &str = "playground.warm-up";

/// How long the warm-up sends, one message a request, so that each broker's produce and
/// replication paths run thousands of times: 20,000 requests did not end within 30 s on
/// a new cluster, while 5 s of them (about 1 s of sends held, the rest waiting for
/// their replies) take the sync runs most of the way to their warm latency.
const WARM_UP: Duration = Duration::from_secs(5);

/// Brokers fresh from their JVMs answer their first thousands of produce requests slowly
/// while the JIT compiles them: measured here, 200 sync messages took 9 ms each on a
/// new cluster whatever the acks, then 2.0 ms with acks=1 and 5.0 ms with acks=all once
/// warm. A trainee's first acks ladder would compare the JIT, not acks. So before the
/// first page connects, messages go through every broker with acks=all, one a request,
/// for [`WARM_UP`], on [`WARM_UP_TOPIC`] (which the caller creates and deletes). Blocking.
pub(super) fn warm_up(bootstrap: &str) -> Result<(), ClusterError> {
    use rdkafka::ClientConfig;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("client.id", "playground-warm-up")
        .set("acks", "all")
        .set("linger.ms", "0")
        .set("batch.num.messages", "1")
        .set("log_level", "0")
        .create()
        .map_err(|e| failed(e.to_string()))?;
    let value = [b'w'; 100];
    let started = Instant::now();
    // Sends while fewer than 1,000 wait, so that what is sent is answered in time.
    for i in 0_i32.. {
        if started.elapsed() > WARM_UP {
            break;
        }
        while producer.in_flight_count() > 1_000 && started.elapsed() < WARM_UP {
            producer.poll(Duration::from_millis(5));
        }
        let partition = i % 6;
        let mut record = BaseRecord::<(), [u8]>::to(WARM_UP_TOPIC).payload(&value[..]).partition(partition);
        // A full local queue: serve delivery reports, then try again.
        while let Err((_, back)) = producer.send(record) {
            producer.poll(Duration::from_millis(5));
            record = back;
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(10)).map_err(|e| failed(format!("warm-up: {e}")))
}

/// The process id of `child` while it runs.
fn running(child: &mut Option<Child>) -> Option<u32> {
    let child = child.as_mut()?;
    matches!(child.try_wait(), Ok(None)).then(|| child.id())
}

/// Carries out a process fault (the caller has refused the mock's).
pub(super) fn apply(kafka: &LocalKafka, fault: &Fault) -> Result<(), ClusterError> {
    if let Fault::LoseProduceResponses { count, .. } | Fault::LoseProduceRequests { count, .. } = *fault
        && let Some(problem) = count_error(count)
    {
        return Err(ClusterError::Fault(problem));
    }
    match *fault {
        Fault::StopBroker { broker, how } => kafka.stop(broker, how),
        Fault::StartBroker { broker } => kafka.start_broker(broker),
        Fault::PauseBroker { broker } => kafka.pause(broker),
        Fault::ResumeBroker { broker } => kafka.resume(broker),
        Fault::LoseProduceResponses { broker, count } => kafka.lose_produce_responses(broker, count),
        Fault::LoseProduceRequests { broker, count } => kafka.lose_produce_requests(broker, count),
        Fault::ResetFaults => kafka.reset(),
        _ => Err(ClusterError::Fault(shared::problem::Problem::MockFaultOnLocalKafka)),
    }
}

/// Why `count` produce requests or responses to lose is refused: 1 to [`MAX_INJECTED`].
fn count_error(count: u32) -> Option<shared::problem::Problem> {
    (!(1..=MAX_INJECTED).contains(&count)).then(|| shared::problem::Problem::OutOfRange {
        field: "count".into(),
        min: 1,
        max: MAX_INJECTED.into(),
        got: count.into(),
    })
}

/// The java to run: `$JAVA_HOME/bin/java`, else the one on `PATH`; at least Java 17.
fn java() -> Result<PathBuf, ClusterError> {
    let java = std::env::var_os("JAVA_HOME")
        .map(|home| Path::new(&home).join("bin/java"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("java"));
    let install = "install Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)";
    let out = Command::new(&java).arg("-version").output().map_err(|e| {
        failed(format!("Apache Kafka needs Java, and `{}` could not run ({e}): {install}", java.display()))
    })?;
    let text = String::from_utf8_lossy(&out.stderr);
    match java_major(&text) {
        Some(major) if major >= JAVA_MIN => Ok(java),
        found => Err(failed(format!(
            "Apache Kafka 4 needs Java {JAVA_MIN} or newer, and `{}` is {}: {install}",
            java.display(),
            found.map_or_else(|| "of no version it says".to_owned(), |v| format!("Java {v}"))
        ))),
    }
}

/// The major version in `java -version`'s first line (`"17.0.15"` is 17, `"1.8.0"` 8).
fn java_major(version_output: &str) -> Option<u32> {
    let quoted = version_output.lines().next()?.split('"').nth(1)?;
    let mut parts = quoted.split(['.', '-', '+']);
    let first: u32 = parts.next()?.parse().ok()?;
    if first == 1 { parts.next()?.parse().ok() } else { Some(first) }
}

/// The ports: the brokers', the controller's, the brokers' proxies' and the brokers'
/// proxied listeners': `first` and the nine after it, or ten free ones when `first` is 0.
fn ports(first: u16) -> Result<Vec<u16>, ClusterError> {
    let count = BROKER_IDS.len() * 3 + 1;
    if first != 0 {
        return Ok((0..count as u16).map(|i| first + i).collect());
    }
    // Held together, so that they differ; freed just before the JVMs bind them.
    let listeners: Vec<std::net::TcpListener> = (0..count)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()
        .map_err(|e| failed(e.to_string()))?;
    listeners.iter().map(|l| l.local_addr().map(|a| a.port()).map_err(|e| failed(e.to_string()))).collect()
}

fn controller_config(dir: &Path, port: u16) -> String {
    format!(
        "process.roles=controller\n\
         node.id=0\n\
         controller.quorum.voters=0@127.0.0.1:{port}\n\
         listeners=CONTROLLER://127.0.0.1:{port}\n\
         controller.listener.names=CONTROLLER\n\
         listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT\n\
         log.dirs={}\n",
        node_dir(dir, 0).join("data").display()
    )
}

/// A broker's listeners: its own port, where its `PROXIED` listener binds, and the port
/// of its proxy, which that listener advertises.
#[derive(Clone, Copy, Debug)]
struct Listeners {
    port: u16,
    proxied: u16,
    proxy: u16,
}

/// Starts a broker's proxy on `port` (0: a free one), passing to its `PROXIED` listener on
/// `proxied`; on the Tokio runtime of the caller.
fn start_proxy(port: u16, proxied: u16) -> Result<ProduceProxy, ClusterError> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| failed(format!("the producers' proxy on port {port}: {e}")))?;
    let _runtime = tokio::runtime::Handle::try_current()
        .map_err(|_| failed("the producers' proxies need a Tokio runtime".into()))?
        .enter();
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| failed(e.to_string()))?;
    ProduceProxy::start(listener, std::net::SocketAddr::from(([127, 0, 0, 1], proxied)))
        .map_err(|e| failed(e.to_string()))
}

/// A broker as the lab's cluster: topics of 6 partitions, replication factor 3,
/// min.insync.replicas 2; no topic created by a producer. replica.lag.time.max.ms is
/// 10 s instead of Kafka's 30, so that a paused follower leaves the ISR while a trainee
/// watches (the page says so); Kafka's defaults otherwise (broker.session.timeout.ms 9 s).
fn broker_config(dir: &Path, id: i32, listeners: Listeners, controller_port: u16) -> String {
    let Listeners { port, proxied, proxy } = listeners;
    format!(
        "process.roles=broker\n\
         node.id={id}\n\
         controller.quorum.voters=0@127.0.0.1:{controller_port}\n\
         listeners=PLAINTEXT://127.0.0.1:{port},PROXIED://127.0.0.1:{proxied}\n\
         advertised.listeners=PLAINTEXT://127.0.0.1:{port},PROXIED://127.0.0.1:{proxy}\n\
         inter.broker.listener.name=PLAINTEXT\n\
         controller.listener.names=CONTROLLER\n\
         listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PROXIED:PLAINTEXT\n\
         log.dirs={}\n\
         num.partitions=6\n\
         default.replication.factor=3\n\
         min.insync.replicas=2\n\
         offsets.topic.replication.factor=3\n\
         transaction.state.log.replication.factor=3\n\
         transaction.state.log.min.isr=2\n\
         auto.create.topics.enable=false\n\
         group.initial.rebalance.delay.ms=0\n\
         replica.lag.time.max.ms=10000\n\
         num.network.threads=2\n\
         num.io.threads=4\n",
        node_dir(dir, id).join("data").display()
    )
}

/// Kafka's own log, INFO and up, in each node's folder; nothing on the console.
const LOG4J2: &str = "status = error\n\
appender.file.type = File\n\
appender.file.name = file\n\
appender.file.fileName = ${sys:kafka.logs.dir}/server.log\n\
appender.file.layout.type = PatternLayout\n\
appender.file.layout.pattern = [%d] %p %m (%c)%n\n\
rootLogger.level = info\n\
rootLogger.appenderRef.file.ref = file\n";

fn node_dir(dir: &Path, id: i32) -> PathBuf {
    dir.join(format!("node-{id}"))
}

fn write_config(dir: &Path, id: i32, text: &str) -> Result<PathBuf, ClusterError> {
    let path = dir.join(format!("node-{id}.properties"));
    std::fs::write(&path, text).map_err(|e| failed(format!("{}: {e}", path.display())))?;
    Ok(path)
}

/// True when `dir` is missing, empty, or a cluster folder this module wrote (its
/// log4j2.properties and node-0.properties): only such a folder is formatted anew.
fn ours_or_empty(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Err(_) => true,
        Ok(mut entries) => {
            entries.next().is_none()
                || (dir.join("log4j2.properties").is_file() && dir.join("node-0.properties").is_file())
        }
    }
}

/// Kills the nodes a playground that died left running in `dir` (their pid files name
/// them; a pid is only killed while its command line still names `dir`).
fn stop_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let Ok(pid) = std::fs::read_to_string(entry.path().join("pid")) else { continue };
        let Some(pid) = pid.trim().parse().ok().and_then(Pid::from_raw) else { continue };
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", pid.as_raw_nonzero())).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&*dir.to_string_lossy()) {
            let _ = kill_process(pid, Signal::KILL);
        }
    }
}

/// A KRaft cluster id: 16 random bytes, base64url without padding, never starting with
/// `-`, as Kafka's own `Uuid.randomUuid` draws them: the format tool's argument parser
/// reads `-t -abc…` as a missing id and an option, which failed one start in 64.
fn random_cluster_id() -> String {
    use base64::Engine as _;
    loop {
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        if !id.starts_with('-') {
            return id;
        }
    }
}

fn failed(reason: String) -> ClusterError {
    ClusterError::LocalKafka(reason)
}

fn no_such_broker(id: i32) -> ClusterError {
    ClusterError::Fault(shared::problem::Problem::NoSuchBroker { id, max: BROKER_IDS.len() as i32 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_versions_are_read_from_their_first_line() {
        assert_eq!(java_major("openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime"), Some(17));
        assert_eq!(java_major("java version \"1.8.0_392\""), Some(8));
        assert_eq!(java_major("openjdk version \"25\" 2025-09-16"), Some(25));
        assert_eq!(java_major("openjdk version \"21-ea\""), Some(21));
        assert_eq!(java_major("no java here"), None);
    }

    #[test]
    fn ports_follow_the_first_or_are_free_and_distinct() {
        assert_eq!(ports(19092).unwrap(), (19092..=19101).collect::<Vec<_>>());
        let free = ports(0).unwrap();
        let distinct: std::collections::BTreeSet<_> = free.iter().collect();
        assert_eq!(distinct.len(), 10);
    }

    #[test]
    fn a_broker_is_configured_as_the_labs_cluster() {
        let listeners = Listeners { port: 19093, proxied: 19100, proxy: 19097 };
        let text = broker_config(Path::new("/tmp/c"), 2, listeners, 19095);
        for line in [
            "node.id=2",
            "process.roles=broker",
            "controller.quorum.voters=0@127.0.0.1:19095",
            "listeners=PLAINTEXT://127.0.0.1:19093,PROXIED://127.0.0.1:19100",
            // The producers' metadata, asked through the proxy, names the proxy.
            "advertised.listeners=PLAINTEXT://127.0.0.1:19093,PROXIED://127.0.0.1:19097",
            "inter.broker.listener.name=PLAINTEXT",
            "min.insync.replicas=2",
            "default.replication.factor=3",
            "auto.create.topics.enable=false",
            "replica.lag.time.max.ms=10000",
            "log.dirs=/tmp/c/node-2/data",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
    }

    #[test]
    fn only_a_missing_empty_or_own_folder_is_formatted_anew() {
        let dir = std::env::temp_dir().join(format!("playground-ours-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(ours_or_empty(&dir), "missing");
        std::fs::create_dir_all(&dir).unwrap();
        assert!(ours_or_empty(&dir), "empty");
        std::fs::write(dir.join("notes.txt"), "a user's file").unwrap();
        assert!(!ours_or_empty(&dir), "someone else's folder is left alone");
        std::fs::write(dir.join("log4j2.properties"), LOG4J2).unwrap();
        std::fs::write(dir.join("node-0.properties"), "").unwrap();
        assert!(ours_or_empty(&dir), "a cluster folder of ours");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_count_of_losses_is_bounded() {
        assert!(count_error(1).is_none() && count_error(MAX_INJECTED).is_none());
        for count in [0, MAX_INJECTED + 1, u32::MAX] {
            let Some(shared::problem::Problem::OutOfRange { field, got, .. }) = count_error(count) else {
                panic!("{count} is refused with the field and the figure")
            };
            assert_eq!((field.as_str(), got), ("count", i64::from(count)));
        }
    }

    #[test]
    fn cluster_ids_are_kraft_shaped() {
        let id = random_cluster_id();
        assert_eq!(id.len(), 22);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(id, random_cluster_id());
        // One in 64 would start with `-` if drawn plainly: 10,000 draws would all but
        // surely show one.
        assert!((0..10_000).all(|_| !random_cluster_id().starts_with('-')));
    }

    #[test]
    fn a_start_that_fails_to_format_says_why() {
        let dir = std::env::temp_dir().join(format!("playground-bad-jars-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let libs = dir.join("libs");
        std::fs::create_dir_all(&libs).unwrap();
        std::fs::write(libs.join("kafka.jar"), "not a jar").unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let _proxies_run_here = runtime.enter();
        let started = LocalKafka::start(LocalKafkaConfig { libs, dir: dir.join("cluster"), first_port: 0 });
        let why = started.err().expect("no Kafka classes, no cluster").to_string();
        let _ = std::fs::remove_dir_all(&dir);
        // Without Java the start stops earlier, and says that instead.
        assert!(why.contains("formatting node 0 failed") || why.contains("Java"), "{why}");
    }
}
