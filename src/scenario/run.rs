//! The runner: plays a scenario's steps as the client, against a fresh in-process server or a
//! target, and returns what happened as data. It never prints; reporters do.
//!
//! Against a server that is not an xxb-mock (no `/__inspect`), what only xxb-mock answers is
//! skipped with its reason: `mock_only` steps and scenarios, and the `inspect`, `wait`, `fault` and
//! `state` steps; a call is checked against `expect` there, and against `expect_mock` (when it has
//! one) on an xxb-mock. Against a running xxb-mock, the scenario's `validation` is asked for on each
//! call (the [`VALIDATION_HEADER`]), its `inspect` and `wait` steps see only what arrived after it
//! began, and it leaves the server as it found it ([`Footprint`]).

use super::capture::AnswerPath;
use super::capture::Captured;
use super::footprint::Footprint;
use super::matcher::{self, Mismatch};
use super::model::*;
use super::yaml::Pos;
use crate::config::{Config, ValidationMode, VALIDATION_HEADER};
use crate::domain::{Api, Change, Removal};
use crate::fixtures::{embedded_file, FixtureError, FixtureSource, Fixtures};
use crate::php::query::urlencode;
use crate::startup::Server;
use crate::xxb::token;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

/// One step's result.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StepResult {
    pub index: usize,
    pub label: String,
    pub pos: Pos,
    pub status: Status,
    /// Why it failed or was skipped.
    pub message: Option<String>,
    pub mismatches: Vec<Mismatch>,
    /// For a failed call: the journal entry of the request, with its findings.
    pub journal: Option<Value>,
    pub duration_ms: f64,
}

/// One scenario's result.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub file: PathBuf,
    /// Set when the scenario could not run at all (its fixtures are invalid, the target is down).
    pub error: Option<String>,
    pub steps: Vec<StepResult>,
    pub duration_ms: f64,
}

impl StepResult {
    fn new(step: &Step) -> StepResult {
        StepResult {
            index: step.index,
            label: step.label(),
            pos: step.pos,
            status: Status::Passed,
            message: None,
            mismatches: Vec::new(),
            journal: None,
            duration_ms: 0.0,
        }
    }

    fn skipped(step: &Step, message: String) -> StepResult {
        StepResult {
            status: Status::Skipped,
            message: Some(message),
            ..StepResult::new(step)
        }
    }
}

impl ScenarioResult {
    /// Where `step` is written: `file:line:col`, as editors and CI annotations read it.
    pub fn location(&self, step: &StepResult) -> String {
        format!("{}:{}:{}", self.file.display(), step.pos.line, step.pos.col)
    }

    pub fn passed(&self) -> bool {
        self.error.is_none() && self.steps.iter().all(|s| s.status != Status::Failed)
    }

    pub fn count(&self, status: Status) -> usize {
        self.steps.iter().filter(|s| s.status == status).count()
    }
}

/// The scenario's fixtures: its overlay merged over the embedded defaults (or in their place).
pub fn fixtures_of(scenario: &Scenario) -> Result<Fixtures, FixtureError> {
    let overlay = &scenario.fixtures;
    let merge = |file: &str, key: &str, extra: &[Value]| -> String {
        let mut items: Vec<Value> = match (overlay.replace, embedded_file(file)) {
            (false, Some(text)) => serde_json::from_str(text).unwrap_or_default(),
            _ => Vec::new(),
        };
        for entry in extra {
            match items
                .iter_mut()
                .find(|i| i.get(key).is_some() && i.get(key) == entry.get(key))
            {
                Some(existing) => *existing = entry.clone(),
                None => items.push(entry.clone()),
            }
        }
        Value::Array(items).to_string()
    };
    Fixtures::parse(
        Some(&merge("users.json", "id", &overlay.users)),
        Some(&merge("groups.json", "gid", &overlay.groups)),
        Some(&merge("apps.json", "code", &overlay.apps)),
    )
}

/// The application code and key that sign the scenario's calls.
fn signer(scenario: &Scenario, fixtures: &Fixtures) -> (String, Option<String>) {
    let app = match &scenario.app {
        Some(code) => fixtures.apps.iter().find(|a| &a.code == code),
        None => fixtures.apps.iter().find(|a| a.key.is_some()),
    };
    match app {
        Some(a) => (a.code.to_string(), a.key.clone()),
        None => (scenario.app.clone().unwrap_or_default(), None),
    }
}

/// A running server to replay scenarios against, instead of fresh in-process ones.
#[derive(Clone, Debug)]
pub struct Target {
    /// `http://HOST:PORT` or `https://...`, without a trailing slash.
    pub url: String,
    /// The client that reaches it (see [`crate::target::client`] for HTTPS).
    pub client: reqwest::Client,
    /// The application (code, key) that signs every call in place of the scenario's own.
    pub app: Option<(String, String)>,
}

impl Target {
    /// A target reached over plain HTTP, or over HTTPS trusted by the platform's trust store.
    pub fn new(url: &str) -> Target {
        let client = if url.starts_with("https:") {
            crate::target::client(&crate::target::Tls::default()).unwrap_or_default()
        } else {
            reqwest::Client::new()
        };
        Target {
            url: url.trim_end_matches('/').to_string(),
            client,
            app: None,
        }
    }
}

/// Runs a scenario against a fresh in-process server (`target: None`) or a running one.
pub async fn run(scenario: &Scenario, target: Option<&Target>) -> ScenarioResult {
    let started = Instant::now();
    let mut result = ScenarioResult {
        name: scenario.name.clone(),
        file: scenario.file.clone(),
        error: None,
        steps: Vec::new(),
        duration_ms: 0.0,
    };
    let fixtures = match fixtures_of(scenario) {
        Ok(f) => f,
        Err(e) => {
            result.error = Some(format!("the scenario's fixtures are invalid: {e}"));
            return result;
        }
    };
    let (mut code, mut key) = signer(scenario, &fixtures);
    if let Some((c, k)) = target.and_then(|t| t.app.clone()) {
        (code, key) = (c, Some(k));
    }
    let (client, base, _server) = match target {
        Some(t) => (t.client.clone(), t.url.clone(), None),
        None => {
            let config = Config {
                validation: scenario.validation.unwrap_or(ValidationMode::Strict),
                charset: scenario.charset.unwrap_or_default(),
                fixtures: FixtureSource::Given(Box::new(fixtures)),
                ..Config::default()
            };
            match Server::build(config).await {
                Ok(server) => {
                    let url = server.url();
                    let handle = server.handle();
                    tokio::spawn(server.run_until_stopped());
                    (reqwest::Client::new(), url, Some(Stopper(handle)))
                }
                Err(e) => {
                    result.error = Some(format!("cannot start a server: {e}"));
                    return result;
                }
            }
        }
    };
    let inspector = Inspector {
        client: client.clone(),
        base: base.clone(),
    };
    let inspectable = inspector.is_xxb_mock().await;
    if !inspectable {
        if let Some(mock_only) = &scenario.mock_only {
            let message = mock_only.skip_message();
            result.steps = scenario
                .steps
                .iter()
                .map(|step| StepResult::skipped(step, message.clone()))
                .collect();
            result.duration_ms = started.elapsed().as_secs_f64() * 1e3;
            return result;
        }
    }
    let footprint = if target.is_some() && inspectable {
        if scenario.fixtures.replace {
            result.error = Some(
                "`fixtures: replace: true` cannot be applied to a running server (its organisation would have to go); replay this scenario without --target".into(),
            );
            return result;
        }
        let footprint = match Footprint::begin(&inspector, scenario).await {
            Ok(footprint) => footprint,
            Err(e) => {
                result.error = Some(format!("cannot read the target's state: {e}"));
                return result;
            }
        };
        if let Err(e) = apply_overlay(&inspector, &scenario.fixtures).await {
            result.error = Some(e);
            // Whatever part of the overlay was saved is taken out again.
            let _ = footprint.clean(&inspector).await;
            return result;
        }
        Some(footprint)
    } else {
        None
    };
    let mut runner = Runner {
        client,
        base,
        inspector,
        inspectable,
        code,
        key,
        api: scenario.api,
        validation: scenario.validation.filter(|_| footprint.is_some()),
        cursors: footprint
            .as_ref()
            .map(|f| (f.notifications_after, f.requests_after)),
        captured: Captured::default(),
    };
    for step in &scenario.steps {
        let step_started = Instant::now();
        let mut outcome = runner.step(step).await;
        outcome.duration_ms = step_started.elapsed().as_secs_f64() * 1e3;
        if outcome.status != Status::Passed {
            let why = match outcome.status {
                Status::Skipped => format!("step {} was skipped", step.index),
                _ => format!("step {} failed", step.index),
            };
            for (name, _) in &step.capture {
                runner.captured.missing(name, why.clone());
            }
        }
        result.steps.push(outcome);
    }
    if let Some(footprint) = footprint {
        if let Err(e) = footprint.clean(&runner.inspector).await {
            result.error = Some(format!(
                "the scenario could not leave the target as it found it: {e}"
            ));
        }
    }
    result.duration_ms = started.elapsed().as_secs_f64() * 1e3;
    result
}

/// Stops an in-process server when the run is over.
struct Stopper(actix_web::dev::ServerHandle);

impl Drop for Stopper {
    fn drop(&mut self) {
        drop(self.0.stop(false));
    }
}

/// A scenario's fixtures on a running xxb-mock: added through the inspection API.
async fn apply_overlay(server: &Inspector, overlay: &FixtureOverlay) -> Result<(), String> {
    for (path, items) in [
        ("users", &overlay.users),
        ("groups", &overlay.groups),
        ("apps", &overlay.apps),
    ] {
        if items.is_empty() {
            continue;
        }
        server
            .call("POST", path, Value::Array(items.clone()))
            .await
            .map_err(|e| format!("the target refused the scenario's {path}: {e}"))?;
    }
    Ok(())
}

/// The inspection API of the server a scenario runs against.
pub struct Inspector {
    client: reqwest::Client,
    base: String,
}

impl Inspector {
    /// Whether the server answers the inspection API as an xxb-mock does. Asked of the journal,
    /// not of `/__inspect/health`, which answers even behind an admin token.
    async fn is_xxb_mock(&self) -> bool {
        match self
            .client
            .get(format!("{}/__inspect/requests?limit=1", self.base))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => {
                r.json::<Value>().await.is_ok_and(|v| v["total"].is_u64())
            }
            _ => false,
        }
    }

    /// A call of the inspection API that must succeed: method, path under `/__inspect/`, body.
    pub async fn call(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = self
            .client
            .request(method, format!("{}/__inspect/{path}", self.base));
        if !body.is_null() {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("the inspection API failed: {}", crate::target::describe(&e)))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("/__inspect/{path} answered {status}: {answer}"));
        }
        Ok(answer)
    }
}

struct Runner {
    client: reqwest::Client,
    base: String,
    inspector: Inspector,
    /// The server is an xxb-mock: mock-only steps run and `expect_mock` applies.
    inspectable: bool,
    code: String,
    key: Option<String>,
    /// The scenario's API, for calls that name none.
    api: Option<Api>,
    /// The validation mode each call asks a running xxb-mock for.
    validation: Option<ValidationMode>,
    /// On a running xxb-mock: the last notification and journal seqs before the scenario began.
    cursors: Option<(i64, i64)>,
    captured: Captured,
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k.as_bytes()), urlencode(v.as_bytes())))
        .collect::<Vec<_>>()
        .join("&")
}

/// `filters` with an `after` cursor added, unless they name one.
fn after(mut filters: Vec<(String, String)>, cursor: Option<i64>) -> Vec<(String, String)> {
    if let Some(seq) = cursor {
        if !filters.iter().any(|(k, _)| k == "after") {
            filters.push(("after".into(), seq.to_string()));
        }
    }
    filters
}

impl Runner {
    async fn step(&mut self, step: &Step) -> StepResult {
        if !self.inspectable {
            let skipped = match (&step.mock_only, &step.kind) {
                (Some(mock_only), _) => Some(mock_only.skip_message()),
                (None, StepKind::Call(_)) => None,
                (None, _) => Some("the target has no /__inspect (not an xxb-mock)".to_string()),
            };
            if let Some(message) = skipped {
                return StepResult::skipped(step, message);
            }
        }
        let kind = match self.resolve(&step.kind) {
            Ok(kind) => kind,
            Err(why) => return StepResult::skipped(step, format!("not run: {why}")),
        };
        let mut result = StepResult::new(step);
        let outcome = match &kind {
            StepKind::Call(call) => self.call(call, &step.capture, &mut result).await,
            StepKind::Inspect(inspect) => self.inspect(inspect, &mut result).await,
            StepKind::Wait(wait) => self.wait(wait).await,
            StepKind::Fault(fault) => self
                .inspector
                .call("POST", "faults", to_json(fault))
                .await
                .map(|_| ()),
            StepKind::State(changes) => self.state(changes).await,
        };
        if let Err(message) = outcome {
            result.status = Status::Failed;
            result.message = Some(message);
        } else if !result.mismatches.is_empty() {
            result.status = Status::Failed;
        }
        if result.status == Status::Failed
            && matches!(step.kind, StepKind::Call(_))
            && self.inspectable
        {
            if let Ok(page) = self
                .get_json("/__inspect/requests?order=desc&limit=1")
                .await
            {
                result.journal = page["items"].get(0).cloned();
            }
        }
        result
    }

    /// The step with the values of its `${name}` references.
    fn resolve(&self, kind: &StepKind) -> Result<StepKind, String> {
        let c = &self.captured;
        let pairs = |pairs: &[(String, String)]| -> Result<Vec<(String, String)>, String> {
            pairs
                .iter()
                .map(|(k, v)| Ok((k.clone(), c.text(v)?)))
                .collect()
        };
        let text = |t: &Option<String>| t.as_deref().map(|t| c.text(t)).transpose();
        let value = |v: &Option<Value>| v.as_ref().map(|v| c.value(v)).transpose();
        let expect = |e: &CallExpect| -> Result<CallExpect, String> {
            Ok(CallExpect {
                status: e.status,
                body: value(&e.body)?,
                body_exact: value(&e.body_exact)?,
                raw_body: text(&e.raw_body)?,
            })
        };
        Ok(match kind {
            StepKind::Call(call) => StepKind::Call(Box::new(CallStep {
                method: c.text(&call.method)?,
                api: call.api,
                query: pairs(&call.query)?,
                body: value(&call.body)?,
                raw: text(&call.raw)?,
                headers: pairs(&call.headers)?,
                lang: text(&call.lang)?,
                http_method: call.http_method.clone(),
                code: text(&call.code)?,
                token: text(&call.token)?,
                unsigned: call.unsigned,
                expect: expect(&call.expect)?,
                expect_mock: call.expect_mock.as_ref().map(expect).transpose()?,
            })),
            StepKind::Inspect(inspect) => StepKind::Inspect(InspectStep {
                filters: pairs(&inspect.filters)?,
                items: value(&inspect.items)?,
                ..inspect.clone()
            }),
            StepKind::Wait(wait) => StepKind::Wait(WaitStep {
                filters: pairs(&wait.filters)?,
                ..wait.clone()
            }),
            other => other.clone(),
        })
    }

    /// The URL a call goes to, signed as its API signs: `/x.php?m=im&f=...`, or the direct API's
    /// `/im/<operation>?code=...`.
    fn target(&self, call: &CallStep) -> Result<String, String> {
        let code = call.code.clone().unwrap_or_else(|| self.code.clone());
        let api = call.api.or(self.api).unwrap_or_default();
        let (path, mut query) = match api {
            Api::XPhp => (
                "/x.php".to_string(),
                format!(
                    "m=im&f={}&code={}",
                    urlencode(call.method.as_bytes()),
                    urlencode(code.as_bytes())
                ),
            ),
            Api::Xxd => (
                format!("/im/{}", call.method),
                format!("code={}", urlencode(code.as_bytes())),
            ),
        };
        if !call.query.is_empty() {
            query.push('&');
            query.push_str(&encode_pairs(&call.query));
        }
        match (&call.token, call.unsigned, &self.key) {
            (Some(explicit), _, _) => {
                query.push_str(&format!("&token={}", urlencode(explicit.as_bytes())))
            }
            (None, true, _) => {}
            (None, false, Some(key)) => {
                let token = match api {
                    Api::XPhp => token::token_for_query(&query, key),
                    Api::Xxd => crate::xxd::signature::token_for(&format!("{path}?{query}"), key),
                };
                query.push_str(&format!("&token={token}"))
            }
            (None, false, None) => {
                return Err(format!(
                "no key to sign with: the application {code:?} has none in the scenario's fixtures"
            ))
            }
        }
        Ok(format!("{}{path}?{query}", self.base))
    }

    async fn call(
        &mut self,
        call: &CallStep,
        capture: &[(String, AnswerPath)],
        result: &mut StepResult,
    ) -> Result<(), String> {
        let url = self.target(call)?;
        let method = reqwest::Method::from_bytes(call.http_method().as_bytes())
            .map_err(|e| format!("bad http_method: {e}"))?;
        let mut request = self.client.request(method, url);
        for (name, value) in &call.headers {
            request = request.header(name, value);
        }
        if let Some(lang) = &call.lang {
            request = request.header("Accept-Language", lang);
        }
        if let Some(mode) = self.validation {
            request = request.header(VALIDATION_HEADER, mode.to_string());
        }
        if let Some(body) = &call.body {
            request = request.body(body.to_string());
        } else if let Some(raw) = &call.raw {
            request = request.body(raw.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("the request failed: {}", crate::target::describe(&e)))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| format!("the answer could not be read: {e}"))?;
        let expect = match &call.expect_mock {
            Some(mock) if self.inspectable => mock,
            _ => &call.expect,
        };
        if let Some(want) = expect.status {
            if want != status {
                result.mismatches.push(Mismatch {
                    path: "status".into(),
                    expected: json!(want),
                    actual: Some(json!(status)),
                });
            }
        }
        if let Some(want) = &expect.raw_body {
            if *want != text {
                result.mismatches.push(Mismatch {
                    path: "raw_body".into(),
                    expected: json!(want),
                    actual: Some(json!(text)),
                });
            }
        }
        let answer = serde_json::from_str::<Value>(&text);
        if expect.body.is_some() || expect.body_exact.is_some() {
            let Ok(actual) = &answer else {
                return Err(format!("the answer is not JSON: {text:?}"));
            };
            if let Some(want) = &expect.body {
                result.mismatches.extend(matcher::subset(want, actual));
            }
            if let Some(want) = &expect.body_exact {
                result.mismatches.extend(matcher::exact(want, actual));
            }
        }
        for (name, path) in capture {
            let Ok(actual) = &answer else {
                return Err(format!(
                    "cannot capture `{name}`: the answer is not JSON: {text:?}"
                ));
            };
            let value = path
                .find(actual)
                .map_err(|e| format!("cannot capture `{name}`: {e}: {text}"))?;
            self.captured.set(name, value);
        }
        Ok(())
    }

    async fn get_json(&self, path: &str) -> Result<Value, String> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        response.json().await.map_err(|e| e.to_string())
    }

    async fn inspect(&self, step: &InspectStep, result: &mut StepResult) -> Result<(), String> {
        let cursor = self
            .cursors
            .map(|(notifications, requests)| match step.target {
                InspectTarget::Notifications => notifications,
                InspectTarget::Requests => requests,
            });
        let mut filters = after(step.filters.clone(), cursor);
        if !filters.iter().any(|(k, _)| k == "limit") {
            filters.push(("limit".into(), "1000".into()));
        }
        let page = self
            .inspector
            .call(
                "GET",
                &format!("{}?{}", step.target.as_str(), encode_pairs(&filters)),
                Value::Null,
            )
            .await?;
        if let Some(count) = step.count {
            if page["total"] != json!(count) {
                result.mismatches.push(Mismatch {
                    path: "count".into(),
                    expected: json!(count),
                    actual: Some(page["total"].clone()),
                });
            }
        }
        if let Some(items) = &step.items {
            for mut m in matcher::subset(items, &page["items"]) {
                m.path = m.path.replacen('$', "items", 1);
                result.mismatches.push(m);
            }
        }
        if !step.findings.is_empty() {
            let present: Vec<Value> = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|item| item["findings"].as_array().cloned().unwrap_or_default())
                .map(|f| f["code"].clone())
                .collect();
            for code in &step.findings {
                if !present.contains(&json!(code)) {
                    result.mismatches.push(Mismatch {
                        path: "findings".into(),
                        expected: json!(code),
                        actual: Some(Value::Array(present.clone())),
                    });
                }
            }
        }
        Ok(())
    }

    async fn wait(&self, step: &WaitStep) -> Result<(), String> {
        let mut filters = after(step.filters.clone(), self.cursors.map(|(n, _)| n));
        filters.push(("count".into(), step.count.to_string()));
        filters.push(("timeout_ms".into(), step.timeout_ms.to_string()));
        let url = format!("{}/__inspect/wait?{}", self.base, encode_pairs(&filters));
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let page: Value = response.json().await.map_err(|e| e.to_string())?;
        match status {
            200 => Ok(()),
            408 => Err(format!(
                "only {} of {} notifications arrived within {} ms",
                page["total"], step.count, step.timeout_ms
            )),
            other => Err(format!("the wait answered {other}: {page}")),
        }
    }

    /// Applies changes through the inspection API, in the fixture formats it reads.
    async fn state(&self, changes: &[Change]) -> Result<(), String> {
        let server = &self.inspector;
        let segment = |text: &str| urlencode(text.as_bytes()).replace('+', "%20");
        for change in changes {
            match change {
                Change::Users(users) => server.call("POST", "users", to_json(users)).await?,
                Change::Apps(apps) => server.call("POST", "apps", to_json(apps)).await?,
                Change::Groups(chats) => server.call("POST", "groups", to_json(chats)).await?,
                Change::Group { gid, patch } => {
                    let path = format!("groups/{}", segment(gid));
                    server.call("PATCH", &path, to_json(patch)).await?
                }
                Change::Remove(removal) => {
                    let path = match removal {
                        Removal::User(id) => format!("users/{id}"),
                        Removal::Group(gid) => format!("groups/{}", segment(gid)),
                        Removal::App(code) => format!("apps/{}", segment(code)),
                    };
                    server.call("DELETE", &path, Value::Null).await?
                }
            };
        }
        Ok(())
    }
}

/// A typed step's value in the JSON the inspection API reads.
fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
