//! The project's chores, in Rust, with nothing to install first:
//!
//! - `cargo xtask run [-- PLAYGROUND ARGS]`: installs what is missing (the wasm target,
//!   trunk, the wasm-bindgen-cli that matches Cargo.lock, binaryen's wasm-opt and terser
//!   from npm),
//!   builds the page, and starts
//!   the playground on the embedded cluster.
//! - `cargo xtask run --kafka [-- PLAYGROUND ARGS]`: the same on Apache Kafka itself, a
//!   KRaft controller and 3 brokers on loopback from Kafka's jars, which Maven fetches
//!   once into `target/kafka/libs` (`kafka/pom.xml`).
//! - `cargo xtask test`: every check CI runs: fmt, clippy, unit and integration tests,
//!   the tests against Apache Kafka, the page's tests in headless Chromium and the
//!   end-to-end browser tests (installing Debian's chromium and chromium-driver when
//!   missing).
//! - `cargo xtask build`: installs what is missing and builds the page only.
//! - `cargo xtask load`: simulated trainees over real WebSockets against a playground in
//!   its own process (default 200 trainees, 20 msgs/s each, 60 s).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// trunk's version: 0.22 needs a newer rustc than this project's machines have.
const TRUNK_VERSION: &str = "0.21.14";

/// binaryen's version, from the npm registry: its `wasm-opt` shrinks the page by a
/// quarter (Debian's binaryen 108 rejects what current rustc emits).
const BINARYEN_VERSION: &str = "132";

/// Where `npm` installs binaryen, inside `target/` so a clean clone starts without it.
const BINARYEN_DIR: &str = "target/tools/binaryen";

/// terser's version, from the npm registry: it minifies wasm-bindgen's JS glue, which
/// trunk leaves as it is (7.7 KB gzipped to 5.7 KB).
const TERSER_VERSION: &str = "5.51.4";

/// Where `npm` installs terser.
const TERSER_DIR: &str = "target/tools/terser";

/// axe-core's version, from the npm registry: the end-to-end tests run it in Chromium on
/// the trainee's and the instructor's pages.
const AXE_VERSION: &str = "4.14.1";

/// Where `npm` installs axe-core.
const AXE_DIR: &str = "target/tools/axe";

/// Kubernetes' own OpenAPI schemas, as an npm package, and a YAML reader, for the
/// deployment's manifests (`xtask/validate-kubernetes.mjs`).
const KUBERNETES_TOOLS: [(&str, &str); 2] = [("kubernetes-models", "5.1.0"), ("js-yaml", "4.1.0")];

/// Where `npm` installs them.
const KUBERNETES_DIR: &str = "target/tools/kubernetes";

/// The release profile for installing trunk and wasm-bindgen-cli. Their own profiles
/// (LTO, one codegen unit) made a fresh machine's set-up wait: trunk took about 11 min
/// to install here and 7.3 min like this, and built the page byte for byte the same.
/// The Dockerfile sets the same.
const TOOL_PROFILE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
];

/// tree-sitter and its C# grammar from PyPI: the C# export is parsed with them (no .NET
/// SDK comes from the registries this project's machines reach).
const CSHARP_PARSER: [&str; 2] = ["tree-sitter==0.26.1", "tree-sitter-c-sharp==0.23.5"];

/// The Python virtual environment holding them.
const CSHARP_PARSER_DIR: &str = "target/tools/csharp-parser";

/// Where Maven copies Apache Kafka's jars (`--local-kafka target/kafka` reads `libs/`).
const KAFKA_DIR: &str = "target/kafka";

/// Apache Kafka's version in `pom` (kafka/pom.xml).
fn kafka_version(pom: &str) -> Result<String> {
    let start = pom.find("<kafka.version>").ok_or("kafka/pom.xml names no kafka.version")? + "<kafka.version>".len();
    let len = pom[start..].find('<').ok_or("kafka/pom.xml is malformed")?;
    Ok(pom[start..start + len].trim().to_owned())
}

/// Apache Kafka's jars in `target/kafka/libs`, fetched with Maven when missing; Java 17+
/// checked, as the brokers need it.
fn ensure_kafka() -> Result {
    let java = output_with_stderr("java", &["-version"]).unwrap_or_default();
    let major = java.split('"').nth(1).and_then(|v| v.split('.').next()).and_then(|v| v.parse::<u32>().ok());
    if major.is_none_or(|m| m < 17) {
        return Err(
            "Apache Kafka 4 needs Java 17 or newer: install it (Debian: apt-get install openjdk-17-jdk-headless)"
                .to_owned(),
        );
    }
    let pom = std::fs::read_to_string("kafka/pom.xml").map_err(|e| format!("cannot read kafka/pom.xml: {e}"))?;
    let version = kafka_version(&pom)?;
    let libs = Path::new(KAFKA_DIR).join("libs");
    // The pom the jars came from, kept beside them: a changed pom fetches them again.
    let fetched_with = Path::new(KAFKA_DIR).join("pom.xml");
    if std::fs::read_to_string(&fetched_with).is_ok_and(|p| p == pom) && libs.is_dir() {
        return Ok(());
    }
    if output_of("mvn", &["-v"]).is_none() {
        return Err("Maven fetches Apache Kafka's jars from Maven Central: install it (Debian: apt-get install maven)"
            .to_owned());
    }
    println!("Fetching Apache Kafka {version}'s jars with Maven into {KAFKA_DIR}/libs (seconds, once)...");
    let _ = std::fs::remove_dir_all(&libs);
    let out = format!("-DoutputDirectory={}", workspace_root().join(&libs).display());
    sh("mvn", &["-q", "-B", "-f", "kafka/pom.xml", "dependency:copy-dependencies", "-DincludeScope=runtime", &out])?;
    std::fs::write(fetched_with, pom).map_err(|e| e.to_string())
}

/// What a command prints on stdout and stderr together, or `None` when it cannot run.
fn output_with_stderr(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    Some(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// `playground cluster --local-kafka`, for the tests: a cluster of its own folder
/// (`target/kafka-test`, the jars linked in) on free ports; its bootstrap servers.
fn start_test_kafka() -> Result<(std::process::Child, String)> {
    use std::io::BufRead;
    let dir = workspace_root().join("target/kafka-test");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let link = dir.join("libs");
    if !link.exists() {
        std::os::unix::fs::symlink(workspace_root().join(KAFKA_DIR).join("libs"), &link).map_err(|e| e.to_string())?;
    }
    let dir_arg = dir.display().to_string();
    let mut cluster = Command::new("target/debug/playground")
        .args(["cluster", "--local-kafka", &dir_arg, "--kafka-port", "0"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start playground cluster: {e}"))?;
    let mut out = std::io::BufReader::new(cluster.stdout.take().ok_or("no stdout")?);
    let mut line = String::new();
    while out.read_line(&mut line).map_err(|e| e.to_string())? > 0 {
        if let Some(bootstrap) = line.trim().strip_prefix("bootstrap.servers=") {
            let bootstrap = bootstrap.to_owned();
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return Ok((cluster, bootstrap));
        }
        line.clear();
    }
    let _ = cluster.wait();
    Err("playground cluster --local-kafka ended before it printed its bootstrap servers".to_owned())
}

/// The tests against Apache Kafka (`backend/tests/integration/real_kafka.rs`, the class
/// across two servers of `backend/tests/integration/servers.rs`, and the page's exports of
/// `frontend/tests/exports.rs`), on one cluster
/// started for them, stopped after them (SIGTERM: its brokers shut down in order).
fn real_kafka_tests() -> Result {
    ensure_kafka()?;
    sh(&cargo(), &["build", "--package", "playground", "--bin", "playground"])?;
    let started = Instant::now();
    let (mut cluster, bootstrap) = start_test_kafka()?;
    println!("Apache Kafka up in {:.1} s: {bootstrap}", started.elapsed().as_secs_f64());
    let kafka_dir = workspace_root().join(KAFKA_DIR).display().to_string();
    let result = ignored_integration_tests(
        &["real_kafka::", "servers::"],
        &[("PLAYGROUND_TEST_KAFKA", &bootstrap), ("PLAYGROUND_KAFKA_DIR", &kafka_dir)],
    )
    .and_then(|()| {
        // The page's exports: Java compiled with the cluster's own kafka-clients, Rust
        // built with cargo, kcat's loop, each run against it and read back; C# parsed.
        ensure_kcat()?;
        let python = ensure_csharp_parser()?;
        sh_env(
            &cargo(),
            &["test", "--package", "frontend", "--test", "exports", "--", "--ignored", "--test-threads=1"],
            &[
                ("PLAYGROUND_TEST_KAFKA", &bootstrap),
                ("PLAYGROUND_KAFKA_DIR", &kafka_dir),
                ("PLAYGROUND_CSHARP_PYTHON", &python),
            ],
        )
    });
    let _ = Command::new("kill").args(["-TERM", &cluster.id().to_string()]).status();
    let _ = cluster.wait();
    result
}

/// Chromium's flags for a root user on a machine with a closed network, one a line; the
/// end-to-end tests read the same file.
const CHROMIUM_ARGS: &str = include_str!("../chromium-args.txt");

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!("xtask: cannot enter {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("build") => ensure_page_tools().and_then(|()| build_page()),
        Some("load") => load(&args[1..], true),
        Some("bench") => bench(args[1..].iter().any(|a| a == "--quick")),
        _ => {
            eprintln!(
                "usage: cargo xtask run [--kafka] [-- PLAYGROUND ARGS] | cargo xtask test | cargo xtask build | \
                 cargo xtask load [--trainees N] [--rate N] [--seconds N] | cargo xtask bench [--quick]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs a command in the foreground, failing with its name when it fails.
fn sh(program: &str, args: &[&str]) -> Result {
    sh_env(program, args, &[])
}

/// The ignored tests of the playground's integration binary (they need more than cargo:
/// Chromium, Apache Kafka) in the modules `modules` names (`browser::`), one at a time.
fn ignored_integration_tests(modules: &[&str], env: &[(&str, &str)]) -> Result {
    let mut args =
        vec!["test", "--package", "playground", "--test", "integration", "--", "--ignored", "--test-threads=1"];
    args.extend_from_slice(modules);
    sh_env(&cargo(), &args, env)
}

fn sh_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result {
    println!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed ({status})", args.join(" "))) }
}

/// The first line a command prints, or `None` when it cannot be run.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The version of `package` that Cargo.lock resolved.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string("Cargo.lock").map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let header = format!("name = \"{package}\"\nversion = \"");
    let start = lock.find(&header).ok_or_else(|| format!("{package} is not in Cargo.lock"))? + header.len();
    let len = lock[start..].find('"').ok_or("Cargo.lock is malformed")?;
    Ok(lock[start..start + len].to_owned())
}

/// The wasm target, trunk and the matching wasm-bindgen-cli, each installed when missing.
fn ensure_page_tools() -> Result {
    let targets = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t == "wasm32-unknown-unknown") {
        sh("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    let trunk = output_of("trunk", &["--version"]).unwrap_or_default();
    if trunk != format!("trunk {TRUNK_VERSION}") {
        println!("Installing trunk {TRUNK_VERSION} (a few minutes, once)...");
        sh_env(&cargo(), &["install", "--locked", "trunk", "--version", TRUNK_VERSION], &TOOL_PROFILE)?;
    }
    let bindgen = locked_version("wasm-bindgen")?;
    let installed = output_of("wasm-bindgen", &["--version"]).unwrap_or_default();
    let runner = output_of("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
    let wanted = format!("wasm-bindgen {bindgen}");
    if installed != wanted || !runner.ends_with(&bindgen) {
        println!("Installing wasm-bindgen-cli {bindgen}, the version in Cargo.lock (a minute or two, once)...");
        // Not --locked: its own lockfile pins a crate version the registry may not serve.
        sh_env(&cargo(), &["install", "wasm-bindgen-cli", "--version", &bindgen], &TOOL_PROFILE)?;
    }
    ensure_npm_tool("terser", TERSER_VERSION, TERSER_DIR)?;
    let wasm_opt = binaryen_bin().join("wasm-opt");
    let found = output_of(&wasm_opt.to_string_lossy(), &["--version"]).unwrap_or_default();
    if !found.contains(&format!("(version_{BINARYEN_VERSION})")) {
        println!("Installing binaryen {BINARYEN_VERSION} (wasm-opt) from npm into {BINARYEN_DIR} (seconds, once)...");
        let package = format!("binaryen@{BINARYEN_VERSION}");
        sh("npm", &["install", "--prefix", BINARYEN_DIR, "--no-audit", "--no-fund", "--no-save", &package])
            .map_err(|e| format!("{e}; the page's wasm-opt comes from npm: is Node.js with npm installed?"))?;
    }
    Ok(())
}

/// `package` at `version` from the npm registry into `dir`, unless it is there already.
fn ensure_npm_tool(package: &str, version: &str, dir: &str) -> Result {
    let manifest = Path::new(dir).join("node_modules").join(package).join("package.json");
    let installed = std::fs::read_to_string(&manifest).unwrap_or_default();
    if installed.contains(&format!("\"version\": \"{version}\"")) {
        return Ok(());
    }
    println!("Installing {package} {version} from npm into {dir} (seconds, once)...");
    let spec = format!("{package}@{version}");
    sh("npm", &["install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", &spec])
        .map_err(|e| format!("{e}; the page's {package} comes from npm: is Node.js with npm installed?"))
}

/// A Python with tree-sitter's C# grammar, in its own virtual environment (made and
/// filled from PyPI when missing): its path.
fn ensure_csharp_parser() -> Result<String> {
    let python = workspace_root().join(CSHARP_PARSER_DIR).join("bin/python");
    let python = python.display().to_string();
    if output_of(&python, &["-c", "import tree_sitter, tree_sitter_c_sharp"]).is_some() {
        return Ok(python);
    }
    println!("Installing tree-sitter's C# grammar from PyPI into {CSHARP_PARSER_DIR} (seconds, once)...");
    sh("python3", &["-m", "venv", CSHARP_PARSER_DIR]).map_err(|e| format!("{e}; is Python 3 with venv installed?"))?;
    let mut args = vec!["-m", "pip", "install", "--quiet", "--disable-pip-version-check"];
    args.extend(CSHARP_PARSER);
    sh(&python, &args)?;
    Ok(python)
}

/// `deploy/kubernetes/*.yaml` validated by `xtask/validate-kubernetes.mjs` against
/// Kubernetes' schemas (kubernetes-models from npm, installed when missing).
fn validate_kubernetes() -> Result {
    let dir = Path::new(KUBERNETES_DIR);
    let installed = KUBERNETES_TOOLS.iter().all(|(package, version)| {
        let manifest = dir.join("node_modules").join(package).join("package.json");
        std::fs::read_to_string(manifest).unwrap_or_default().contains(&format!("\"version\": \"{version}\""))
    });
    if !installed {
        println!("Installing kubernetes-models and js-yaml from npm into {KUBERNETES_DIR} (seconds, once)...");
        let specs: Vec<String> = KUBERNETES_TOOLS.iter().map(|(p, v)| format!("{p}@{v}")).collect();
        let mut args = vec!["install", "--prefix", KUBERNETES_DIR, "--no-audit", "--no-fund", "--no-save"];
        args.extend(specs.iter().map(String::as_str));
        sh("npm", &args).map_err(|e| format!("{e}; is Node.js with npm installed?"))?;
    }
    let mut manifests: Vec<String> = std::fs::read_dir("deploy/kubernetes")
        .map_err(|e| format!("cannot read deploy/kubernetes: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path().to_string_lossy().into_owned()))
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    manifests.sort();
    let mut args = vec!["xtask/validate-kubernetes.mjs", KUBERNETES_DIR];
    args.extend(manifests.iter().map(String::as_str));
    sh("node", &args)
}

/// The folder holding npm's `wasm-opt`.
fn binaryen_bin() -> PathBuf {
    workspace_root().join(BINARYEN_DIR).join("node_modules/.bin")
}

/// `PATH` with npm's `wasm-opt` first, for trunk.
fn path_with_wasm_opt() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    format!("{}:{path}", binaryen_bin().display())
}

/// Builds the page into `dist/` with trunk, offline, in release (wasm-opt -Oz, the CSS
/// and HTML minified), then minifies the JS glue with terser and writes each file's
/// brotli and gzip beside it (xtask/finish-page.cjs).
fn build_page() -> Result {
    let path = path_with_wasm_opt();
    sh_env("trunk", &["build", "--release"], &[("PATH", &path)])?;
    // The instructor's view, a WebAssembly of its own (none of its code in what every
    // trainee downloads), into dist/instructor/: trunk replaces the whole dist it builds.
    let instructor = ["build", "frontend/instructor.html", "--release", "--dist", INSTRUCTOR_DIST];
    sh_env("trunk", &[&instructor[..], &["--public-url", "/instructor/"]].concat(), &[("PATH", &path)])?;
    let into = Path::new("dist/instructor");
    let _ = std::fs::remove_dir_all(into);
    std::fs::rename(INSTRUCTOR_DIST, into)
        .map_err(|e| format!("cannot move {INSTRUCTOR_DIST} to {}: {e}", into.display()))?;
    sh("node", &["xtask/finish-page.cjs", "dist", TERSER_DIR])?;
    sh("node", &["xtask/finish-page.cjs", "dist/instructor", TERSER_DIR])
}

/// Where trunk builds the instructor's view before it moves into dist/instructor/.
const INSTRUCTOR_DIST: &str = "target/instructor-dist";

/// Debian's chromium and chromium-driver, installed when missing; returns chromedriver.
fn ensure_chromium() -> Result<String> {
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
    if !Path::new("/usr/bin/chromium").exists() || !Path::new(&driver).exists() {
        println!("Installing Debian's chromium and chromium-driver for the browser tests...");
        sh("apt-get", &["update"])?;
        sh_env(
            "apt-get",
            &["install", "-y", "--no-install-recommends", "chromium", "chromium-driver"],
            &[("DEBIAN_FRONTEND", "noninteractive")],
        )?;
    }
    Ok(driver)
}

/// Debian's nginx-light (the reverse proxy of an end-to-end test), installed when missing.
fn ensure_nginx() -> Result {
    if output_of("nginx", &["-v"]).is_some() {
        return Ok(());
    }
    println!("Installing Debian's nginx-light for the reverse-proxy test...");
    sh("apt-get", &["update"])?;
    let install = &["install", "-y", "--no-install-recommends", "nginx-light"];
    sh_env("apt-get", install, &[("DEBIAN_FRONTEND", "noninteractive")])
}

/// Debian's kcat (the outside peer of the throughput benchmark), installed when missing.
fn ensure_kcat() -> Result {
    if output_of("kcat", &["-V"]).is_some() {
        return Ok(());
    }
    println!("Installing Debian's kcat for the benchmarks...");
    sh("apt-get", &["update"])?;
    sh_env("apt-get", &["install", "-y", "--no-install-recommends", "kcat"], &[("DEBIAN_FRONTEND", "noninteractive")])
}

/// The benchmarks (backend/examples/bench.rs): release, into docs/BENCHMARKS.md; `quick`:
/// debug, small, into target/bench/, to keep the harness working.
fn bench(quick: bool) -> Result {
    ensure_page_tools()?;
    build_page()?;
    let driver = ensure_chromium()?;
    ensure_kcat()?;
    // Section 7 runs on Apache Kafka started from these jars.
    ensure_kafka()?;
    let mut build =
        vec!["build", "--package", "playground", "--bin", "playground", "--example", "bench", "--example", "load"];
    if !quick {
        build.push("--release");
    }
    sh(&cargo(), &build)?;
    let dir = if quick { "target/debug" } else { "target/release" };
    let (playground, load) = (format!("{dir}/playground"), format!("{dir}/examples/load"));
    let out = if quick { "target/bench/BENCHMARKS.md" } else { "docs/BENCHMARKS.md" };
    let mut args = vec!["--out", out, "--playground", &playground, "--load", &load, "--dist", "dist"];
    if quick {
        args.push("--quick");
    }
    sh_env(&format!("{dir}/examples/bench"), &args, &[("CHROMEDRIVER", &driver)])
}

fn run(extra: &[String]) -> Result {
    let started = Instant::now();
    // `--kafka` before `--` is xtask's: Apache Kafka instead of the embedded cluster.
    let kafka = extra.iter().take_while(|a| *a != "--").any(|a| a == "--kafka");
    if kafka {
        ensure_kafka()?;
    }
    ensure_page_tools()?;
    build_page()?;
    sh(&cargo(), &["build", "--release", "--package", "playground"])?;
    println!("Built in {:.0} s.", started.elapsed().as_secs_f64());
    let extra: Vec<&str> = extra.iter().map(String::as_str).filter(|a| *a != "--" && *a != "--kafka").collect();
    let binary = Path::new("target/release/playground");
    let mut command = Command::new(binary);
    if kafka {
        command.args(["--local-kafka", KAFKA_DIR]);
    }
    command.args(&extra);
    #[cfg(unix)]
    {
        // Become the playground, so Ctrl-C reaches it alone and it stops cleanly.
        use std::os::unix::process::CommandExt;
        Err(format!("could not start {}: {}", binary.display(), command.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(|e| e.to_string())?;
        if status.success() { Ok(()) } else { Err(format!("playground exited with {status}")) }
    }
}

/// A class of simulated trainees against a playground in its own process (see
/// backend/examples/load.rs); `release` as for a workshop, debug for CI's short run.
fn load(extra: &[String], release: bool) -> Result {
    let profile = if release { vec!["--release"] } else { vec![] };
    let mut build = vec!["build", "--package", "playground", "--bin", "playground", "--example", "load"];
    build.extend(&profile);
    sh(&cargo(), &build)?;
    let dir = if release { "target/release" } else { "target/debug" };
    let mut server = Command::new(format!("{dir}/playground"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--static-dir",
            "/nonexistent",
            "--max-sessions",
            "1000",
            "--max-sessions-per-address",
            "1000",
            // Every simulated trainee connects from 127.0.0.1, as behind a reverse proxy:
            // the idle ones connecting at once must not meet the cap one address has.
            "--max-connections-per-address",
            "1000",
        ])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the playground: {e}"))?;
    let addr = server_address(&mut server);
    let result = match addr {
        Some(addr) => {
            let pid = server.id().to_string();
            let mut args = vec!["--addr", addr.as_str(), "--pid", pid.as_str()];
            args.extend(extra.iter().map(String::as_str).filter(|a| *a != "--"));
            sh(&format!("{dir}/examples/load"), &args)
        }
        None => Err("the playground did not say where it listens".to_owned()),
    };
    let _ = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    let _ = server.wait();
    result
}

/// Reads the playground's stdout up to its "ready: http://ADDR/" line; then keeps
/// draining it, so the server never writes to a closed pipe.
fn server_address(server: &mut std::process::Child) -> Option<String> {
    use std::io::BufRead;
    let mut out = std::io::BufReader::new(server.stdout.take()?);
    let mut line = String::new();
    while out.read_line(&mut line).ok()? > 0 {
        if let Some((_, rest)) = line.split_once("ready: http://") {
            let addr = rest.trim().trim_end_matches('/').to_owned();
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            return Some(addr);
        }
        line.clear();
    }
    None
}

/// One check of `cargo xtask test` and how it went.
struct Check {
    name: &'static str,
    outcome: Result,
    seconds: f64,
}

fn test() -> Result {
    let started = Instant::now();
    let mut checks: Vec<Check> = Vec::new();
    let mut check = |name: &'static str, f: &mut dyn FnMut() -> Result| {
        println!("\n=== {name} ===");
        let t = Instant::now();
        let outcome = f();
        if let Err(e) = &outcome {
            eprintln!("--- {name} FAILED: {e}");
        }
        let ok = outcome.is_ok();
        checks.push(Check { name, outcome, seconds: t.elapsed().as_secs_f64() });
        ok
    };
    let cargo = cargo();
    check("fmt", &mut || sh(&cargo, &["fmt", "--all", "--check"]));
    check("clippy", &mut || sh(&cargo, &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]));
    check("unit and integration tests", &mut || sh(&cargo, &["test", "--workspace"]));
    // The load test's harness, short, so that it keeps working: 50 trainees for 10 s.
    check("load test (50 trainees, 10 s)", &mut || {
        load(&["--trainees".into(), "50".into(), "--seconds".into(), "10".into()], false)
    });
    check("tests against Apache Kafka (3 brokers, KRaft)", &mut real_kafka_tests);
    let tools = check("install page tools", &mut ensure_page_tools);
    check("Kubernetes manifests (schemas)", &mut validate_kubernetes);
    let mut driver = String::new();
    let browser = check("install chromium and nginx", &mut || {
        ensure_nginx()?;
        ensure_chromium().map(|d| driver = d)
    });
    if tools && browser {
        let webdriver_json = write_webdriver_json()?;
        check("page tests in Chromium (wasm-bindgen-test)", &mut || {
            sh_env(
                &cargo,
                &["test", "--package", "frontend", "--target", "wasm32-unknown-unknown", "--test", "browser"],
                &[("CHROMEDRIVER", &driver), ("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json)],
            )
        });
        if check("build the page", &mut build_page) {
            check("end-to-end tests in Chromium", &mut || {
                // One of them runs the page on Apache Kafka, from the jars fetched above;
                // another runs axe-core in the page.
                ensure_kafka()?;
                ensure_npm_tool("axe-core", AXE_VERSION, AXE_DIR)?;
                let kafka_dir = workspace_root().join(KAFKA_DIR).display().to_string();
                let axe = workspace_root().join(AXE_DIR).join("node_modules/axe-core/axe.min.js");
                ignored_integration_tests(
                    &["browser::"],
                    &[
                        ("CHROMEDRIVER", &driver),
                        ("PLAYGROUND_KAFKA_DIR", &kafka_dir),
                        ("PLAYGROUND_AXE", &axe.display().to_string()),
                    ],
                )
            });
            // The benchmarks' harness, small and in debug, so that it keeps working; its
            // times are not judged here (`cargo xtask bench` does, in release).
            check("benchmark harness (bench --quick)", &mut || bench(true));
        }
    }

    println!("\n=== summary ({:.0} s) ===", started.elapsed().as_secs_f64());
    for c in &checks {
        let mark = if c.outcome.is_ok() { "ok    " } else { "FAILED" };
        println!("{mark} {:<45} {:>6.0} s", c.name, c.seconds);
    }
    let failed = checks.iter().filter(|c| c.outcome.is_err()).count();
    let skipped = usize::from(!(tools && browser)) * 4;
    if skipped > 0 {
        println!("(the browser checks were skipped: their tools could not be installed)");
    }
    println!("checks: {} passed, {} failed", checks.len() - failed, failed + skipped);
    if failed + skipped == 0 { Ok(()) } else { Err(format!("{} checks failed", failed + skipped)) }
}

/// Chromium's flags for wasm-bindgen-test-runner, which reads them from a file.
fn write_webdriver_json() -> Result<String> {
    let dir = Path::new("target/xtask");
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let profile = std::env::temp_dir().join(format!("playground-wasm-test-{}", std::process::id()));
    let mut args: Vec<String> = CHROMIUM_ARGS.lines().map(|a| format!("\"{a}\"")).collect();
    args.push(format!("\"--user-data-dir={}\"", profile.display()));
    let json = format!("{{\"goog:chromeOptions\": {{\"args\": [{}]}}}}\n", args.join(", "));
    let path = dir.join("webdriver.json");
    std::fs::write(&path, json).map_err(|e| e.to_string())?;
    Ok(path.canonicalize().map_err(|e| e.to_string())?.display().to_string())
}
