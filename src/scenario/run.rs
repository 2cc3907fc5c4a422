//! The runner: plays a scenario's steps as the client, against a fresh in-process server or a
//! target URL, and returns what happened as data. It never prints; reporters do.

use super::matcher::{self, Mismatch};
use super::model::*;
use super::yaml::Pos;
use crate::config::{Config, ValidationMode};
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

impl ScenarioResult {
    /// No error and no failed step. Skipped steps do not count against it (a real server has no
    /// `/__inspect`); a caller that expects every step to run checks `count(Status::Skipped)`.
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
        Some(a) => (a.code.clone(), a.key.clone()),
        None => (scenario.app.clone().unwrap_or_default(), None),
    }
}

/// Runs a scenario against a fresh in-process server (`target: None`) or a running one.
pub async fn run(scenario: &Scenario, target: Option<&str>) -> ScenarioResult {
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
    let (code, key) = signer(scenario, &fixtures);
    let client = reqwest::Client::new();
    let (base, _server) = match target {
        Some(url) => (url.trim_end_matches('/').to_string(), None),
        None => {
            let config = Config {
                validation: scenario.validation.unwrap_or(ValidationMode::Strict),
                fixtures: FixtureSource::Given(Box::new(fixtures)),
                ..Config::default()
            };
            match Server::build(config).await {
                Ok(server) => {
                    let url = server.url();
                    let handle = server.handle();
                    tokio::spawn(server.run_until_stopped());
                    (url, Some(Stopper(handle)))
                }
                Err(e) => {
                    result.error = Some(format!("cannot start a server: {e}"));
                    return result;
                }
            }
        }
    };
    let inspection = match probe(&client, &base).await {
        Ok(Inspection::Available) => Inspection::Available,
        // The server started for this run is an xxb-mock: its steps are never skipped.
        Ok(Inspection::Unavailable(why)) if target.is_none() => {
            result.error = Some(format!("the in-process server is not inspectable: {why}"));
            return result;
        }
        Ok(unavailable) => unavailable,
        Err(e) => {
            result.error = Some(format!("cannot reach {base}/__inspect/health: {e}"));
            return result;
        }
    };
    let inspectable = inspection == Inspection::Available;
    if target.is_some() && inspectable && !scenario.fixtures.is_empty() {
        if let Err(e) = apply_overlay(&client, &base, &scenario.fixtures).await {
            result.error = Some(e);
            return result;
        }
    }
    let runner = Runner {
        client,
        base,
        inspection,
        code,
        key,
    };
    for step in &scenario.steps {
        let step_started = Instant::now();
        let mut outcome = runner.step(step).await;
        outcome.duration_ms = step_started.elapsed().as_secs_f64() * 1e3;
        result.steps.push(outcome);
    }
    result.duration_ms = started.elapsed().as_secs_f64() * 1e3;
    result
}

/// Whether the server answers `/__inspect`, and if not, why: the reason is every skipped step's
/// message.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Inspection {
    Available,
    Unavailable(String),
}

/// Asks `GET /__inspect/health` once. A server that answers anything but an xxb-mock's health
/// (a real XXB server, an xxb-mock behind `--admin-token`) has no inspection; one that cannot be
/// reached is an error, not a reason to skip.
async fn probe(client: &reqwest::Client, base: &str) -> Result<Inspection, reqwest::Error> {
    let response = client
        .get(format!("{base}/__inspect/health"))
        .send()
        .await?;
    let status = response.status();
    let body = response.bytes().await?;
    let health = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    Ok(if status.is_success() && health["status"] == "ok" {
        Inspection::Available
    } else {
        let snippet: String = String::from_utf8_lossy(&body).chars().take(80).collect();
        Inspection::Unavailable(format!(
            "the target is not an inspectable xxb-mock: GET /__inspect/health answered {status} {snippet:?}"
        ))
    })
}

/// Stops an in-process server when the run is over.
struct Stopper(actix_web::dev::ServerHandle);

impl Drop for Stopper {
    fn drop(&mut self) {
        drop(self.0.stop(false));
    }
}

/// A scenario's fixtures on a running xxb-mock: added through the inspection API.
async fn apply_overlay(
    client: &reqwest::Client,
    base: &str,
    overlay: &FixtureOverlay,
) -> Result<(), String> {
    for (path, items) in [
        ("users", &overlay.users),
        ("groups", &overlay.groups),
        ("apps", &overlay.apps),
    ] {
        if items.is_empty() {
            continue;
        }
        let response = client
            .post(format!("{base}/__inspect/{path}"))
            .body(Value::Array(items.clone()).to_string())
            .send()
            .await
            .map_err(|e| format!("cannot reach the target: {e}"))?;
        if !response.status().is_success() {
            return Err(format!(
                "the target refused the scenario's {path}: {}",
                response.text().await.unwrap_or_default()
            ));
        }
    }
    Ok(())
}

struct Runner {
    client: reqwest::Client,
    base: String,
    inspection: Inspection,
    code: String,
    key: Option<String>,
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k.as_bytes()), urlencode(v.as_bytes())))
        .collect::<Vec<_>>()
        .join("&")
}

impl Runner {
    async fn step(&self, step: &Step) -> StepResult {
        let mut result = StepResult {
            index: step.index,
            label: step.label(),
            pos: step.pos,
            status: Status::Passed,
            message: None,
            mismatches: Vec::new(),
            journal: None,
            duration_ms: 0.0,
        };
        if let (false, Inspection::Unavailable(why)) =
            (matches!(step.kind, StepKind::Call(_)), &self.inspection)
        {
            result.status = Status::Skipped;
            result.message = Some(format!("skipped: {why}"));
            return result;
        }
        let outcome = match &step.kind {
            StepKind::Call(call) => self.call(call, &mut result).await,
            StepKind::Inspect(inspect) => self.inspect(inspect, &mut result).await,
            StepKind::Wait(wait) => self.wait(wait).await,
            StepKind::Fault(fault) => self
                .admin("POST", "faults", fault.clone())
                .await
                .map(|_| ()),
            StepKind::State(state) => self.state(state).await,
        };
        if let Err(message) = outcome {
            result.status = Status::Failed;
            result.message = Some(message);
        } else if !result.mismatches.is_empty() {
            result.status = Status::Failed;
        }
        if result.status == Status::Failed
            && matches!(step.kind, StepKind::Call(_))
            && self.inspection == Inspection::Available
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

    async fn call(&self, call: &CallStep, result: &mut StepResult) -> Result<(), String> {
        let code = call.code.clone().unwrap_or_else(|| self.code.clone());
        let mut query = format!(
            "m=im&f={}&code={}",
            urlencode(call.method.as_bytes()),
            urlencode(code.as_bytes())
        );
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
                query.push_str(&format!("&token={}", token::token_for_query(&query, key)))
            }
            (None, false, None) => {
                return Err(format!(
                "no key to sign with: the application {code:?} has none in the scenario's fixtures"
            ))
            }
        }
        let method = reqwest::Method::from_bytes(call.http_method().as_bytes())
            .map_err(|e| format!("bad http_method: {e}"))?;
        let mut request = self
            .client
            .request(method, format!("{}/x.php?{query}", self.base));
        for (name, value) in &call.headers {
            request = request.header(name, value);
        }
        if let Some(lang) = &call.lang {
            request = request.header("Accept-Language", lang);
        }
        if let Some(body) = &call.body {
            request = request.body(body.to_string());
        } else if let Some(raw) = &call.raw {
            request = request.body(raw.clone());
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("the request failed: {e}"))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| format!("the answer could not be read: {e}"))?;
        let expect = &call.expect;
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
        if expect.body.is_some() || expect.body_exact.is_some() {
            let Ok(actual) = serde_json::from_str::<Value>(&text) else {
                return Err(format!("the answer is not JSON: {text:?}"));
            };
            if let Some(want) = &expect.body {
                result.mismatches.extend(matcher::subset(want, &actual));
            }
            if let Some(want) = &expect.body_exact {
                result.mismatches.extend(matcher::exact(want, &actual));
            }
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
        let mut filters = step.filters.clone();
        if !filters.iter().any(|(k, _)| k == "limit") {
            filters.push(("limit".into(), "1000".into()));
        }
        let page = self
            .admin(
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
        let mut filters = step.filters.clone();
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

    async fn state(&self, step: &StateStep) -> Result<(), String> {
        if !step.users.is_empty() {
            self.admin("POST", "users", Value::Array(step.users.clone()))
                .await?;
        }
        if !step.apps.is_empty() {
            self.admin("POST", "apps", Value::Array(step.apps.clone()))
                .await?;
        }
        for group in &step.groups {
            // A group with a name is a whole chat (added or replaced); one without is a change.
            let gid = group["gid"]
                .as_str()
                .ok_or("a state group needs a `gid`")?
                .to_string();
            if group.get("name").is_some() {
                self.admin("POST", "groups", group.clone()).await?;
            } else {
                let mut change = group.clone();
                change.as_object_mut().map(|m| m.remove("gid"));
                let path = format!("groups/{}", urlencode(gid.as_bytes()).replace('+', "%20"));
                self.admin("PATCH", &path, change).await?;
            }
        }
        Ok(())
    }

    /// A call of the inspection API that must succeed.
    async fn admin(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = self
            .client
            .request(method, format!("{}/__inspect/{path}", self.base));
        if !body.is_null() {
            request = request.body(body.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("the inspection API failed: {e}"))?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("/__inspect/{path} answered {status}: {answer}"));
        }
        Ok(answer)
    }
}
