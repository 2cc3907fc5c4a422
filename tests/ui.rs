//! `/__ui` in a real headless Chromium, driven over WebDriver (chromedriver): live notifications with
//! rendered Markdown and action buttons, injected code shown inert, the journal with its findings,
//! unread counts, the reset button, the admin-token prompt. Screenshots of each view at desktop and
//! phone width go to `target/ui-screenshots/`.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use xxb_mock::MockServer;

const GROUP: &str = "30683aea-7a1f-4ec8-a6d6-834e0310fd7d";

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
        let mut last_error = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        profile,
                    }
                }
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot start headless Chromium: {last_error:?}");
    }

    async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    async fn ready(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.wait_for("body[data-ready=true]").await;
    }

    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
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
    for link in card.find_all(Locator::Css("a")).await.unwrap() {
        let _ = link.click().await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
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
    for _ in 0..50 {
        if server.requests().await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
