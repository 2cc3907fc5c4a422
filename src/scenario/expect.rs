//! `serve --scenario`: the server follows an application under test through a scenario. The
//! scenario's `call` steps are the calls the application must make, in order (a step's `query` and
//! `body` are subset matches of what arrives); `fault` and `state` steps are applied when the
//! sequence reaches them; `inspect` and `wait` steps belong to a driver and are skipped. A value
//! that references a capture (`${gid}`) matches whatever arrives in its place: captures are what a
//! driver reads from its answers, and here the application under test is the driver.

use super::capture;
use super::matcher::{self, Mismatch};
use super::model::{Scenario, StepKind};
use crate::domain::Change;
use crate::faults::FaultSpec;
use serde::Serialize;
use serde_json::Value;
use std::sync::Mutex;

/// A step's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Progress {
    Passed,
    Pending,
    Failed,
    Skipped,
}

#[derive(Clone, Debug, Serialize)]
pub struct StepProgress {
    pub index: usize,
    pub name: String,
    pub status: Progress,
    /// What differed, for a failed call.
    pub diff: Vec<Mismatch>,
}

/// What `GET /__inspect/scenario` shows.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub name: String,
    pub done: bool,
    pub steps: Vec<StepProgress>,
    /// The journal seqs of calls the scenario did not expect.
    pub unexpected: Vec<i64>,
}

/// Something to do on the server when the sequence reaches a step.
#[derive(Debug)]
pub enum Action {
    Fault(FaultSpec),
    State(Vec<Change>),
}

/// A call as it arrived.
pub struct Arrived<'a> {
    /// The API it came through.
    pub api: crate::domain::Api,
    pub method: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Value>,
    pub journal_seq: i64,
}

/// How far the application got: the next step it is to reach, each step's progress, and the
/// journal seqs of the calls the scenario did not expect.
struct Followed {
    next: usize,
    steps: Vec<StepProgress>,
    unexpected: Vec<i64>,
}

/// The followed scenario and how far the application got.
pub struct Expectation {
    scenario: Scenario,
    progress: Mutex<Followed>,
}

impl Expectation {
    /// Starts following `scenario`; returns the actions of the steps before its first call.
    pub fn new(scenario: Scenario) -> (Expectation, Vec<Action>) {
        let steps = scenario
            .steps
            .iter()
            .map(|s| StepProgress {
                index: s.index,
                name: s.label(),
                status: Progress::Pending,
                diff: Vec::new(),
            })
            .collect();
        let expectation = Expectation {
            scenario,
            progress: Mutex::new(Followed {
                next: 0,
                steps,
                unexpected: Vec::new(),
            }),
        };
        let actions = {
            let mut progress = expectation
                .progress
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            expectation.advance(&mut progress)
        };
        (expectation, actions)
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Applies the steps that are not calls, from the current one up to the next call.
    fn advance(&self, progress: &mut Followed) -> Vec<Action> {
        let mut actions = Vec::new();
        while let Some(step) = self.scenario.steps.get(progress.next) {
            let status = match &step.kind {
                StepKind::Call(_) => break,
                StepKind::Fault(fault) => {
                    actions.push(Action::Fault(fault.clone()));
                    Progress::Passed
                }
                StepKind::State(state) => {
                    actions.push(Action::State(state.clone()));
                    Progress::Passed
                }
                StepKind::Inspect(_) | StepKind::Wait(_) => Progress::Skipped,
            };
            progress.steps[progress.next].status = status;
            progress.next += 1;
        }
        actions
    }

    /// Records a call of the application; returns the actions the sequence now reaches.
    pub fn observe(&self, arrived: Arrived) -> Vec<Action> {
        let mut progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let Some(step) = self.scenario.steps.get(progress.next) else {
            progress.unexpected.push(arrived.journal_seq);
            return Vec::new();
        };
        let StepKind::Call(call) = &step.kind else {
            return Vec::new();
        };
        if arrived.method != Some(call.method.as_str()) || arrived.api != self.scenario.api_of(call)
        {
            progress.unexpected.push(arrived.journal_seq);
            return Vec::new();
        }
        let mut diff = Vec::new();
        for (name, value) in &call.query {
            let found = arrived
                .query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Value::String(v.clone()));
            let any = !capture::references(value).is_empty() && found.is_some();
            if !any && found.as_ref() != Some(&Value::String(value.clone())) {
                diff.push(Mismatch {
                    path: format!("query.{name}"),
                    expected: Value::String(value.clone()),
                    actual: found,
                });
            }
        }
        if let Some(want) = &call.body {
            match arrived.body {
                Some(body) => diff.extend(
                    matcher::subset(&arrived_in_place(want, body), body)
                        .into_iter()
                        .map(|mut m| {
                            m.path = m.path.replacen('$', "body", 1);
                            m
                        }),
                ),
                None => diff.push(Mismatch {
                    path: "body".into(),
                    expected: want.clone(),
                    actual: None,
                }),
            }
        }
        let index = progress.next;
        progress.steps[index].status = if diff.is_empty() {
            Progress::Passed
        } else {
            Progress::Failed
        };
        progress.steps[index].diff = diff;
        progress.next += 1;
        self.advance(&mut progress)
    }

    pub fn report(&self) -> Report {
        let progress = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        Report {
            name: self.scenario.name.clone(),
            done: progress.next >= self.scenario.steps.len(),
            steps: progress.steps.clone(),
            unexpected: progress.unexpected.clone(),
        }
    }
}

/// `want` with each string that references a capture replaced by what arrived in its place, so
/// that it matches any value there.
fn arrived_in_place(want: &Value, actual: &Value) -> Value {
    match (want, actual) {
        (Value::String(s), _) if !capture::references(s).is_empty() => actual.clone(),
        (Value::Object(want), Value::Object(have)) => Value::Object(
            want.iter()
                .map(|(k, w)| {
                    let v = match have.get(k) {
                        Some(h) => arrived_in_place(w, h),
                        None => w.clone(),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        (Value::Array(want), Value::Array(have)) if want.len() == have.len() => Value::Array(
            want.iter()
                .zip(have)
                .map(|(w, h)| arrived_in_place(w, h))
                .collect(),
        ),
        (other, _) => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_reference_matches_whatever_arrives_in_its_place() {
        let want = json!({"gid": "${gid}", "title": "t", "users": ["${uid}"]});
        let arrived = json!({"gid": "g1", "title": "t", "users": [3], "extra": 1});
        assert!(matcher::subset(&arrived_in_place(&want, &arrived), &arrived).is_empty());
        let wrong = json!({"gid": "g1", "title": "u", "users": [3]});
        assert_eq!(
            matcher::subset(&arrived_in_place(&want, &wrong), &wrong)[0].path,
            "$.title"
        );
        let missing = json!({"title": "t", "users": [3]});
        assert_eq!(
            matcher::subset(&arrived_in_place(&want, &missing), &missing)[0].path,
            "$.gid"
        );
    }
}
