//! Fault injection: answers that replace (or delay) the next calls to a method, so a client's error
//! handling can be tested. A [`FaultSpec`] is validated once, the same way for `/__inspect/faults`,
//! scenario steps and the Rust API.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Mutex;

/// The methods a fault can name: those of the emulated API.
pub const METHODS: [&str; 4] = [
    "getGroupChats",
    "getChatUsers",
    "sendNotification",
    "sendChatMessage",
];

/// A fault to arm: which calls it applies to, how many times, and what they get.
///
/// ```
/// use xxb_mock::FaultSpec;
/// let spec = FaultSpec::try_from(serde_json::json!({"method": "sendNotification", "respond": {"status": 502}})).unwrap();
/// assert_eq!((spec.times, spec.app), (Some(1), None));
/// assert!(FaultSpec::try_from(serde_json::json!({"method": "sendNotifcation", "respond": {"status": 502}})).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultSpec {
    /// The method (`f`) it applies to; `None` for every call.
    pub method: Option<String>,
    /// The application (`code`) whose calls it applies to; `None` for every application. A
    /// scoped reset (`POST /__inspect/reset?app=CODE`) clears the faults of its application.
    pub app: Option<String>,
    /// How many calls (at least 1); `None` until cleared.
    pub times: Option<u32>,
    pub respond: Respond,
}

/// Why a fault was refused: the field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FaultSpecError {
    pub field: String,
    pub message: String,
    /// For an unknown field, the nearest known one.
    pub nearest: Option<&'static str>,
}

fn refused(field: &str, message: impl Into<String>) -> FaultSpecError {
    FaultSpecError {
        field: field.to_string(),
        message: message.into(),
        nearest: None,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    method: Option<String>,
    app: Option<String>,
    #[serde(default = "once", deserialize_with = "nullable")]
    times: Option<u32>,
    respond: Value,
}

fn once() -> Option<u32> {
    Some(1)
}

fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Option::<u32>::deserialize(d)
}

impl TryFrom<Value> for FaultSpec {
    type Error = FaultSpecError;

    /// `{"method"?: ..., "app"?: ..., "times"?: N | null, "respond": {...}}`; `times` defaults to 1.
    fn try_from(value: Value) -> Result<Self, Self::Error> {
        if let Some(unknown) = crate::suggest::unknown_field::<RawSpec>(&value) {
            return Err(FaultSpecError {
                nearest: unknown.nearest,
                ..refused(&unknown.field, unknown.to_string())
            });
        }
        let raw: RawSpec = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            refused(
                if path == "." { "fault" } else { &path },
                e.into_inner().to_string(),
            )
        })?;
        if let Some(method) = &raw.method {
            if !METHODS.contains(&method.as_str()) {
                let nearest = METHODS
                    .iter()
                    .max_by(|a, b| {
                        strsim::jaro_winkler(a, method).total_cmp(&strsim::jaro_winkler(b, method))
                    })
                    .expect("METHODS is not empty");
                return Err(refused(
                    "method",
                    format!(
                        "{method:?} is not a method of the emulated API (did you mean {nearest:?}?); leave `method` out to fault every call"
                    ),
                ));
            }
        }
        let respond: Respond = serde_json::from_value(raw.respond).map_err(|_| {
            refused(
                "respond",
                "`respond` must be {\"body\": ...}, {\"status\": N, \"body\"?: ...}, {\"delay_ms\": N} or {\"drop\": true}",
            )
        })?;
        match respond {
            Respond::Status { status, .. } if !(100..=999).contains(&status) => {
                return Err(refused(
                    "respond.status",
                    format!("{status} is not an HTTP status"),
                ))
            }
            Respond::Drop { drop: false } => {
                return Err(refused("respond.drop", "`drop` must be true"))
            }
            _ => {}
        }
        if raw
            .app
            .as_deref()
            .is_some_and(|app| app.is_empty() || app == "0")
        {
            return Err(refused(
                "app",
                "`app` must be an application code (leave it out to fault every application's calls)",
            ));
        }
        if raw.times == Some(0) {
            return Err(refused(
                "times",
                "`times` must be at least 1, or null for until cleared",
            ));
        }
        Ok(FaultSpec {
            method: raw.method,
            app: raw.app,
            times: raw.times,
            respond,
        })
    }
}

/// What a faulted call gets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Respond {
    /// This HTTP status, with this body PHP-encoded (or an empty body).
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
    },
    /// This body, PHP-encoded, with HTTP 200.
    Body { body: Value },
    /// The normal answer, after a delay.
    Delay { delay_ms: u64 },
    /// The connection closed without an answer.
    Drop { drop: bool },
}

/// An armed fault.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fault {
    pub id: u64,
    /// The method (`f`) it applies to; `None` for every call.
    pub method: Option<String>,
    /// The application (`code`) whose calls it applies to; `None` for every application.
    pub app: Option<String>,
    /// How many more calls it applies to; `None` until cleared.
    pub remaining: Option<u32>,
    pub respond: Respond,
}

/// The armed faults. The lock is held only to arm, list, clear or take one, never across an await.
#[derive(Default)]
pub struct Faults {
    armed: Mutex<(u64, Vec<Fault>)>,
}

impl Faults {
    pub fn arm(&self, spec: FaultSpec) -> Fault {
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        armed.0 += 1;
        let fault = Fault {
            id: armed.0,
            method: spec.method,
            app: spec.app,
            remaining: spec.times,
            respond: spec.respond,
        };
        armed.1.push(fault.clone());
        fault
    }

    pub fn list(&self) -> Vec<Fault> {
        self.armed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    pub fn clear(&self) {
        self.armed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clear();
    }

    /// Clears the faults armed for the application `app` (not those for every application);
    /// answers how many.
    pub fn clear_app(&self, app: &str) -> usize {
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        let before = armed.1.len();
        armed.1.retain(|f| f.app.as_deref() != Some(app));
        before - armed.1.len()
    }

    /// The answer for a call to `method` by the application `app`, if a fault is armed for it
    /// (the oldest first); uses one of its remaining times.
    pub fn take(&self, method: Option<&str>, app: Option<&str>) -> Option<Respond> {
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        let faults = &mut armed.1;
        if faults.is_empty() {
            return None;
        }
        let at = faults.iter().position(|f| {
            (f.method.is_none() || f.method.as_deref() == method)
                && (f.app.is_none() || f.app.as_deref() == app)
        })?;
        let respond = faults[at].respond.clone();
        if let Some(remaining) = &mut faults[at].remaining {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                faults.remove(at);
            }
        }
        Some(respond)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn respond_shapes() {
        let parse = |v: Value| serde_json::from_value::<Respond>(v).ok();
        assert_eq!(
            parse(json!({"body": {"result": "fail"}})),
            Some(Respond::Body {
                body: json!({"result": "fail"})
            })
        );
        assert_eq!(
            parse(json!({"status": 502})),
            Some(Respond::Status {
                status: 502,
                body: None
            })
        );
        assert_eq!(
            parse(json!({"delay_ms": 10})),
            Some(Respond::Delay { delay_ms: 10 })
        );
        assert_eq!(
            parse(json!({"drop": true})),
            Some(Respond::Drop { drop: true })
        );
        assert_eq!(parse(json!({"nothing": 1})), None);
    }

    #[test]
    fn specs_are_validated_once() {
        let spec = |v: Value| FaultSpec::try_from(v).map_err(|e| e.field);
        assert_eq!(
            spec(json!({"respond": {"status": 502}})).unwrap().times,
            Some(1)
        );
        assert_eq!(
            spec(json!({"times": null, "respond": {"drop": true}}))
                .unwrap()
                .times,
            None
        );
        assert_eq!(
            spec(json!({"times": 0, "respond": {"status": 502}})),
            Err("times".into())
        );
        assert_eq!(
            spec(json!({"respond": {"status": 99}})),
            Err("respond.status".into())
        );
        assert_eq!(
            spec(json!({"respond": {"drop": false}})),
            Err("respond.drop".into())
        );
        assert_eq!(
            spec(json!({"respond": {"nothing": 1}})),
            Err("respond".into())
        );
        assert_eq!(
            spec(json!({"respond": {"status": 502}, "extra": 1})),
            Err("extra".into())
        );
        let misspelt =
            FaultSpec::try_from(json!({"metod": "sendNotification", "respond": {"status": 502}}))
                .unwrap_err();
        assert_eq!(misspelt.field, "metod");
        assert!(
            misspelt.message.contains("did you mean `method`?"),
            "{}",
            misspelt.message
        );
        assert_eq!(
            spec(json!({"app": "", "respond": {"status": 502}})),
            Err("app".into())
        );
        let typo =
            FaultSpec::try_from(json!({"method": "sendNotifcation", "respond": {"status": 502}}))
                .unwrap_err();
        assert_eq!(typo.field, "method");
        assert!(
            typo.message.contains("\"sendNotification\""),
            "{}",
            typo.message
        );
    }

    #[test]
    fn times_count_down_and_none_means_until_cleared() {
        let faults = Faults::default();
        faults.arm(FaultSpec {
            method: Some("sendNotification".into()),
            app: None,
            times: Some(2),
            respond: Respond::Delay { delay_ms: 1 },
        });
        assert!(faults.take(Some("getGroupChats"), None).is_none());
        assert!(faults.take(Some("sendNotification"), None).is_some());
        assert!(faults.take(Some("sendNotification"), Some("a")).is_some());
        assert!(faults.take(Some("sendNotification"), None).is_none());
        faults.arm(FaultSpec {
            method: None,
            app: None,
            times: None,
            respond: Respond::Drop { drop: true },
        });
        for _ in 0..5 {
            assert!(faults.take(Some("anything"), None).is_some());
        }
        faults.clear();
        assert!(faults.take(None, None).is_none());
    }

    #[test]
    fn a_fault_for_an_application_applies_to_its_calls_only_and_is_cleared_with_it() {
        let faults = Faults::default();
        let for_app = |app: &str| FaultSpec {
            method: None,
            app: Some(app.into()),
            times: None,
            respond: Respond::Status {
                status: 502,
                body: None,
            },
        };
        faults.arm(for_app("suiteA"));
        faults.arm(for_app("suiteB"));
        assert!(faults
            .take(Some("sendNotification"), Some("suiteC"))
            .is_none());
        assert!(faults.take(Some("sendNotification"), None).is_none());
        assert!(faults
            .take(Some("sendNotification"), Some("suiteA"))
            .is_some());
        assert_eq!(faults.clear_app("suiteA"), 1);
        assert!(faults
            .take(Some("sendNotification"), Some("suiteA"))
            .is_none());
        assert!(faults
            .take(Some("sendNotification"), Some("suiteB"))
            .is_some());
    }
}
