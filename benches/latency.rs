//! Latency benchmarks of the real binary (not a test: it measures and never fails on a figure).
//!
//! Start-up to first answer, idle and loaded memory, the wake-up delay of `/__inspect/wait` from the
//! start of the matching send, every documented filter of `/__inspect/notifications` and
//! `/__inspect/requests` at 100,000 stored notifications, and reset at 100,000, each in memory and
//! with `--db FILE`. Every sample goes to `benches/results/latency-<UTC time>.json` with the machine,
//! the date and the commit; the README's figures are copied from such a file. Run through
//! `bash benches/run.sh`, or `cargo bench --bench latency` after `cargo build --release`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "3cd0914d656e90ab181f1d52ff352cfe";
const GROUPS: [&str; 3] = [
    "30683aea-7a1f-4ec8-a6d6-834e0310fd7d",
    "81c6ba89-00ab-4431-8e47-063556ae4886",
    "64da14c3-c07a-45af-9c61-4e638de4af26",
];
const STORED: usize = 100_000;
/// Samples of each inspection query.
const QUERY_SAMPLES: usize = 30;
/// Samples of reset at 100,000 notifications: in memory each needs a new fill through HTTP.
const RESET_SAMPLES_IN_MEMORY: usize = 5;
const RESET_SAMPLES_WITH_FILE: usize = 15;

fn binary() -> String {
    std::env::var("XXB_MOCK_BIN").unwrap_or_else(|_| "target/release/xxb-mock".into())
}

/// `md5(md5(query) + key)`; the benchmark's queries are their own PHP re-encoding.
fn signed(query: &str) -> String {
    let inner = format!("{:x}", md5::compute(query));
    let token = format!("{:x}", md5::compute(format!("{inner}{KEY}")));
    format!("{query}&token={token}")
}

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(binary())
            .args(["serve", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run `cargo build --release` first");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim_end()
            .trim_start_matches("xxb-mock listening on ")
            .to_string();
        Server { child, url }
    }

    fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    }

    /// SIGTERM, then waits for the clean exit (the database file is complete afterwards).
    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every measure of the run, with its raw samples.
#[derive(Default)]
struct Results {
    measures: Vec<Value>,
}

impl Results {
    /// Samples in milliseconds: printed as p50 / p99 / max and kept whole.
    fn samples(&mut self, name: &str, mode: &str, samples: &[Duration]) {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
        let (p50, p99, max) = (at(0.5), at(0.99), ms[ms.len() - 1]);
        println!(
            "{:<58} {mode:<9} p50 {p50:>9.3} ms  p99 {p99:>9.3} ms  max {max:>9.3} ms  (n={})",
            name,
            ms.len()
        );
        let raw: Vec<f64> = samples
            .iter()
            .map(|d| (d.as_secs_f64() * 1e6).round() / 1e3)
            .collect();
        self.measures.push(json!({
            "name": name, "mode": mode, "unit": "ms", "n": ms.len(),
            "p50": round3(p50), "p99": round3(p99), "max": round3(max), "samples": raw,
        }));
    }

    /// One value.
    fn value(&mut self, name: &str, mode: &str, value: f64, unit: &str) {
        println!("{name:<58} {mode:<9} {value:>9.1} {unit}");
        self.measures.push(
            json!({"name": name, "mode": mode, "unit": unit, "value": (value * 10.0).round() / 10.0}),
        );
    }
}

fn round3(ms: f64) -> f64 {
    (ms * 1e3).round() / 1e3
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = time::OffsetDateTime::now_utc();
    let machine_before = machine();
    let mut results = Results::default();
    runtime.block_on(run(&mut results));
    let file = write_results(started, machine_before, results);
    let shown = file
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(&file);
    println!("raw results: {}", shown.display());
}

async fn run(results: &mut Results) {
    let client = reqwest::Client::new();
    let work = std::env::temp_dir().join(format!("xxb-mock-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();

    start_up(&client, &work, results).await;

    // In memory: the wake-up delay on an empty server, then 100,000 notifications.
    let server = Server::start(&[]);
    first_answer(&client, &server.url).await;
    results.value("resident memory, idle", "memory", server.rss_mib(), "MiB");
    wake_up(&client, &server.url, results).await;
    let started = Instant::now();
    let sent = fill(
        &client,
        &server.url,
        STORED - stored(&client, &server.url).await,
    )
    .await;
    let filled = started.elapsed();
    results.value(
        "fill to 100,000 notifications through reqwest (64 in flight)",
        "memory",
        sent as f64 / filled.as_secs_f64(),
        "sends/s",
    );
    results.value(
        "resident memory, 100,000 notifications",
        "memory",
        server.rss_mib(),
        "MiB",
    );
    queries(&client, &server.url, "memory", results).await;
    let mut resets = vec![reset(&client, &server.url).await];
    for _ in 1..RESET_SAMPLES_IN_MEMORY {
        fill(&client, &server.url, STORED).await;
        resets.push(reset(&client, &server.url).await);
    }
    record_resets(results, "memory", &resets);
    drop(server);

    // With a file: filled once, then the same queries; each reset on a copy of that file.
    let db = work.join("filled.db");
    let server = Server::start(&["--db", db.to_str().unwrap()]);
    first_answer(&client, &server.url).await;
    fill(&client, &server.url, STORED).await;
    results.value(
        "resident memory, 100,000 notifications",
        "file",
        server.rss_mib(),
        "MiB",
    );
    queries(&client, &server.url, "file", results).await;
    server.stop();
    let mut resets = Vec::new();
    for sample in 0..RESET_SAMPLES_WITH_FILE {
        let copy = work.join(format!("reset-{sample}.db"));
        copy_database(&db, &copy);
        let server = Server::start(&["--db", copy.to_str().unwrap()]);
        first_answer(&client, &server.url).await;
        resets.push(reset(&client, &server.url).await);
        drop(server);
        remove_database(&copy);
    }
    record_resets(results, "file", &resets);
    let _ = std::fs::remove_dir_all(&work);
}

/// From spawning the process to the first answered API call: the embedded fixtures, and a generated
/// organisation of 10,000 users and 1,000 groups.
async fn start_up(client: &reqwest::Client, work: &Path, results: &mut Results) {
    let mut samples = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let server = Server::start(&[]);
        first_answer(client, &server.url).await;
        samples.push(started.elapsed());
    }
    results.samples(
        "process start to first answered request",
        "memory",
        &samples,
    );

    let fixtures = work.join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(
        fixtures.join("users.json"),
        r#"[{"id":1,"account":"admin","admin":"super"}]"#,
    )
    .unwrap();
    std::fs::write(
        fixtures.join("apps.json"),
        format!(r#"[{{"code":"myAppCode","key":"{KEY}"}}]"#),
    )
    .unwrap();
    std::fs::write(
        fixtures.join("generate.json"),
        r#"{"users": 10000, "groups": 1000, "seed": 7}"#,
    )
    .unwrap();
    let mut samples = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let server = Server::start(&["--fixtures", fixtures.to_str().unwrap()]);
        first_answer(client, &server.url).await;
        samples.push(started.elapsed());
    }
    results.samples(
        "start with 10,000 generated users and 1,000 groups",
        "memory",
        &samples,
    );
}

async fn first_answer(client: &reqwest::Client, url: &str) {
    let query = signed("m=im&f=getGroupChats&code=myAppCode");
    let body = client
        .get(format!("{url}/x.php?{query}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.starts_with(r#"{"result":"success""#), "{body}");
}

fn notification_body(title: &str) -> String {
    format!(
        r#"{{"users":[1,3,4],"title":"{title}","subtitle":"main #42","content":"**全部通过**","contentType":"text","url":"https://ci.example.com/builds/42","actions":[{{"label":"查看","url":"https://ci.example.com/builds/42","type":"primary"}}],"sender":{{"id":"ci","name":"CI","avatar":"https://ci.example.com/logo.png"}}}}"#
    )
}

/// One send of the fill: nine notifications to users for one message into a group chat, and every
/// hundredth a rejected send (no sender) besides, so each filter has something to find.
fn nth_send(i: usize) -> Vec<(String, String, bool)> {
    let title = format!("构建成功 #{i}");
    let mut sends = Vec::new();
    if i % 10 == 9 {
        let body = notification_body(&title).replace(
            r#""users":[1,3,4]"#,
            &format!(r#""gid":"{}""#, GROUPS[i % 3]),
        );
        sends.push((signed("m=im&f=sendChatMessage&code=myAppCode"), body, true));
    } else {
        sends.push((
            signed("m=im&f=sendNotification&code=myAppCode"),
            notification_body(&title),
            true,
        ));
    }
    if i % 100 == 0 {
        sends.push((
            signed("m=im&f=sendNotification&code=myAppCode"),
            format!(r#"{{"users":[3],"title":"{title}"}}"#),
            false,
        ));
    }
    sends
}

/// Stores `count` more notifications, 64 sends in flight; returns how many sends it made.
async fn fill(client: &reqwest::Client, url: &str, count: usize) -> usize {
    let mut in_flight = tokio::task::JoinSet::new();
    let mut sent = 0;
    for i in 0..count {
        for (query, body, accepted) in nth_send(i) {
            while in_flight.len() >= 64 {
                in_flight.join_next().await.unwrap().unwrap();
            }
            let client = client.clone();
            let url = format!("{url}/x.php?{query}");
            sent += 1;
            in_flight.spawn(async move {
                let text = client
                    .post(url)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                assert_eq!(text.contains(r#""result":"success""#), accepted, "{text}");
            });
        }
    }
    while let Some(done) = in_flight.join_next().await {
        done.unwrap();
    }
    sent
}

async fn stored(client: &reqwest::Client, url: &str) -> usize {
    let page: Value = client
        .get(format!("{url}/__inspect/notifications?limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["total"].as_u64().unwrap() as usize
}

async fn waiters(client: &reqwest::Client, url: &str) -> u64 {
    let health: Value = client
        .get(format!("{url}/__inspect/waits"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    health["pending"].as_u64().unwrap()
}

/// A waiter parked on the next notification (seen pending in `/__inspect/waits`), then the send
/// that wakes it: the time from the start of the send to the waiter's answer, and the send's own
/// round trip for comparison.
async fn wake_up(client: &reqwest::Client, url: &str, results: &mut Results) {
    let send_url = format!(
        "{url}/x.php?{}",
        signed("m=im&f=sendNotification&code=myAppCode")
    );
    let (mut woken, mut acknowledged) = (Vec::new(), Vec::new());
    for i in 0..200 {
        let after = stored(client, url).await;
        let wait_url = format!("{url}/__inspect/wait?count=1&after={after}&timeout_ms=60000");
        let waiter = {
            let client = client.clone();
            tokio::spawn(async move {
                let response = client.get(&wait_url).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap();
                Instant::now()
            })
        };
        while waiters(client, url).await == 0 {
            tokio::task::yield_now().await;
        }
        let started = Instant::now();
        let response = client
            .post(&send_url)
            .body(notification_body(&format!("wake {i}")))
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap();
        acknowledged.push(started.elapsed());
        woken.push(waiter.await.unwrap() - started);
    }
    results.samples(
        "wait answered, from the start of the matching send",
        "memory",
        &woken,
    );
    results.samples(
        "the matching send acknowledged, from its start",
        "memory",
        &acknowledged,
    );
}

/// Every documented filter of `/notifications` and `/requests`, and a satisfied `/wait`.
async fn queries(client: &reqwest::Client, url: &str, mode: &str, results: &mut Results) {
    let after = STORED - 10;
    let gid = GROUPS[0];
    let queries = [
        "/__inspect/notifications?limit=100".to_string(),
        "/__inspect/notifications?limit=1000".to_string(),
        "/__inspect/notifications?order=desc&limit=100".to_string(),
        format!("/__inspect/notifications?after={after}"),
        "/__inspect/notifications?user=zhangsan&limit=100".to_string(),
        "/__inspect/notifications?user=3&order=desc&limit=10".to_string(),
        format!("/__inspect/notifications?gid={gid}&limit=100"),
        "/__inspect/notifications?kind=chat&limit=100".to_string(),
        "/__inspect/notifications?kind=notification&limit=100".to_string(),
        "/__inspect/notifications?app=myAppCode&limit=100".to_string(),
        "/__inspect/notifications?title=%234242&limit=100".to_string(),
        "/__inspect/requests?limit=100".to_string(),
        "/__inspect/requests?order=desc&limit=100".to_string(),
        format!("/__inspect/requests?after={after}"),
        "/__inspect/requests?outcome=rejected&limit=100".to_string(),
        "/__inspect/requests?method=sendChatMessage&limit=100".to_string(),
        "/__inspect/requests?app=myAppCode&limit=100".to_string(),
        "/__inspect/requests?finding=missing_sender&limit=100".to_string(),
        "/__inspect/wait?count=1&user=lisi".to_string(),
    ];
    for path in queries {
        let url = format!("{url}{path}");
        let mut samples = Vec::new();
        for _ in 0..QUERY_SAMPLES {
            let started = Instant::now();
            let response = client.get(&url).send().await.unwrap();
            assert!(
                response.status().is_success(),
                "{url}: {}",
                response.status()
            );
            response.bytes().await.unwrap();
            samples.push(started.elapsed());
        }
        results.samples(&format!("GET {path}"), mode, &samples);
    }
}

/// `POST /__inspect/reset`: the round trip, and the time the store reports for itself.
async fn reset(client: &reqwest::Client, url: &str) -> (Duration, Duration) {
    assert_eq!(stored(client, url).await, STORED);
    let started = Instant::now();
    let answer: Value = client
        .post(format!("{url}/__inspect/reset"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let round_trip = started.elapsed();
    let in_store = Duration::from_micros(answer["duration_us"].as_u64().unwrap());
    (round_trip, in_store)
}

fn record_resets(results: &mut Results, mode: &str, resets: &[(Duration, Duration)]) {
    let round_trips: Vec<Duration> = resets.iter().map(|r| r.0).collect();
    let in_store: Vec<Duration> = resets.iter().map(|r| r.1).collect();
    results.samples(
        "POST /__inspect/reset at 100,000 notifications, round trip",
        mode,
        &round_trips,
    );
    results.samples(
        "POST /__inspect/reset at 100,000 notifications, in the store",
        mode,
        &in_store,
    );
}

/// A database file with its write-ahead log, copied while no server has it open.
fn copy_database(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", from.display()));
        if side.exists() {
            std::fs::copy(&side, format!("{}{suffix}", to.display())).unwrap();
        }
    }
}

fn remove_database(db: &Path) {
    let _ = std::fs::remove_file(db);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// What the figures depend on: the processor, cores, memory, kernel and load.
fn machine() -> Value {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let memory_kib: u64 = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    json!({
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "memory_gib": (memory_kib as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0,
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
        "load_average": read("/proc/loadavg").split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    })
}

fn commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let head = git(&["rev-parse", "--short=12", "HEAD"]);
    let dirty = !git(&["status", "--porcelain", "--untracked-files=no"]).is_empty();
    if dirty {
        format!("{head} (with uncommitted changes)")
    } else {
        head
    }
}

fn write_results(
    started: time::OffsetDateTime,
    machine_before: Value,
    results: Results,
) -> PathBuf {
    let stamp = started
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]-[minute]-[second]Z"
        ))
        .unwrap();
    let date = started
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let mut described = machine_before;
    described["load_average_after"] = machine()["load_average"].clone();
    let document = json!({
        "benchmark": "latency",
        "date": date,
        "commit": commit(),
        "binary": binary(),
        "machine": described,
        "measures": results.measures,
    });
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/results");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("latency-{stamp}.json"));
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&document).unwrap() + "\n",
    )
    .unwrap();
    file
}
