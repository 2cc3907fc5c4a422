//! What a scenario says: its fixtures and its ordered steps, each with its source position, and
//! the scope of what it expects: what any faithful server answers (`expect`), and what only
//! xxb-mock does (`expect_mock`, `mock_only`, and the `inspect`, `wait`, `fault` and `state` steps).

use super::capture::AnswerPath;
use super::yaml::Pos;
use crate::config::ValidationMode;
use crate::domain::{Api, Change, FindingCode};
use crate::faults::FaultSpec;
use crate::mysql::Charset;
use serde_json::Value;
use std::path::PathBuf;

/// A parsed scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub file: PathBuf,
    pub name: String,
    /// The application whose key signs calls; `None`: the first application with a key.
    pub app: Option<String>,
    pub validation: Option<ValidationMode>,
    /// The emulated tables' character set, for in-process runs.
    pub charset: Option<Charset>,
    /// The API its calls use unless a call says otherwise (`api: xxd`); `None`: `/x.php`.
    pub api: Option<Api>,
    pub fixtures: FixtureOverlay,
    /// Set when the whole scenario needs xxb-mock: it is skipped against other servers.
    pub mock_only: Option<MockOnly>,
    pub steps: Vec<Step>,
}

impl Scenario {
    /// The API `call` goes through: its own `api`, else the scenario's, else `/x.php`.
    pub fn api_of(&self, call: &CallStep) -> Api {
        call.api.or(self.api).unwrap_or_default()
    }
}

/// Why a step or a scenario needs xxb-mock (`mock_only: true`, or `mock_only: <the reason>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockOnly(pub Option<String>);

impl MockOnly {
    /// The reason a report gives when it is skipped.
    pub fn skip_message(&self) -> String {
        match &self.0 {
            Some(reason) => format!("mock only: {reason}"),
            None => "mock only (marked `mock_only`)".into(),
        }
    }
}

/// Fixtures the scenario adds to (or puts in place of) the defaults, in the fixture formats.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FixtureOverlay {
    pub replace: bool,
    pub users: Vec<Value>,
    pub groups: Vec<Value>,
    pub apps: Vec<Value>,
}

impl FixtureOverlay {
    pub fn is_empty(&self) -> bool {
        !self.replace && self.users.is_empty() && self.groups.is_empty() && self.apps.is_empty()
    }
}

/// One step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// 1-based.
    pub index: usize,
    pub name: Option<String>,
    pub pos: Pos,
    pub kind: StepKind,
    /// Set when the step needs xxb-mock: it is skipped against other servers.
    pub mock_only: Option<MockOnly>,
    /// Values taken from the answer for later steps, by name.
    pub capture: Vec<(String, AnswerPath)>,
}

impl Step {
    /// The label reports use: the step's name, or what it does.
    pub fn label(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.kind {
            StepKind::Call(c) => format!("call {}", c.method),
            StepKind::Inspect(i) => format!("inspect {}", i.target.as_str()),
            StepKind::Wait(_) => "wait".into(),
            StepKind::Fault(_) => "fault".into(),
            StepKind::State(_) => "state".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Call(Box<CallStep>),
    Inspect(InspectStep),
    Wait(WaitStep),
    /// A fault to arm.
    Fault(FaultSpec),
    /// Runtime changes, in order.
    State(Vec<Change>),
}

/// A call of an emulated API.
#[derive(Clone, Debug, PartialEq)]
pub struct CallStep {
    /// `getGroupChats`, `getChatUsers`, `sendNotification`, `sendChatMessage` (or any other `f`);
    /// on the direct API, the operation in its path (`getChatGroups`, ...).
    pub method: String,
    /// The API it goes through, when it is not the scenario's.
    pub api: Option<Api>,
    /// Extra query parameters, in order, after `m`, `f` and `code` (on the direct API, after
    /// `code`).
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// A raw body text instead of `body`.
    pub raw: Option<String>,
    pub headers: Vec<(String, String)>,
    pub lang: Option<String>,
    /// Overrides GET (lookups) or POST (sends).
    pub http_method: Option<String>,
    /// An explicit application code.
    pub code: Option<String>,
    /// An explicit token: the call is not signed.
    pub token: Option<String>,
    /// Sent without a token.
    pub unsigned: bool,
    /// What any faithful server answers (the real server, xxb-mock in the scenario's mode).
    pub expect: CallExpect,
    /// What xxb-mock answers where it differs on purpose (a strict rejection, an armed fault);
    /// checked instead of `expect` when the server is an xxb-mock.
    pub expect_mock: Option<CallExpect>,
}

impl CallStep {
    /// The HTTP method the call uses.
    pub fn http_method(&self) -> String {
        match &self.http_method {
            Some(m) => m.to_uppercase(),
            None if self.method.starts_with("send") => "POST".into(),
            None => "GET".into(),
        }
    }
}

/// What a call's answer must be.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CallExpect {
    pub status: Option<u16>,
    /// A subset match of the JSON answer.
    pub body: Option<Value>,
    pub body_exact: Option<Value>,
    pub raw_body: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InspectTarget {
    Notifications,
    Requests,
}

impl InspectTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            InspectTarget::Notifications => "notifications",
            InspectTarget::Requests => "requests",
        }
    }
}

/// A look at what the server recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct InspectStep {
    pub target: InspectTarget,
    /// The filters of the inspection API.
    pub filters: Vec<(String, String)>,
    pub count: Option<usize>,
    /// A subset match of the items.
    pub items: Option<Value>,
    /// Finding codes that must appear among the matching journal entries.
    pub findings: Vec<FindingCode>,
}

/// A server-side wait for notifications.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitStep {
    pub count: usize,
    pub timeout_ms: u64,
    pub filters: Vec<(String, String)>,
}
