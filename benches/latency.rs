//! Latency benchmarks of the real binary (not a test: it prints figures and never fails on them).
//!
//! Start-up to first answer, idle and loaded memory, the wake-up delay of `/__inspect/wait` after the
//! matching send, inspection queries and reset at 100,000 stored notifications. Run through
//! `bash benches/run.sh`, or `cargo bench --bench latency` after `cargo build --release`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SEND: &str =
    "/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79";
const BODY: &str = r#"{"users":[1,3,4],"title":"构建成功","subtitle":"main #42","content":"**全部通过**","contentType":"text","url":"https://ci.example.com/builds/42","actions":[{"label":"查看","url":"https://ci.example.com/builds/42","type":"primary"}],"sender":{"id":"ci","name":"CI","avatar":"https://ci.example.com/logo.png"}}"#;
const STORED: usize = 100_000;

fn binary() -> String {
    std::env::var("XXB_MOCK_BIN").unwrap_or_else(|_| "target/release/xxb-mock".into())
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    start_with(&[])
}

fn start_with(args: &[&str]) -> Server {
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

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<52} p50 {:>9.3} ms   p99 {:>9.3} ms   max {:>9.3} ms   (n={})",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
        samples.len()
    );
}

async fn timed_get(client: &reqwest::Client, url: &str) -> Duration {
    let started = Instant::now();
    let response = client.get(url).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.bytes().await.unwrap();
    started.elapsed()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let client = reqwest::Client::new();

    // Start-up: from spawning the process to the first answered API call.
    let mut startups = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let server = start();
        let url = format!(
            "{}/x.php?m=im&f=getGroupChats&code=myAppCode&token=07a22de5b9c287eaaf5c04320fe48aba",
            server.url
        );
        let body = client.get(&url).send().await.unwrap().text().await.unwrap();
        assert!(body.starts_with(r#"{"result":"success""#));
        startups.push(started.elapsed());
    }
    report("process start to first answered request", startups);

    // Start-up with a generated organisation of 10,000 users and 1,000 groups.
    let fixtures =
        std::env::temp_dir().join(format!("xxb-mock-bench-fixtures-{}", std::process::id()));
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(
        fixtures.join("users.json"),
        r#"[{"id":1,"account":"admin","admin":"super"}]"#,
    )
    .unwrap();
    std::fs::write(
        fixtures.join("apps.json"),
        r#"[{"code":"myAppCode","key":"3cd0914d656e90ab181f1d52ff352cfe"}]"#,
    )
    .unwrap();
    std::fs::write(
        fixtures.join("generate.json"),
        r#"{"users": 10000, "groups": 1000, "seed": 7}"#,
    )
    .unwrap();
    let mut large = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let server = start_with(&["--fixtures", fixtures.to_str().unwrap()]);
        let url = format!(
            "{}/x.php?m=im&f=getGroupChats&code=myAppCode&token=07a22de5b9c287eaaf5c04320fe48aba",
            server.url
        );
        assert!(client
            .get(&url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .starts_with(r#"{"result":"success""#));
        large.push(started.elapsed());
    }
    report("start with 10,000 generated users, 1,000 groups", large);
    let _ = std::fs::remove_dir_all(&fixtures);

    let server = start();
    tokio::time::sleep(Duration::from_millis(300)).await;
    println!(
        "{:<52} {:>9.1} MiB",
        "resident memory, idle",
        rss_kib(server.child.id()) as f64 / 1024.0
    );

    // Wake-up: a waiter parked on the next notification, woken by the send.
    let mut wakeups = Vec::new();
    for i in 0..200 {
        let wait_url = format!(
            "{}/__inspect/wait?count=1&after={i}&timeout_ms=5000",
            server.url
        );
        let waiter = {
            let client = client.clone();
            tokio::spawn(async move {
                let response = client.get(&wait_url).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap();
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        let response = client
            .post(format!("{}{SEND}", server.url))
            .body(BODY)
            .send()
            .await
            .unwrap();
        response.bytes().await.unwrap();
        let acknowledged = Instant::now();
        let woken = waiter.await.unwrap();
        wakeups.push(woken.saturating_duration_since(acknowledged));
    }
    report("wait woken after the send is acknowledged", wakeups);

    // Fill to 100,000 notifications, 64 sends at a time.
    let started = Instant::now();
    let already = 200;
    let mut sends = tokio::task::JoinSet::new();
    for i in already..STORED {
        if sends.len() >= 64 {
            sends.join_next().await.unwrap().unwrap();
        }
        let client = client.clone();
        let url = format!("{}{SEND}", server.url);
        sends.spawn(async move {
            let text = client
                .post(url)
                .body(BODY)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(text.contains("success"), "send {i}: {text}");
        });
    }
    while let Some(done) = sends.join_next().await {
        done.unwrap();
    }
    let filled = started.elapsed();
    println!(
        "{:<52} {:>9.1} s ({:.0} sends/s through reqwest)",
        "filling 100,000 notifications",
        filled.as_secs_f64(),
        (STORED - already) as f64 / filled.as_secs_f64()
    );
    println!(
        "{:<52} {:>9.1} MiB",
        "resident memory, 100,000 notifications",
        rss_kib(server.child.id()) as f64 / 1024.0
    );

    for (name, path) in [
        (
            "GET /notifications?limit=100 (100k stored)",
            "/__inspect/notifications?limit=100",
        ),
        (
            "GET /notifications?user=zhangsan&limit=100",
            "/__inspect/notifications?user=zhangsan&limit=100",
        ),
        (
            "GET /notifications?user=3&order=desc&limit=10",
            "/__inspect/notifications?user=3&order=desc&limit=10",
        ),
        (
            "GET /notifications?after=99990",
            "/__inspect/notifications?after=99990",
        ),
        (
            "GET /requests?limit=100 (100k journaled)",
            "/__inspect/requests?limit=100",
        ),
        (
            "GET /requests?outcome=rejected",
            "/__inspect/requests?outcome=rejected",
        ),
        (
            "GET /wait?count=1 (already satisfied)",
            "/__inspect/wait?count=1&user=lisi",
        ),
    ] {
        let url = format!("{}{path}", server.url);
        let mut samples = Vec::new();
        for _ in 0..50 {
            samples.push(timed_get(&client, &url).await);
        }
        report(name, samples);
    }

    // Reset at 100,000 notifications (and as many journal entries).
    let started = Instant::now();
    let answer: serde_json::Value = client
        .post(format!("{}/__inspect/reset", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let total = started.elapsed();
    println!(
        "{:<52} {:>9.3} ms round trip, {:.3} ms in the store",
        "POST /reset with 100,000 notifications",
        total.as_secs_f64() * 1e3,
        answer["duration_us"].as_f64().unwrap_or(0.0) / 1e3
    );
}
