//! `/__ui` in a real headless Chromium, driven over WebDriver (chromedriver): live notifications with
//! rendered Markdown and action buttons, injected code shown inert, the journal with its findings,
//! unread counts, the reset button, the admin-token prompt, "copy as curl" run against the server.
//! Screenshots of each view at desktop and phone width go to `target/ui-screenshots/`.
//!
//! Every wait here is for a condition (an element, a state the page reports); the browser's own
//! waits are bounded only by `HANG_GUARD`, far beyond anything a slow machine needs, so that a
//! broken page fails with the element it lacked instead of hanging the suite.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use xxb_mock::MockServer;

const GROUP: &str = "30683aea-7a1f-4ec8-a6d6-834e0310fd7d";

/// How long a browser wait may last before the test gives up: a guard against a hang, not a
/// measure (each of these conditions holds within a fraction of a second on an idle machine).
const HANG_GUARD: Duration = Duration::from_secs(300);

struct Browser {
    client: Client,
    driver: Child,
    profile: std::path::PathBuf,
}

impl Browser {
    async fn open(width: u32, height: u32) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver runs (tests/run.sh installs Debian's chromium and chromium-driver)",
            );
        let profile =
            std::env::temp_dir().join(format!("xxb-mock-chromium-{}-{port}", std::process::id()));
        let capabilities: serde_json::Map<String, Value> = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         format!("--user-data-dir={}", profile.display()), format!("--window-size={width},{height}")]
            }
        }))
        .unwrap();
        // Connect once chromedriver listens (or fail if it exited).
        let mut driver = driver;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = driver.try_wait().unwrap() {
                panic!("chromedriver exited with {status}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot start headless Chromium: {e}"));
        Browser {
            client,
            driver,
            profile,
        }
    }

    /// Ends the session; `Drop` stops the processes.
    async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    async fn ready(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.wait_for("body[data-ready=true]").await;
    }

    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(HANG_GUARD)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
    }

    async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    async fn screenshot(&self, name: &str) {
        let target = std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| format!("{}/target", env!("CARGO_MANIFEST_DIR")));
        let dir = std::path::Path::new(&target).join("ui-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        assert!(png.len() > 1000, "a real picture");
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    async fn script(&self, code: &str) -> Value {
        self.client.execute(code, vec![]).await.unwrap()
    }

    /// Waits until `condition` (a JavaScript expression) is true in the page.
    async fn until(&self, condition: &str) {
        let code = format!("return Boolean({condition})");
        let mut waited = Duration::ZERO;
        while self.script(&code).await != json!(true) {
            assert!(waited < HANG_GUARD, "{condition} never held");
            tokio::time::sleep(Duration::from_millis(20)).await;
            waited += Duration::from_millis(20);
        }
    }

    /// Returns once the page has settled: every image loaded or failed (so its `error` handler
    /// ran), then two turns of the event loop (so tasks queued by earlier clicks, such as the
    /// navigation to a `javascript:` URL, ran).
    async fn settled(&self) {
        self.client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   const pending = [...document.images].filter((image) => !image.complete)
                     .map((image) => new Promise((loaded) => {
                       image.addEventListener('load', loaded);
                       image.addEventListener('error', loaded);
                     }));
                   Promise.all(pending).then(() => setTimeout(() => setTimeout(done, 0), 0));"#,
                vec![],
            )
            .await
            .unwrap();
    }
}

/// Stops chromedriver and the browser processes it started, also when a test panics before
/// `close`: the browser's processes are found by this browser's own profile directory in their
/// command lines, and each is ended by its id.
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let marker = format!("--user-data-dir={}", self.profile.display());
        let processes = std::fs::read_dir("/proc").into_iter().flatten().flatten();
        for process in processes {
            let Some(pid) = process
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<u32>().ok())
                .filter(|pid| *pid > 1 && *pid != std::process::id())
            else {
                continue;
            };
            let cmdline = std::fs::read(process.path().join("cmdline")).unwrap_or_default();
            let ours = cmdline
                .split(|b| *b == 0)
                .any(|arg| arg == marker.as_bytes());
            if ours {
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

async fn send(server: &MockServer, method: &str, body: Value) -> String {
    let url = format!(
        "{}/x.php?{}",
        server.uri(),
        server.sign(&format!("m=im&f={method}&code=myAppCode"))
    );
    reqwest::Client::new()
        .post(url)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn hostile_notification(users: Value) -> Value {
    json!({
        "users": users,
        "title": "<img src=x onerror=\"window.__xss='title'\">构建成功",
        "subtitle": "main #42",
        "content": "## 结果\n\n**加粗** 全部通过\n\n<script>window.__xss='script'</script><img src=x onerror=\"window.__xss='img'\">\n\n[点我](javascript:window.__xss='link')",
        "contentType": "text",
        "url": "javascript:window.__xss='url'",
        "actions": [
            {"label": "查看", "url": "https://ci.example.com/builds/42", "type": "primary"},
            {"label": "危险", "url": "javascript:window.__xss='action'", "type": "danger"}
        ],
        "sender": {"id": "ci", "name": "CI", "avatar": "https://avatar.invalid/ci.png"}
    })
}

async fn views(browser: &Browser, server: &MockServer, width: &str) {
    browser.ready(&format!("{}/__ui", server.uri())).await;
    // The notification centre of 张三: a notification sent while the page is open appears live.
    browser.click("#sidebar button[data-key='3']").await;
    assert_eq!(
        send(
            server,
            "sendNotification",
            hostile_notification(json!(["zhangsan"]))
        )
        .await,
        r#"{"result":"success","message":""}"#
    );
    let card = browser.wait_for("#content article.card").await;
    assert_eq!(
        browser
            .wait_for("#content .content strong")
            .await
            .text()
            .await
            .unwrap(),
        "加粗"
    );
    assert!(browser
        .wait_for("#content .content h2")
        .await
        .text()
        .await
        .unwrap()
        .contains("结果"));
    let title = browser
        .wait_for("#content .title")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        title.starts_with("<img src=x"),
        "the title is shown as text: {title}"
    );
    let good = browser.wait_for("a.btn[data-type=primary]").await;
    assert_eq!(
        good.attr("href").await.unwrap().as_deref(),
        Some("https://ci.example.com/builds/42")
    );
    let bad = browser.wait_for("a.btn[data-type=danger]").await;
    assert_eq!(
        bad.attr("href").await.unwrap(),
        None,
        "a javascript: action gets no link"
    );
    assert!(
        browser
            .client
            .find(Locator::Css("#content a.link"))
            .await
            .is_err(),
        "a javascript: url gets no link"
    );
    // Click everything clickable in the card: nothing injected may run.
    let links = card.find_all(Locator::Css("a")).await.unwrap();
    assert!(links.len() >= 3, "the content's link and both actions");
    for link in links {
        let text = link.text().await.unwrap();
        link.click()
            .await
            .unwrap_or_else(|e| panic!("cannot click the link {text:?}: {e}"));
    }
    browser.settled().await;
    assert_eq!(
        browser.script("return window.__xss === undefined").await,
        json!(true),
        "injected code ran"
    );
    assert_eq!(
        browser
            .script("return document.querySelectorAll('#content script').length")
            .await,
        json!(0)
    );
    // The avatar cannot load: the fallback shows the sender's initial.
    let fallback = browser.wait_for("#content .avatar.fallback").await;
    assert_eq!(fallback.text().await.unwrap(), "C");
    browser.screenshot(&format!("notifications-{width}")).await;

    // Unread: a notification for 李四 while 张三 is open.
    send(
        server,
        "sendNotification",
        hostile_notification(json!(["lisi"])),
    )
    .await;
    let badge = browser
        .wait_for("#sidebar button[data-key='4'] .badge:not(:empty)")
        .await;
    assert_eq!(badge.text().await.unwrap(), "1");

    // A group chat.
    browser.click("#tabs button[data-view=groups]").await;
    browser
        .click("#sidebar button[data-key='30683aea-7a1f-4ec8-a6d6-834e0310fd7d']")
        .await;
    let mut chat = hostile_notification(json!(null));
    chat.as_object_mut().unwrap().remove("users");
    chat["gid"] = json!("30683aea-7a1f-4ec8-a6d6-834e0310fd7d");
    chat["title"] = json!("v2.4.0 已发布");
    assert_eq!(
        send(server, "sendChatMessage", chat).await,
        r#"{"result":"success","message":""}"#
    );
    let title = browser
        .wait_for("#content .title")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(title, "v2.4.0 已发布");
    browser.screenshot(&format!("groups-{width}")).await;

    // The journal: a rejected request with its finding.
    send(
        server,
        "sendNotification",
        json!({"users": ["zhangsan"], "title": "no sender"}),
    )
    .await;
    browser.click("#tabs button[data-view=journal]").await;
    let rejected = browser
        .wait_for("#content article[data-outcome=rejected]")
        .await;
    assert!(rejected.text().await.unwrap().contains("missing_sender"));
    browser.screenshot(&format!("journal-{width}")).await;
    assert_eq!(
        browser.script("return window.__xss === undefined").await,
        json!(true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_at_desktop_width() {
    let server = MockServer::start().await;
    let browser = Browser::open(1280, 900).await;
    views(&browser, &server, "desktop").await;

    // Reset, after a confirmation.
    browser.click("#reset").await;
    browser.client.accept_alert().await.unwrap();
    // The page says so once the reset is done and the journal shown again.
    browser.wait_for("#content p.empty").await;
    assert!(server.requests().await.unwrap().is_empty());
    assert!(server.notifications().await.unwrap().is_empty());
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_at_phone_width() {
    let server = MockServer::start().await;
    let browser = Browser::open(390, 844).await;
    views(&browser, &server, "phone").await;
    let width = browser
        .script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        .await;
    assert_eq!(width, json!(true), "no horizontal scrolling at phone width");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_token_is_asked_for_and_kept_in_the_session() {
    let server = MockServer::builder().admin_token("s3cret").start().await;
    let browser = Browser::open(1280, 900).await;
    browser
        .client
        .goto(&format!("{}/__ui", server.uri()))
        .await
        .unwrap();
    let input = browser.wait_for("#token-dialog[open] #token-input").await;
    input.send_keys("s3cret").await.unwrap();
    browser.click("#token-dialog button").await;
    browser.wait_for("body[data-ready=true]").await;
    // Kept for the session: a reload does not ask again, and the live stream connects.
    browser.ready(&format!("{}/__ui", server.uri())).await;
    browser.wait_for("#live.on").await;
    browser.close().await;
}

/// Requests that "copy as curl" must reproduce: languages, forwarded addresses, bodies that are
/// not UTF-8 or hold a NUL, a query with quotes and brackets, HEAD; and a body the journal cut.
async fn send_awkward_requests(server: &MockServer) {
    let client = reqwest::Client::new();
    let x = |query: &str| format!("{}/x.php?{query}", server.uri());
    let send = x(&server.sign("m=im&f=sendNotification&code=myAppCode"));
    let requests = [
        client
            .post(&send)
            .header("Accept-Language", "en")
            .header("X-Forwarded-For", "10.1.2.3")
            .header("Content-Type", "application/json")
            .body(r#"{"users":["zhangsan"],"title":"it's 构建成功","contentType":"text","sender":{"id":"ci","name":"CI","avatar":"https://ci/a.png"}}"#),
        client
            .put(&send)
            .header("Client-IP", "192.168.1.9")
            .header("X-Forwarded-For", "10.9.9.9")
            .body(b"{\"users\":[1],\"title\":\"\xff\xfe\"}".to_vec()),
        client
            .patch(&send)
            .header("Accept-Language", "zh-TW,zh;q=0.9")
            .body("{\"users\":[1],\"title\":\"nul \u{0}\"}"),
        client.get(x(
            "m=im&f=getChatUsers&code=myAppCode&gid[]=a'b&x={y}&token=0123456789abcdef0123456789abcdef",
        )),
        client.head(x(&server.sign("m=im&f=getGroupChats&code=myAppCode"))),
        client.post(&send).body("x".repeat(70_000)),
    ];
    for request in requests {
        request.send().await.unwrap().bytes().await.unwrap();
    }
}

/// A journal entry without what differs from one request to the next.
fn comparable(mut entry: Value) -> Value {
    for volatile in ["seq", "received_at", "duration_us"] {
        entry.as_object_mut().unwrap().remove(volatile);
    }
    entry
}

async fn journal(server: &MockServer) -> Vec<Value> {
    let page: Value = reqwest::get(format!("{}/__inspect/requests?limit=1000", server.uri()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_as_curl_sends_the_same_request_again() {
    let server = MockServer::start().await;
    send_awkward_requests(&server).await;
    let originals = journal(&server).await;
    assert_eq!(originals.len(), 6);
    let browser = Browser::open(1280, 900).await;
    browser.ready(&format!("{}/__ui", server.uri())).await;
    browser.click("#tabs button[data-view=journal]").await;
    // The system clipboard is not the page's: the test reads what the page hands to it.
    browser
        .script("navigator.clipboard.writeText = (text) => { window.__copied = text; return Promise.resolve(); }")
        .await;
    for original in &originals {
        let seq = &original["seq"];
        browser.script("window.__copied = null").await;
        browser
            .click(&format!("article[data-seq='{seq}'] button.copy"))
            .await;
        browser.until("window.__copied !== null").await;
        let command = browser.script("return window.__copied").await;
        let command = command.as_str().unwrap().to_string();
        if original["body_truncated"] == true {
            assert!(
                command.contains("# The journal kept the first 65536 of 70000 bytes of the body"),
                "{command}"
            );
            continue;
        }
        let run = Command::new("bash")
            .arg("-c")
            .arg(&command)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{command}\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        if original["http_method"] != "HEAD" {
            assert_eq!(
                String::from_utf8_lossy(&run.stdout),
                original["response"].as_str().unwrap(),
                "{command}"
            );
        }
        let replayed = journal(&server).await.pop().unwrap();
        assert_eq!(
            comparable(replayed),
            comparable(original.clone()),
            "the request of {command}"
        );
    }
    browser.close().await;
}

fn plain_notification(users: Value, title: &str, url: &str) -> Value {
    json!({
        "users": users, "title": title, "contentType": "text", "url": url,
        "sender": {"id": "ci", "name": "CI", "avatar": "https://avatar.invalid/ci.png"}
    })
}

/// The query of the address bar, `?` included.
async fn address(browser: &Browser) -> String {
    let url = browser.client.current_url().await.unwrap();
    format!("?{}", url.query().unwrap_or(""))
}

async fn titles(browser: &Browser) -> Vec<String> {
    let mut titles = Vec::new();
    for title in browser
        .client
        .find_all(Locator::Css("#content article .title"))
        .await
        .unwrap()
    {
        titles.push(title.text().await.unwrap());
    }
    titles
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_links_open_the_view_they_name_and_the_address_follows_navigation() {
    let server = MockServer::start().await;
    let success = r#"{"result":"success","message":""}"#;
    for (title, url) in [("空链接", ""), ("相对链接", "builds/42")] {
        let body = plain_notification(json!(["zhangsan"]), title, url);
        assert_eq!(send(&server, "sendNotification", body).await, success);
    }
    let mut chat = plain_notification(json!(null), "群消息", "https://ci.example.com/");
    chat.as_object_mut().unwrap().remove("users");
    chat["gid"] = json!(GROUP);
    assert_eq!(send(&server, "sendChatMessage", chat).await, success);
    let no_sender = json!({"users": ["zhangsan"], "title": "no sender"});
    assert_ne!(send(&server, "sendNotification", no_sender).await, success);

    let browser = Browser::open(1280, 900).await;
    let page = format!("{}/__ui", server.uri());

    // A user's notification centre, by id or by account (the address then names the id).
    browser.ready(&format!("{page}?view=users&user=3")).await;
    browser
        .wait_for("#sidebar button[data-key='3'].active")
        .await;
    browser.wait_for("#content article.card").await;
    assert_eq!(titles(&browser).await, vec!["相对链接", "空链接"]);
    assert!(
        browser
            .client
            .find_all(Locator::Css("#content a.link"))
            .await
            .unwrap()
            .is_empty(),
        "neither an empty nor a relative url becomes a link (they would point at this page)"
    );
    browser.screenshot("deep-link-user").await;
    browser
        .ready(&format!("{page}?view=users&user=zhangsan"))
        .await;
    browser
        .wait_for("#sidebar button[data-key='3'].active")
        .await;
    assert_eq!(address(&browser).await, "?view=users&user=3");

    // A group chat.
    browser
        .ready(&format!("{page}?view=groups&gid={GROUP}"))
        .await;
    browser
        .wait_for("#tabs button[data-view=groups].active")
        .await;
    browser
        .wait_for(&format!("#sidebar button[data-key='{GROUP}'].active"))
        .await;
    browser.wait_for("#content article.card").await;
    assert_eq!(titles(&browser).await, vec!["群消息"]);

    // The journal, rejected requests only.
    browser
        .ready(&format!("{page}?view=journal&outcome=rejected"))
        .await;
    browser
        .wait_for("#sidebar button[data-outcome=rejected].active")
        .await;
    browser.wait_for("#content article").await;
    assert_eq!(
        browser
            .script(
                "return [...document.querySelectorAll('#content article')].map((a) => a.dataset.outcome)"
            )
            .await,
        json!(["rejected"])
    );

    // Each step lands in the address bar, and Back returns to the step before.
    browser.click("#sidebar button[data-outcome='']").await;
    browser
        .wait_for("#content article[data-outcome=accepted]")
        .await;
    assert_eq!(address(&browser).await, "?view=journal");
    browser.click("#tabs button[data-view=users]").await;
    assert_eq!(address(&browser).await, "?view=users");
    browser.click("#sidebar button[data-key='4']").await;
    assert_eq!(address(&browser).await, "?view=users&user=4");
    browser.click("#tabs button[data-view=groups]").await;
    assert_eq!(address(&browser).await, "?view=groups");
    browser.client.back().await.unwrap();
    browser
        .wait_for("#sidebar button[data-key='4'].active")
        .await;
    assert_eq!(address(&browser).await, "?view=users&user=4");
    browser
        .wait_for("#tabs button[data-view=users].active")
        .await;
    browser.client.back().await.unwrap();
    browser
        .wait_for("#tabs button[data-view=users].active")
        .await;
    browser.wait_for("#content p.empty").await;
    assert_eq!(address(&browser).await, "?view=users");
    browser.client.back().await.unwrap();
    browser
        .wait_for("#sidebar button[data-outcome=''].active")
        .await;
    assert_eq!(address(&browser).await, "?view=journal");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_notification_counts_as_unread_for_every_recipient_but_the_one_on_screen() {
    let server = MockServer::start().await;
    let browser = Browser::open(1280, 900).await;
    browser.ready(&format!("{}/__ui", server.uri())).await;
    browser.click("#sidebar button[data-key='4']").await;
    browser.wait_for("#live.on").await;
    let body = plain_notification(json!(["lisi", "zhangsan", "admin"]), "三人通知", "");
    send(&server, "sendNotification", body).await;
    browser.wait_for("#content article.card").await;
    for user in ["3", "1"] {
        let badge = browser
            .wait_for(&format!(
                "#sidebar button[data-key='{user}'] .badge:not(:empty)"
            ))
            .await;
        assert_eq!(badge.text().await.unwrap(), "1", "user {user}");
    }
    let on_screen = browser
        .wait_for("#sidebar button[data-key='4'].active .badge")
        .await;
    assert_eq!(on_screen.text().await.unwrap(), "", "seen on screen");
    // The counts survive a reload: they come from what was seen, not from the live event.
    browser
        .ready(&format!("{}/__ui?view=users&user=4", server.uri()))
        .await;
    let badge = browser
        .wait_for("#sidebar button[data-key='3'] .badge:not(:empty)")
        .await;
    assert_eq!(badge.text().await.unwrap(), "1");
    browser.close().await;
}

#[tokio::test]
async fn when_its_event_stream_lags_the_page_fetches_what_it_shows_again() {
    let server = std::sync::Arc::new(MockServer::start().await);
    let browser = Browser::open(1280, 900).await;
    browser
        .ready(&format!("{}/__ui?view=users&user=4", server.uri()))
        .await;
    browser.wait_for("#live.on").await;
    // The page stops reading its stream: its main thread is held by synchronous requests, from the
    // moment it stores a marker notification (for admin) until the 300 sent next are stored. 300
    // notifications of 60 KB (and their journal entries) do not fit in its connection, so the
    // stream falls behind and sends `lagged`.
    const SENT: u64 = 300;
    let marker = format!(
        "/x.php?{}",
        server.sign("m=im&f=sendNotification&code=myAppCode")
    );
    let mut body = plain_notification(json!(["lisi", "zhangsan"]), "大通知", "");
    body["content"] = json!("长".repeat(20_000));
    let sends = {
        let server = server.clone();
        tokio::spawn(async move {
            let marked = xxb_mock::Filter::new().user("admin");
            server
                .wait_for(marked, 1, Duration::from_secs(300))
                .await
                .expect("the page stored the marker");
            for _ in 0..SENT {
                send(&server, "sendNotification", body.clone()).await;
            }
        })
    };
    browser
        .script(&format!(
            r#"setTimeout(() => {{
                 const marker = new XMLHttpRequest();
                 marker.open('POST', '{marker}', false);
                 marker.send(JSON.stringify({{users: ['admin'], title: 'marker', contentType: 'text',
                   sender: {{id: 'ci', name: 'CI', avatar: 'https://avatar.invalid/ci.png'}}}}));
                 for (;;) {{
                   const xhr = new XMLHttpRequest();
                   xhr.open('GET', '/__inspect/notifications?limit=1', false);
                   xhr.send();
                   if (JSON.parse(xhr.responseText).total >= {SENT} + 1) break;
                 }}
               }}, 0);"#
        ))
        .await;
    sends.await.unwrap();
    browser
        .until("Number(document.body.dataset.refetched || 0) >= 1")
        .await;
    // What it shows is what the server holds: the newest page (200) of lisi (4, on screen), each
    // card once, and every notification unread for zhangsan (3).
    let seqs = browser
        .script("return [...document.querySelectorAll('#content article.card')].map((c) => Number(c.dataset.seq))")
        .await;
    let expected: Vec<u64> = (SENT - 198..=SENT + 1).rev().collect();
    assert_eq!(seqs, json!(expected));
    let badge = browser
        .wait_for("#sidebar button[data-key='3'] .badge:not(:empty)")
        .await;
    assert_eq!(badge.text().await.unwrap(), SENT.to_string());
    browser.close().await;
}

/// Sends through the direct API (`/im/...`), signed with the library's signing.
async fn send_directly(server: &MockServer, operation: &str, body: Value) -> String {
    let target = server.sign_xxd(&format!("/im/{operation}?code=myAppCode"));
    reqwest::Client::new()
        .post(format!("{}{target}", server.xxd_uri()))
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The `(api, meta line)` of each card on screen, newest first.
async fn cards(browser: &Browser) -> Vec<(String, String)> {
    let mut cards = Vec::new();
    for meta in browser
        .client
        .find_all(Locator::Css("#content article header .meta"))
        .await
        .unwrap()
    {
        let api = meta
            .find(Locator::Css(".api"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        cards.push((api, meta.text().await.unwrap()));
    }
    cards
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_of_both_apis_show_in_one_notification_centre() {
    let server = MockServer::start().await;
    let body = plain_notification(json!([3]), "经由 x.php", "https://ci.example.com/");
    assert_eq!(
        send(&server, "sendNotification", body).await,
        r#"{"result":"success","message":""}"#
    );
    let direct = json!({
        "users": [3], "title": "经由 xxd", "contentType": "text", "content": "**直连**",
        "sender": {"id": "cd", "displayName": "部署机器人", "avatar": "https://avatar.invalid/cd.png"}
    });
    let sent = "{\"result\":\"success\",\"message\":\"\"}\n";
    assert_eq!(
        send_directly(&server, "sendNotification", direct).await,
        sent
    );

    let browser = Browser::open(1280, 900).await;
    browser
        .ready(&format!("{}/__ui?view=users&user=3", server.uri()))
        .await;
    browser.wait_for("#content article.card").await;
    assert_eq!(titles(&browser).await, vec!["经由 xxd", "经由 x.php"]);
    let shown = cards(&browser).await;
    assert_eq!(shown[0].0, "xxd");
    assert_eq!(shown[1].0, "x.php");
    // Each as its API's clients show the sender: displayName on the direct API, name on /x.php.
    assert!(shown[0].1.contains("部署机器人"), "{shown:?}");
    assert!(shown[1].1.contains("CI"), "{shown:?}");
    assert_eq!(
        browser
            .wait_for("#content article.card .content strong")
            .await
            .text()
            .await
            .unwrap(),
        "直连"
    );

    // Live: a direct-API sender with `name` only shows no name, as the daemon shows none.
    let named = json!({
        "users": [3], "title": "只有 name", "sender": {"id": "cd", "name": "CD", "avatar": "https://avatar.invalid/cd.png"}
    });
    assert_eq!(
        send_directly(&server, "sendNotification", named).await,
        sent
    );
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath(
            "//article[.//div[@class='title' and text()='只有 name']]",
        ))
        .await
        .unwrap();
    let shown = cards(&browser).await;
    assert_eq!(shown[0].0, "xxd");
    assert!(!shown[0].1.contains("CD"), "{shown:?}");
    browser.screenshot("both-apis").await;

    // The journal marks each request with its API.
    browser
        .ready(&format!("{}/__ui?view=journal", server.uri()))
        .await;
    browser.wait_for("#content article").await;
    let mut apis = Vec::new();
    for badge in browser
        .client
        .find_all(Locator::Css("#content article header .api"))
        .await
        .unwrap()
    {
        apis.push(badge.text().await.unwrap());
    }
    assert_eq!(apis, ["xxd", "xxd", "x.php"]);
    browser.close().await;
}
