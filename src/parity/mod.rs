//! `xxb-mock parity`: does xxb-mock answer like *this* server? A battery of probes ([`probes`] for
//! `/x.php`, [`direct`] for the chat daemon's direct API with `--api xxd`) is
//! sent to the target and to an in-process xxb-mock configured like it: faithful mode, the
//! target's default language, the same application, and the groups and members the target's own
//! lookups reveal (as `xxb-mock fixtures pull` reads them). The answers are compared byte for byte after
//! normalising what legitimately varies ([`answer::NORMALISED`]); the result is data, rendered by
//! [`report`].

pub mod answer;
pub mod direct;
pub mod flavour;
pub mod probes;
pub mod report;

use crate::config::{Config, ValidationMode};
use crate::domain::Api;
use crate::fixtures::pull::{Observed, PullError, Remote};
use crate::fixtures::{FixtureSource, Fixtures};
use crate::startup::Server;
use crate::xxb::lang::Lang;
use answer::{Answer, Difference};
use flavour::Flavour;
use probes::{Context, Probe, Request};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

/// How many probes are in flight at once (per server).
const IN_FLIGHT: usize = 8;

/// What `parity` is asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    pub remote: Remote,
    /// With `--allow-writes`: the user (and chat) the two writes go to.
    pub writes: Option<Writes>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Writes {
    pub user: i64,
    /// The chat of the chat message; `None`: the first listed group `user` is a member of.
    pub gid: Option<String>,
}

/// How one request compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Agree,
    Differ,
    Skipped,
}

/// One request of the battery, on both servers.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeResult {
    pub name: String,
    pub about: &'static str,
    /// `GET /x.php?...`.
    pub request: String,
    pub verdict: Verdict,
    /// Why it was skipped.
    pub reason: Option<String>,
    pub target: Option<Answer>,
    pub mock: Option<Answer>,
    pub differences: Vec<Difference>,
}

/// A whole run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub target: String,
    pub code: String,
    pub flavour: Flavour,
    /// How the in-process mock was set up.
    pub mock: String,
    pub normalised: Vec<&'static str>,
    pub notes: Vec<String>,
    pub probes: Vec<ProbeResult>,
    pub duration_ms: f64,
}

impl Report {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.probes.iter().filter(|p| p.verdict == verdict).count()
    }

    /// Every probe that ran agrees.
    pub fn agrees(&self) -> bool {
        self.count(Verdict::Differ) == 0
    }
}

/// Why the comparison could not be made (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum ParityError {
    #[error("{0}")]
    Target(#[from] PullError),
    #[error("cannot start the in-process mock: {0}")]
    Mock(String),
}

/// Runs the battery of the remote's API (and the writes, when asked) against the target and the
/// mock.
pub async fn run(options: &Options) -> Result<Report, ParityError> {
    let started = Instant::now();
    let remote = &options.remote;
    let mut flavour = Flavour::detect(remote).await?;
    let mut notes = Vec::new();
    let lang = flavour.lang().unwrap_or_else(|| {
        // The direct API answers in English whatever the language (assumed): nothing to match.
        if remote.api == Api::XPhp {
            notes.push(
                "the target's default language was not recognised: the mock uses zh-cn".into(),
            );
        }
        Lang::ZhCn
    });
    let observed = Observed::read(remote).await?;
    notes.extend(observed.notes.iter().cloned());
    let (mut users, groups, apps) = observed.fixtures(&remote.code, &remote.key);
    let mut write_gid = None;
    if let Some(writes) = &options.writes {
        if !observed.users().iter().any(|u| u.id == writes.user) {
            notes.push(format!(
                "user {} is in no chat the target lists: the mock knows it only by id",
                writes.user
            ));
            if let Value::Array(list) = &mut users {
                list.push(json!({"id": writes.user, "account": format!("u{}", writes.user)}));
            }
        }
        write_gid = writes.gid.clone().or_else(|| {
            observed
                .groups
                .iter()
                .find(|g| g.members.iter().any(|m| m.id == writes.user))
                .map(|g| g.gid.clone())
        });
    }
    if users.as_array().is_some_and(Vec::is_empty) {
        // The application must be bound to someone; this user is in no chat, so no lookup shows it.
        users = json!([{"id": 1, "account": "u1"}]);
    }
    let fixtures = Fixtures::parse(
        Some(&users.to_string()),
        Some(&groups.to_string()),
        Some(&apps.to_string()),
    )
    .map_err(|e| ParityError::Mock(format!("the target's organisation: {e}")))?;
    let mock = Server::build(Config {
        validation: ValidationMode::Faithful,
        lang,
        fixtures: FixtureSource::Given(Box::new(fixtures)),
        ..Config::default()
    })
    .await
    .map_err(|e| ParityError::Mock(e.to_string()))?;
    let mock_url = mock.url();
    let handle = mock.handle();
    tokio::spawn(mock.run_until_stopped());
    let context = Context {
        code: remote.code.clone(),
        key: remote.key.clone(),
        gid: observed.groups.first().map(|g| g.gid.clone()),
        user: options.writes.as_ref().map(|w| w.user),
        write_gid,
    };
    let (lookups, writes) = match remote.api {
        Api::XPhp => (probes::X_PHP, probes::WRITES),
        Api::Xxd => (direct::XXD, direct::XXD_WRITES),
    };
    let battery: Vec<&Probe> = lookups
        .iter()
        .chain(options.writes.as_ref().map_or(&[][..], |_| writes))
        .collect();
    let results = compare(&battery, &context, remote, &mock_url).await;
    handle.stop(false).await;
    let probes = results?;
    flavour.read_answers(&probes);
    Ok(Report {
        target: remote.url.clone(),
        code: remote.code.clone(),
        mock: format!(
            "xxb-mock {} in-process, faithful, {}, with the target's {} groups and {} users",
            env!("CARGO_PKG_VERSION"),
            match remote.api {
                Api::XPhp => format!("default language {}", lang.code()),
                Api::Xxd => "its direct API (/im/...), which answers on assumptions where the guide is silent".into(),
            },
            observed.groups.len(),
            observed.users().len()
        ),
        flavour,
        normalised: answer::NORMALISED.to_vec(),
        notes,
        probes,
        duration_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}

/// Sends every request of `battery` to both servers, at most [`IN_FLIGHT`] at a time.
async fn compare(
    battery: &[&Probe],
    context: &Context,
    remote: &Remote,
    mock_url: &str,
) -> Result<Vec<ProbeResult>, ParityError> {
    let mock_client = reqwest::Client::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut pending = Vec::new();
    for probe in battery {
        match probe.requests(context) {
            Err(reason) => pending.push(futures_util::future::Either::Left(async move {
                Ok(ProbeResult {
                    name: probe.name.to_string(),
                    about: probe.about,
                    request: format!("{} {}", probe.http_method, probe.path),
                    verdict: Verdict::Skipped,
                    reason: Some(reason),
                    target: None,
                    mock: None,
                    differences: Vec::new(),
                })
            })),
            Ok(requests) => {
                for request in requests {
                    let (gate, mock_client) = (gate.clone(), mock_client.clone());
                    pending.push(futures_util::future::Either::Right(async move {
                        let _permit = gate.acquire().await;
                        one(probe, request, remote, &mock_client, mock_url).await
                    }));
                }
            }
        }
    }
    futures_util::future::join_all(pending)
        .await
        .into_iter()
        .collect()
}

async fn one(
    probe: &Probe,
    request: Request,
    remote: &Remote,
    mock_client: &reqwest::Client,
    mock_url: &str,
) -> Result<ProbeResult, ParityError> {
    let unreachable = |e: reqwest::Error| PullError::Unreachable(crate::target::describe(&e));
    let (target, mock) = tokio::join!(
        answer::fetch(&remote.client, &remote.url, &request, probe.compare),
        answer::fetch(mock_client, mock_url, &request, probe.compare),
    );
    let target = target.map_err(unreachable)?;
    let mock = mock.map_err(|e| ParityError::Mock(crate::target::describe(&e)))?;
    let differences = answer::differences(&target, &mock);
    Ok(ProbeResult {
        name: request.name,
        about: probe.about,
        request: format!("{} {}", request.http_method, request.target),
        verdict: if differences.is_empty() {
            Verdict::Agree
        } else {
            Verdict::Differ
        },
        reason: None,
        target: Some(target),
        mock: Some(mock),
        differences,
    })
}
