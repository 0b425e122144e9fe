//! docker-compose.yml and the Dockerfile, read as a user's Docker would read them (no
//! engine runs here): every service, port, health check and the topic's settings, and a
//! Dockerfile whose build steps are the README's.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_yaml::Value;

fn root(file: &str) -> String {
    std::fs::read_to_string(format!("{}/../{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn compose() -> Value {
    let mut compose: Value = serde_yaml::from_str(&root("docker-compose.yml")).expect("docker-compose.yml is YAML");
    // `<<: *kafka` merges, as Compose does.
    compose.apply_merge().unwrap();
    for (_, service) in compose["services"].as_mapping_mut().unwrap() {
        service.apply_merge().unwrap();
        if let Some(env) = service.get_mut("environment") {
            env.apply_merge().unwrap();
        }
    }
    compose
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => serde_yaml::to_string(other).unwrap(),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value.as_sequence().map(|s| s.iter().map(text).collect()).unwrap_or_default()
}

/// `image: name:tag` with a version, never `latest`.
fn pinned(service: &Value) -> String {
    let image = text(&service["image"]);
    let (_, tag) = image.rsplit_once(':').unwrap_or_else(|| panic!("{image} has no tag"));
    assert!(tag.chars().any(|c| c.is_ascii_digit()) && tag != "latest", "{image} is not pinned");
    image
}

#[test]
fn three_kraft_brokers_each_with_its_port_and_health_check() {
    let compose = compose();
    let services = &compose["services"];
    let names: BTreeSet<&str> = services.as_mapping().unwrap().keys().filter_map(Value::as_str).collect();
    assert_eq!(names, BTreeSet::from(["kafka-1", "kafka-2", "kafka-3", "kafka-init", "kafka-ui", "playground"]));
    let mut host_ports = BTreeSet::new();
    for (n, host_port) in [(1, 9092), (2, 9094), (3, 9096)] {
        let broker = &services[format!("kafka-{n}").as_str()];
        assert!(pinned(broker).starts_with("apache/kafka:"));
        let env = &broker["environment"];
        assert_eq!(text(&env["KAFKA_NODE_ID"]), n.to_string());
        assert_eq!(text(&env["KAFKA_PROCESS_ROLES"]), "broker,controller", "KRaft, no ZooKeeper");
        assert_eq!(text(&env["KAFKA_CONTROLLER_QUORUM_VOTERS"]).split(',').count(), 3);
        assert_eq!(text(&env["KAFKA_MIN_INSYNC_REPLICAS"]), "2");
        assert_eq!(text(&env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]), "false");
        // Sized for a laptop's Docker VM: three brokers at Kafka's default 1 GB heap each
        // leave little of a 4 GB VM.
        let heap = text(&env["KAFKA_HEAP_OPTS"]);
        assert!(heap.contains("-Xmx512m") && heap.contains("-Xms"), "{heap}");
        let advertised = text(&env["KAFKA_ADVERTISED_LISTENERS"]);
        assert!(advertised.contains(&format!("INSIDE://kafka-{n}:19092")), "{advertised}");
        assert!(advertised.contains(&format!("HOST://localhost:{host_port}")), "{advertised}");
        assert_eq!(strings(&broker["ports"]), [format!("{host_port}:9092")]);
        host_ports.insert(host_port);
        let check = strings(&broker["healthcheck"]["test"]).join(" ");
        assert!(check.contains("kafka-broker-api-versions.sh"), "{check}");
    }
    assert_eq!(host_ports.len(), 3);
    let ids: BTreeSet<String> =
        (1..=3).map(|n| text(&services[format!("kafka-{n}").as_str()]["environment"]["CLUSTER_ID"])).collect();
    assert_eq!(ids.len(), 1, "one KRaft cluster id for the three");
}

#[test]
fn the_labs_topic_is_created_once_the_brokers_are_healthy() {
    let compose = compose();
    let init = &compose["services"]["kafka-init"];
    pinned(init);
    for n in 1..=3 {
        assert_eq!(text(&init["depends_on"][format!("kafka-{n}").as_str()]["condition"]), "service_healthy");
    }
    let command = strings(&init["command"]).join(" ");
    for want in [
        "--create",
        "--if-not-exists",
        "--topic orders.created",
        "--partitions 6",
        "--replication-factor 3",
        "--config min.insync.replicas=2",
    ] {
        assert!(command.contains(want), "kafka-init lacks {want}: {command}");
    }
    assert!(text(&init["entrypoint"]).contains("kafka-topics.sh"));
}

#[test]
fn kafka_ui_on_8080_and_the_playground_on_3000_wait_for_the_topic() {
    let compose = compose();
    let services = &compose["services"];
    let ui = &services["kafka-ui"];
    assert!(pinned(ui).contains("kafbat/kafka-ui"));
    assert_eq!(strings(&ui["ports"]), ["8080:8080"], "Kafka UI where the lab has it");
    let inside = "kafka-1:19092,kafka-2:19092,kafka-3:19092";
    assert_eq!(text(&ui["environment"]["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"]), inside);
    assert!(!strings(&ui["healthcheck"]["test"]).is_empty());

    let playground = &services["playground"];
    assert_eq!(text(&playground["build"]), ".", "built from this repository's Dockerfile");
    assert_eq!(strings(&playground["ports"]), ["3000:3000"]);
    assert_eq!(text(&playground["environment"]["KAFKA_BOOTSTRAP_SERVERS"]), inside);
    assert_eq!(text(&playground["environment"]["PLAYGROUND_LISTEN"]), "0.0.0.0:3000");
    assert!(strings(&playground["healthcheck"]["test"]).join(" ").contains("/api/health"));
    for service in [ui, playground] {
        assert_eq!(text(&service["depends_on"]["kafka-init"]["condition"]), "service_completed_successfully");
    }
}

#[test]
fn the_dockerfiles_build_steps_are_the_readmes() {
    let dockerfile = root("Dockerfile");
    let readme = root("README.md");
    let at = |step: &str| dockerfile.find(step).unwrap_or_else(|| panic!("the Dockerfile does not say `{step}`"));
    for step in ["cargo xtask build", "cargo build --release -p playground"] {
        assert!(readme.contains(step), "the README does not say `{step}`");
    }
    assert!(at("cargo xtask build") < at("cargo build --release -p playground"));
    // The page's tools in a layer before the source, so a change does not reinstall them.
    assert!(at("cargo install --locked trunk") < at("COPY . ."), "trunk installed before the source is copied");
    assert!(at("cargo install wasm-bindgen-cli") < at("COPY . ."));
    assert!(dockerfile.contains("FROM debian:bookworm-slim"), "a slim runtime image");
    assert!(dockerfile.contains("PLAYGROUND_LISTEN=0.0.0.0:3000") && dockerfile.contains("EXPOSE 3000"));
    assert!(dockerfile.contains("FROM node:20"), "the Node.js the page's npm tools were run with");
    assert!(readme.contains("docker compose up"), "the README tells Docker users what to run");
    // A playground outside Docker next to the compose one: not on its port 3000.
    assert!(readme.contains("cargo xtask run -- --bootstrap-servers localhost:9092 --listen 127.0.0.1:3001"));
}

#[test]
fn the_dockerfiles_tools_are_the_versions_xtask_and_cargo_lock_install() {
    let dockerfile = root("Dockerfile");
    let arg = |name: &str| {
        let line = dockerfile
            .lines()
            .find_map(|l| l.strip_prefix(&format!("ARG {name}=")))
            .unwrap_or_else(|| panic!("no ARG {name}"));
        line.trim().to_owned()
    };
    let xtask = root("xtask/src/main.rs");
    assert!(
        xtask.contains(&format!("const TRUNK_VERSION: &str = \"{}\";", arg("TRUNK_VERSION"))),
        "trunk as xtask installs it"
    );
    let lock = root("Cargo.lock");
    let bindgen = format!("name = \"wasm-bindgen\"\nversion = \"{}\"", arg("WASM_BINDGEN_VERSION"));
    assert!(lock.contains(&bindgen), "wasm-bindgen-cli as Cargo.lock's wasm-bindgen");
    // The same quicker profile as xtask, and only for the tools: the server keeps its own.
    for (name, value) in [("LTO", "false"), ("CODEGEN_UNITS", "16"), ("OPT_LEVEL", "1")] {
        let setting = format!("CARGO_PROFILE_RELEASE_{name}");
        assert!(dockerfile.contains(&format!("{setting}={value}")), "{setting} in the Dockerfile");
        assert!(xtask.contains(&format!("(\"{setting}\", \"{value}\")")), "{setting} in xtask");
    }
    assert!(!dockerfile.contains("ENV CARGO_PROFILE"), "not for the server's build");
}

/// Every document of a multi-document YAML file of the repository.
fn documents(path: &str) -> Vec<Value> {
    let text = root(path);
    serde_yaml::Deserializer::from_str(&text).map(|d| Value::deserialize(d).expect("YAML")).collect()
}

#[test]
fn the_kubernetes_deployment_is_one_class_across_its_servers_with_affinity() {
    let docs = documents("deploy/kubernetes/playground.yaml");
    let kind = |k: &str| docs.iter().find(|d| text(&d["kind"]) == k).unwrap_or_else(|| panic!("no {k}"));
    let deployment = kind("Deployment");
    assert!(deployment["spec"]["replicas"].as_u64().unwrap() >= 2, "several servers");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    // Every variable is one the playground reads.
    let flags = root("backend/src/bin/playground/args.rs");
    let env: Vec<String> = container["env"].as_sequence().unwrap().iter().map(|e| text(&e["name"])).collect();
    for name in &env {
        assert!(flags.contains(&format!("env = \"{name}\"")), "{name} is not a playground setting");
    }
    for needed in
        ["KAFKA_BOOTSTRAP_SERVERS", "PLAYGROUND_CLASS_TOPIC", "PLAYGROUND_INSTRUCTOR_TOKEN", "PLAYGROUND_CLASS_CODE"]
    {
        assert!(env.iter().any(|e| e == needed), "{needed}: the servers of a class share it");
    }
    let value = |name: &str| {
        container["env"].as_sequence().unwrap().iter().find(|e| text(&e["name"]) == name).map(|e| text(&e["value"]))
    };
    assert_eq!(value("PLAYGROUND_LISTEN").as_deref(), Some("0.0.0.0:3000"));
    assert_eq!(container["ports"][0]["containerPort"].as_u64(), Some(3000));
    assert_eq!(text(&container["livenessProbe"]["httpGet"]["path"]), "/api/live");
    assert_eq!(text(&container["readinessProbe"]["httpGet"]["path"]), "/api/health");
    let ingress = kind("Ingress");
    assert_eq!(text(&ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"]), "cookie");
    // The class's log the servers name is a Strimzi topic of one partition, compacted.
    let topics = documents("deploy/kubernetes/topics.yaml");
    let class_topic = value("PLAYGROUND_CLASS_TOPIC").unwrap();
    let log = topics.iter().find(|t| text(&t["metadata"]["name"]) == class_topic).expect("the class topic");
    assert_eq!(log["spec"]["partitions"].as_u64(), Some(1));
    assert_eq!(text(&log["spec"]["config"]["cleanup.policy"]), "compact");
    let lab = topics.iter().find(|t| text(&t["metadata"]["name"]) == "orders.created").expect("the lab's topic");
    assert_eq!(lab["spec"]["partitions"].as_u64(), Some(6));
}
