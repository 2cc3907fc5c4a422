//! The scenario parser: text in, a [`Scenario`] with positions out, or an error that points at the
//! line and column, with a did-you-mean hint for unknown keys. Pure: it reads no files.

use super::capture::{self, AnswerPath};
use super::model::*;
use super::yaml::{self, Node, NodeValue, Pos};
use crate::config::ValidationMode;
use crate::domain::{Api, Change, FindingCode};
use crate::faults::FaultSpec;
use crate::fixtures::{entry, EntryError};
use crate::mysql::Charset;
use crate::suggest;
use crate::xxb::findings::UnknownFindingCode;
use clap::ValueEnum;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// A parse error, rendered `file:line:col` with the line and a caret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub file: PathBuf,
    pub pos: Pos,
    pub message: String,
    pub hint: Option<String>,
    /// The source line the error is on.
    pub line: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = self.pos.line.to_string();
        let pad = " ".repeat(number.len());
        writeln!(f, "error: {}", self.message)?;
        writeln!(
            f,
            "{pad}--> {}:{}:{}",
            self.file.display(),
            self.pos.line,
            self.pos.col
        )?;
        writeln!(f, "{pad} |")?;
        writeln!(f, "{number} | {}", self.line)?;
        write!(f, "{pad} | {}^", " ".repeat(self.pos.col.saturating_sub(1)))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n{pad} = hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// Parses a scenario's text; `file` names it in errors and reports.
pub fn parse(file: &Path, text: &str) -> Result<Scenario, ParseError> {
    let source = Source { file, text };
    let root = yaml::parse(text).map_err(|e| source.error(e.pos, e.message, None))?;
    let entries = source.map(&root, "a scenario")?;
    source.known_keys(
        entries,
        &[
            "name",
            "app",
            "validation",
            "charset",
            "api",
            "fixtures",
            "mock_only",
            "steps",
        ],
    )?;
    let name = match source.get(entries, "name") {
        Some(node) => source.text(node, "name")?,
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let app = source
        .get(entries, "app")
        .map(|n| source.text(n, "app"))
        .transpose()?;
    let validation = match source.get(entries, "validation") {
        None => None,
        Some(node) => Some({
            let mode = source.text(node, "validation")?;
            ValidationMode::from_str(&mode, false).map_err(|_| {
                source.error(
                    node.pos,
                    format!("unknown validation mode {mode:?}"),
                    Some("use `strict` or `faithful`".into()),
                )
            })?
        }),
    };
    let charset = match source.get(entries, "charset") {
        None => None,
        Some(node) => Some({
            let name = source.text(node, "charset")?;
            Charset::from_str(&name, false).map_err(|_| {
                source.error(
                    node.pos,
                    format!("unknown charset {name:?}"),
                    Some("use `utf8` (ZenTao 18.8 to 18.12) or `utf8mb4` (newer releases)".into()),
                )
            })?
        }),
    };
    let api = source
        .get(entries, "api")
        .map(|node| source.api(node))
        .transpose()?;
    let fixtures = match source.get(entries, "fixtures") {
        None => FixtureOverlay::default(),
        Some(node) => source.fixtures(node)?,
    };
    let steps_node = source.get(entries, "steps").ok_or_else(|| {
        source.error(
            root.pos,
            "a scenario needs `steps`".into(),
            Some("add `steps:` with a list of calls".into()),
        )
    })?;
    let mock_only = source.mock_only(source.get(entries, "mock_only"))?;
    let mut captured: Vec<String> = Vec::new();
    let mut steps = Vec::new();
    for (i, node) in source.seq(steps_node, "steps")?.iter().enumerate() {
        let step = source.step(i + 1, node)?;
        source.check_references(&step, node, &captured)?;
        captured.extend(step.capture.iter().map(|(name, _)| name.clone()));
        steps.push(step);
    }
    Ok(Scenario {
        file: file.to_path_buf(),
        name,
        app,
        validation,
        charset,
        api,
        fixtures,
        mock_only,
        steps,
    })
}

struct Source<'a> {
    file: &'a Path,
    text: &'a str,
}

type Entries = [(String, Pos, Node)];

impl Source<'_> {
    fn error(&self, pos: Pos, message: String, hint: Option<String>) -> ParseError {
        let line = self
            .text
            .lines()
            .nth(pos.line.saturating_sub(1))
            .unwrap_or_default()
            .to_string();
        ParseError {
            file: self.file.to_path_buf(),
            pos,
            message,
            hint,
            line,
        }
    }

    fn map<'n>(&self, node: &'n Node, what: &str) -> Result<&'n Entries, ParseError> {
        node.as_map().ok_or_else(|| {
            self.error(
                node.pos,
                format!("{what} must be a mapping (key: value)"),
                None,
            )
        })
    }

    fn seq<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node], ParseError> {
        node.as_seq()
            .ok_or_else(|| self.error(node.pos, format!("`{what}` must be a list"), None))
    }

    fn text(&self, node: &Node, what: &str) -> Result<String, ParseError> {
        node.as_text()
            .ok_or_else(|| self.error(node.pos, format!("`{what}` must be a text value"), None))
    }

    fn get<'n>(&self, entries: &'n Entries, key: &str) -> Option<&'n Node> {
        entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v)
    }

    fn finding_code(&self, node: &Node) -> Result<FindingCode, ParseError> {
        self.text(node, "findings")?
            .parse()
            .map_err(|e: UnknownFindingCode| {
                let hint = e.nearest.map_or_else(
                    || "the codes are listed in the README's Findings section".to_string(),
                    |code| format!("did you mean `{code}`?"),
                );
                self.error(
                    node.pos,
                    format!("unknown finding code {:?}", e.code),
                    Some(hint),
                )
            })
    }

    /// `api: x.php` or `api: xxd`.
    fn api(&self, node: &Node) -> Result<Api, ParseError> {
        self.text(node, "api")?.parse().map_err(|message: String| {
            self.error(
                node.pos,
                message,
                Some("`api: xxd` calls the chat daemon's direct API (/im/...)".into()),
            )
        })
    }

    fn known_keys(&self, entries: &Entries, known: &[&str]) -> Result<(), ParseError> {
        for (key, pos, _) in entries {
            if !known.contains(&key.as_str()) {
                let closest = suggest::closest(key, known.iter().copied(), 3)
                    .map(|k| format!("did you mean `{k}`?"));
                let hint =
                    closest.or_else(|| Some(format!("the keys here are: {}", known.join(", "))));
                return Err(self.error(*pos, format!("unknown key `{key}`"), hint));
            }
        }
        Ok(())
    }

    fn fixtures(&self, node: &Node) -> Result<FixtureOverlay, ParseError> {
        let entries = self.map(node, "`fixtures`")?;
        self.known_keys(entries, &["replace", "users", "groups", "apps"])?;
        let list = |key: &str| -> Result<Vec<Value>, ParseError> {
            match self.get(entries, key) {
                None => Ok(Vec::new()),
                Some(n) => Ok(self.seq(n, key)?.iter().map(Node::to_json).collect()),
            }
        };
        let replace = match self.get(entries, "replace") {
            None => false,
            Some(n) => n
                .to_json()
                .as_bool()
                .ok_or_else(|| self.error(n.pos, "`replace` must be true or false".into(), None))?,
        };
        Ok(FixtureOverlay {
            replace,
            users: list("users")?,
            groups: list("groups")?,
            apps: list("apps")?,
        })
    }

    fn pairs(&self, node: Option<&Node>, what: &str) -> Result<Vec<(String, String)>, ParseError> {
        let Some(node) = node else {
            return Ok(Vec::new());
        };
        let entries = self.map(node, &format!("`{what}`"))?;
        entries
            .iter()
            .map(|(k, _, v)| Ok((k.clone(), v.as_text().unwrap_or_default())))
            .collect()
    }

    fn step(&self, index: usize, node: &Node) -> Result<Step, ParseError> {
        let entries = self.map(node, "a step")?;
        let name = self
            .get(entries, "name")
            .map(|n| self.text(n, "name"))
            .transpose()?;
        let kinds = ["call", "inspect", "wait", "fault", "state"];
        let found: Vec<&str> = kinds
            .iter()
            .copied()
            .filter(|k| self.get(entries, k).is_some())
            .collect();
        let kind = match found.as_slice() {
            [one] => *one,
            [] => {
                self.known_keys(
                    entries,
                    &[
                        "name",
                        "mock_only",
                        "capture",
                        "call",
                        "inspect",
                        "wait",
                        "fault",
                        "state",
                    ],
                )?;
                return Err(self.error(
                    node.pos,
                    "a step needs one of `call`, `inspect`, `wait`, `fault`, `state`".into(),
                    None,
                ));
            }
            many => {
                return Err(self.error(
                    node.pos,
                    format!("a step has one kind, not {}", many.join(" and ")),
                    None,
                ))
            }
        };
        let kind = match kind {
            "call" => StepKind::Call(Box::new(self.call(entries)?)),
            "inspect" => StepKind::Inspect(self.inspect(entries)?),
            "wait" => {
                self.known_keys(entries, &["name", "mock_only", "wait"])?;
                StepKind::Wait(self.wait(self.get(entries, "wait").expect("found above"))?)
            }
            "fault" => {
                self.known_keys(entries, &["name", "mock_only", "fault"])?;
                StepKind::Fault(self.fault(self.get(entries, "fault").expect("found above"))?)
            }
            _ => {
                self.known_keys(entries, &["name", "mock_only", "state"])?;
                StepKind::State(self.state(self.get(entries, "state").expect("found above"))?)
            }
        };
        // A block mapping's own mark lies past its first key: the first key is where the step is.
        let pos = entries.first().map_or(node.pos, |(_, at, _)| *at);
        let capture = match self.get(entries, "capture") {
            None => Vec::new(),
            Some(node) => self.capture(node)?,
        };
        Ok(Step {
            index,
            name,
            pos,
            kind,
            mock_only: self.mock_only(self.get(entries, "mock_only"))?,
            capture,
        })
    }

    /// `mock_only: true`, or the reason the step or scenario needs xxb-mock.
    fn mock_only(&self, node: Option<&Node>) -> Result<Option<MockOnly>, ParseError> {
        let Some(node) = node else {
            return Ok(None);
        };
        match node.to_json() {
            Value::Bool(true) => Ok(Some(MockOnly(None))),
            Value::Bool(false) => Ok(None),
            Value::String(reason) if !reason.trim().is_empty() => Ok(Some(MockOnly(Some(reason)))),
            _ => Err(self.error(
                node.pos,
                "`mock_only` is true, false, or the reason the step needs xxb-mock".into(),
                None,
            )),
        }
    }

    /// `capture: {name: path}`.
    fn capture(&self, node: &Node) -> Result<Vec<(String, AnswerPath)>, ParseError> {
        let entries = self.map(node, "`capture`")?;
        entries
            .iter()
            .map(|(name, at, path)| {
                if !capture::valid_name(name) {
                    return Err(self.error(
                        *at,
                        format!("{name:?} cannot be captured"),
                        Some("a name is letters, digits and `_`, not starting with a digit".into()),
                    ));
                }
                let text = self.text(path, "capture")?;
                let path = AnswerPath::parse(&text).map_err(|e| self.error(path.pos, e, None))?;
                Ok((name.clone(), path))
            })
            .collect()
    }

    /// Every `${name}` in a step must name what an earlier step captures; `fault` and `state`
    /// steps take none (they are typed when the file is read).
    fn check_references(
        &self,
        step: &Step,
        node: &Node,
        captured: &[String],
    ) -> Result<(), ParseError> {
        let takes_references = !matches!(step.kind, StepKind::Fault(_) | StepKind::State(_));
        let mut found = Vec::new();
        if let Some(entries) = node.as_map() {
            for (key, _, value) in entries {
                if key != "capture" && key != "name" {
                    strings(value, &mut found);
                }
            }
        }
        for (text, pos) in found {
            for name in capture::references(text) {
                if !takes_references {
                    return Err(self.error(
                        pos,
                        format!("`${{{name}}}`: `fault` and `state` steps take no references"),
                        Some("write the value itself".into()),
                    ));
                }
                if !captured.iter().any(|c| c == name) {
                    let hint = suggest::closest(name, captured.iter().map(String::as_str), 3)
                        .map(|c| format!("did you mean `${{{c}}}`?"))
                        .or_else(|| {
                            Some(format!(
                                "capture it in an earlier call step: `capture: {{{name}: \"$.data[0]~\"}}` (write `$${{` for a literal `${{`)"
                            ))
                        });
                    return Err(self.error(
                        pos,
                        format!("`${{{name}}}` is not captured by an earlier step"),
                        hint,
                    ));
                }
            }
        }
        Ok(())
    }

    fn call(&self, entries: &Entries) -> Result<CallStep, ParseError> {
        self.known_keys(
            entries,
            &[
                "name",
                "call",
                "api",
                "query",
                "body",
                "raw",
                "headers",
                "lang",
                "http_method",
                "code",
                "token",
                "unsigned",
                "expect",
                "expect_mock",
                "mock_only",
                "capture",
            ],
        )?;
        let method = self.text(self.get(entries, "call").expect("a call step"), "call")?;
        let api = self
            .get(entries, "api")
            .map(|node| self.api(node))
            .transpose()?;
        let body = self.get(entries, "body").map(Node::to_json);
        let raw = self
            .get(entries, "raw")
            .map(|n| self.text(n, "raw"))
            .transpose()?;
        if let (Some(_), Some(_)) = (&body, &raw) {
            let at = self.get(entries, "raw").expect("present").pos;
            return Err(self.error(at, "a call has `body` or `raw`, not both".into(), None));
        }
        let unsigned = match self.get(entries, "unsigned") {
            None => false,
            Some(n) => n.to_json().as_bool().ok_or_else(|| {
                self.error(n.pos, "`unsigned` must be true or false".into(), None)
            })?,
        };
        let expect = match self.get(entries, "expect") {
            None => CallExpect::default(),
            Some(node) => self.call_expect(node, "expect")?,
        };
        let expect_mock = match self.get(entries, "expect_mock") {
            None => None,
            Some(node) => {
                if self.get(entries, "expect").is_none() {
                    let at = entries
                        .iter()
                        .find(|(k, _, _)| k == "expect_mock")
                        .map_or(node.pos, |(_, at, _)| *at);
                    return Err(self.error(
                        at,
                        "a call with `expect_mock` also needs `expect`: what any faithful server answers".into(),
                        Some("or mark the step `mock_only: <why>` and write its answer under `expect`".into()),
                    ));
                }
                Some(self.call_expect(node, "expect_mock")?)
            }
        };
        Ok(CallStep {
            method,
            api,
            query: self.pairs(self.get(entries, "query"), "query")?,
            body,
            raw,
            headers: self.pairs(self.get(entries, "headers"), "headers")?,
            lang: self
                .get(entries, "lang")
                .map(|n| self.text(n, "lang"))
                .transpose()?,
            http_method: self
                .get(entries, "http_method")
                .map(|n| self.text(n, "http_method"))
                .transpose()?,
            code: self
                .get(entries, "code")
                .map(|n| self.text(n, "code"))
                .transpose()?,
            token: self
                .get(entries, "token")
                .map(|n| self.text(n, "token"))
                .transpose()?,
            unsigned,
            expect,
            expect_mock,
        })
    }

    /// A call's `expect` or `expect_mock`.
    fn call_expect(&self, node: &Node, what: &str) -> Result<CallExpect, ParseError> {
        let e = self.map(node, &format!("`{what}`"))?;
        self.known_keys(e, &["status", "body", "body_exact", "raw_body"])?;
        let status = match self.get(e, "status") {
            None => None,
            Some(n) => Some(
                n.to_json()
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .ok_or_else(|| {
                        self.error(n.pos, "`status` must be an HTTP status number".into(), None)
                    })?,
            ),
        };
        Ok(CallExpect {
            status,
            body: self.get(e, "body").map(Node::to_json),
            body_exact: self.get(e, "body_exact").map(Node::to_json),
            raw_body: self
                .get(e, "raw_body")
                .map(|n| self.text(n, "raw_body"))
                .transpose()?,
        })
    }

    fn inspect(&self, entries: &Entries) -> Result<InspectStep, ParseError> {
        self.known_keys(
            entries,
            &["name", "mock_only", "inspect", "where", "expect"],
        )?;
        let node = self.get(entries, "inspect").expect("an inspect step");
        let target = match self.text(node, "inspect")?.as_str() {
            "notifications" => InspectTarget::Notifications,
            "requests" => InspectTarget::Requests,
            other => {
                return Err(self.error(
                    node.pos,
                    format!("cannot inspect {other:?}"),
                    Some("use `notifications` or `requests`".into()),
                ))
            }
        };
        let (mut count, mut items, mut findings) = (None, None, Vec::new());
        if let Some(node) = self.get(entries, "expect") {
            let e = self.map(node, "`expect`")?;
            self.known_keys(e, &["count", "items", "findings"])?;
            if let Some(n) = self.get(e, "count") {
                count = Some(
                    n.to_json()
                        .as_u64()
                        .ok_or_else(|| self.error(n.pos, "`count` must be a number".into(), None))?
                        as usize,
                );
            }
            items = self.get(e, "items").map(Node::to_json);
            if let Some(n) = self.get(e, "findings") {
                findings = self
                    .seq(n, "findings")?
                    .iter()
                    .map(|c| self.finding_code(c))
                    .collect::<Result<_, _>>()?;
            }
        }
        Ok(InspectStep {
            target,
            filters: self.pairs(self.get(entries, "where"), "where")?,
            count,
            items,
            findings,
        })
    }

    fn wait(&self, node: &Node) -> Result<WaitStep, ParseError> {
        let entries = self.map(node, "`wait`")?;
        self.known_keys(entries, &["count", "timeout_ms", "where"])?;
        let number = |key: &str, default: u64| -> Result<u64, ParseError> {
            match self.get(entries, key) {
                None => Ok(default),
                Some(n) => n
                    .to_json()
                    .as_u64()
                    .ok_or_else(|| self.error(n.pos, format!("`{key}` must be a number"), None)),
            }
        };
        Ok(WaitStep {
            count: number("count", 1)? as usize,
            timeout_ms: number("timeout_ms", 5000)?,
            filters: self.pairs(self.get(entries, "where"), "where")?,
        })
    }

    /// A fault, validated as `/__inspect/faults` validates it.
    fn fault(&self, node: &Node) -> Result<FaultSpec, ParseError> {
        let entries = self.map(node, "`fault`")?;
        self.known_keys(entries, &["method", "times", "respond"])?;
        FaultSpec::try_from(node.to_json()).map_err(|e| {
            let at = locate(node, &e.field).unwrap_or(node);
            self.error(at.pos, format!("fault `{}`: {}", e.field, e.message), None)
        })
    }

    /// Runtime changes, in the formats of the inspection API: users, then applications, then
    /// groups (one with a `name` is a whole chat, added or replaced; one without is a change).
    fn state(&self, node: &Node) -> Result<Vec<Change>, ParseError> {
        let entries = self.map(node, "`state`")?;
        self.known_keys(entries, &["users", "groups", "apps"])?;
        let items = |key: &str| -> Result<&[Node], ParseError> {
            match self.get(entries, key) {
                None => Ok(&[]),
                Some(n) => self.seq(n, key),
            }
        };
        let refused = |key: &str, item: &Node, e: EntryError| {
            let at = locate(item, &e.field).unwrap_or(item);
            let field = if e.field.is_empty() {
                key.to_string()
            } else {
                format!("{key}: {}", e.field)
            };
            self.error(at.pos, format!("state `{field}`: {}", e.problem), None)
        };
        let mut changes = Vec::new();
        let users = items("users")?
            .iter()
            .map(|n| entry::user(n.to_json()).map_err(|e| refused("users", n, e)))
            .collect::<Result<Vec<_>, _>>()?;
        if !users.is_empty() {
            changes.push(Change::Users(users));
        }
        let apps = items("apps")?
            .iter()
            .map(|n| entry::app_spec(n.to_json()).map_err(|e| refused("apps", n, e)))
            .collect::<Result<Vec<_>, _>>()?;
        if !apps.is_empty() {
            changes.push(Change::Apps(apps));
        }
        for group in items("groups")? {
            let mut value = group.to_json();
            let Some(gid) = value.get("gid").and_then(Value::as_str).map(str::to_string) else {
                return Err(self.error(group.pos, "a state group needs a `gid`".into(), None));
            };
            if value.get("name").is_some() {
                let chat = entry::group(value).map_err(|e| refused("groups", group, e))?;
                changes.push(Change::Groups(vec![chat]));
            } else {
                value.as_object_mut().map(|m| m.remove("gid"));
                let patch = entry::chat_patch(value).map_err(|e| refused("groups", group, e))?;
                changes.push(Change::Group { gid, patch });
            }
        }
        Ok(changes)
    }
}

/// Every string in `node` (keys included), with its position.
fn strings<'n>(node: &'n Node, found: &mut Vec<(&'n str, Pos)>) {
    match &node.value {
        NodeValue::Scalar(Value::String(s)) => found.push((s, node.pos)),
        NodeValue::Scalar(_) => {}
        NodeValue::Seq(items) => items.iter().for_each(|n| strings(n, found)),
        NodeValue::Map(entries) => {
            for (key, at, value) in entries {
                found.push((key, *at));
                strings(value, found);
            }
        }
    }
}

/// The node a field path (`respond.status`, `members[1]`) names inside `node`, if it is there.
fn locate<'n>(node: &'n Node, path: &str) -> Option<&'n Node> {
    let mut at = node;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            at = at
                .as_map()?
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, _, v)| v)?;
        }
        for index in indexes.split(['[', ']']).filter(|i| !i.is_empty()) {
            at = at.as_seq()?.get(index.parse::<usize>().ok()?)?;
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Scenario, ParseError> {
        parse(Path::new("s.yaml"), text)
    }

    #[test]
    fn the_issue_example_parses() {
        let s = parse_text(include_str!("../../scenarios/docs-examples.yaml")).unwrap();
        assert!(!s.steps.is_empty());
    }

    #[test]
    fn unknown_keys_get_a_did_you_mean_with_position() {
        let e = parse_text("name: x\nsteps:\n  - call: getGroupChats\n    expct: {status: 200}\n")
            .unwrap_err();
        assert_eq!(e.message, "unknown key `expct`");
        assert_eq!(e.hint.as_deref(), Some("did you mean `expect`?"));
        assert_eq!((e.pos.line, e.pos.col), (4, 5));
        assert_eq!(
            e.to_string(),
            "error: unknown key `expct`\n --> s.yaml:4:5\n  |\n4 |     expct: {status: 200}\n  |     ^\n  = hint: did you mean `expect`?"
        );
    }

    #[test]
    fn expected_findings_are_codes_of_the_catalogue() {
        let s = parse_text(
            "name: x\nsteps:\n  - inspect: requests\n    expect: {findings: [users_mixed]}\n",
        )
        .unwrap();
        let StepKind::Inspect(step) = &s.steps[0].kind else {
            panic!("{s:?}")
        };
        assert_eq!(step.findings, [FindingCode::UsersMixed]);
        let e = parse_text("name: x\nsteps:\n  - inspect: requests\n    expect: {findings: [users_mixed, unknown_user]}\n")
            .unwrap_err();
        assert_eq!(e.message, "unknown finding code \"unknown_user\"");
        assert_eq!(e.hint.as_deref(), Some("did you mean `unknown_users`?"));
        assert_eq!((e.pos.line, e.pos.col), (4, 38));
    }

    #[test]
    fn structural_errors() {
        assert!(parse_text("name: x\n")
            .unwrap_err()
            .message
            .contains("needs `steps`"));
        assert!(parse_text("steps:\n  - name: nothing\n")
            .unwrap_err()
            .message
            .contains("needs one of"));
        assert!(parse_text("steps:\n  - inspect: users\n")
            .unwrap_err()
            .message
            .contains("cannot inspect"));
        let e = parse_text("steps:\n  - call: x\n    body: {}\n    raw: y\n").unwrap_err();
        assert_eq!(e.pos.line, 4);
        let e = parse_text("steps: [\n").unwrap_err();
        assert!(e.pos.line >= 1);
    }

    #[test]
    fn defaults() {
        let s = parse_text("steps:\n  - call: sendNotification\n  - wait: {}\n").unwrap();
        assert_eq!(s.name, "s");
        let StepKind::Call(call) = &s.steps[0].kind else {
            panic!()
        };
        assert_eq!(call.http_method(), "POST");
        let StepKind::Wait(wait) = &s.steps[1].kind else {
            panic!()
        };
        assert_eq!((wait.count, wait.timeout_ms), (1, 5000));
    }

    #[test]
    fn scopes_and_captures_parse() {
        let s = parse_text(
            "mock_only: needs faults\nsteps:\n  - call: getGroupChats\n    capture: {gid: \"$.data[0]~\"}\n    expect: {body: {result: success}}\n    expect_mock: {status: 502}\n  - call: getChatUsers\n    mock_only: true\n    query: {gid: \"${gid}\"}\n",
        )
        .unwrap();
        assert_eq!(s.mock_only, Some(MockOnly(Some("needs faults".into()))));
        assert_eq!(s.steps[0].capture[0].0, "gid");
        assert_eq!(s.steps[0].capture[0].1.to_string(), "$.data[0]~");
        let StepKind::Call(call) = &s.steps[0].kind else {
            panic!()
        };
        assert_eq!(call.expect_mock.as_ref().unwrap().status, Some(502));
        assert_eq!(s.steps[1].mock_only, Some(MockOnly(None)));
        assert_eq!(
            s.steps[1].mock_only.as_ref().unwrap().skip_message(),
            "mock only (marked `mock_only`)"
        );
    }

    #[test]
    fn scope_and_capture_errors_point_at_the_value() {
        let e = parse_text("steps:\n  - call: x\n    expect_mock: {status: 200}\n").unwrap_err();
        assert!(e.message.contains("also needs `expect`"), "{e}");
        assert_eq!((e.pos.line, e.pos.col), (3, 5));
        let e = parse_text("steps:\n  - call: x\n    capture: {gid: \"data[0]\"}\n").unwrap_err();
        assert!(e.message.contains("starts at `$`"), "{e}");
        assert_eq!(e.pos.line, 3);
        let e = parse_text("steps:\n  - call: x\n    capture: {gid: \"$.data[0]~\"}\n  - call: y\n    query: {gid: \"${gdi}\"}\n")
            .unwrap_err();
        assert_eq!(e.message, "`${gdi}` is not captured by an earlier step");
        assert_eq!(e.hint.as_deref(), Some("did you mean `${gid}`?"));
        assert_eq!((e.pos.line, e.pos.col), (5, 18));
        // A step cannot use what it captures itself.
        let e = parse_text("steps:\n  - call: x\n    capture: {gid: \"$.data[0]~\"}\n    query: {gid: \"${gid}\"}\n").unwrap_err();
        assert!(e.message.contains("not captured by an earlier step"), "{e}");
        let e = parse_text("steps:\n  - call: x\n    capture: {gid: $.a}\n  - state: {groups: [{gid: \"${gid}\", dismissed: true}]}\n")
            .unwrap_err();
        assert!(e.message.contains("take no references"), "{e}");
        let e =
            parse_text("steps:\n  - inspect: requests\n    capture: {x: $.total}\n").unwrap_err();
        assert_eq!(e.message, "unknown key `capture`");
        let e = parse_text("steps:\n  - call: x\n    mock_only: 3\n").unwrap_err();
        assert!(
            e.message
                .contains("`mock_only` is true, false, or the reason"),
            "{e}"
        );
        // `$${` is a literal `${`, not a reference.
        assert!(parse_text("steps:\n  - call: x\n    body: {title: \"$${not}\"}\n").is_ok());
    }
}
