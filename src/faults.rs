//! Fault injection: answers armed through `/__inspect/faults` that replace (or delay) the next calls
//! to a method, so a client's error handling can be tested.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Mutex;

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
    pub fn arm(&self, method: Option<String>, times: Option<u32>, respond: Respond) -> Fault {
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        armed.0 += 1;
        let fault = Fault {
            id: armed.0,
            method,
            remaining: times,
            respond,
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

    /// The answer for a call to `method`, if a fault is armed for it (the oldest first); uses one
    /// of its remaining times.
    pub fn take(&self, method: Option<&str>) -> Option<Respond> {
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        let faults = &mut armed.1;
        if faults.is_empty() {
            return None;
        }
        let at = faults
            .iter()
            .position(|f| f.method.is_none() || f.method.as_deref() == method)?;
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
    fn times_count_down_and_none_means_until_cleared() {
        let faults = Faults::default();
        faults.arm(
            Some("sendNotification".into()),
            Some(2),
            Respond::Delay { delay_ms: 1 },
        );
        assert!(faults.take(Some("getGroupChats")).is_none());
        assert!(faults.take(Some("sendNotification")).is_some());
        assert!(faults.take(Some("sendNotification")).is_some());
        assert!(faults.take(Some("sendNotification")).is_none());
        faults.arm(None, None, Respond::Drop { drop: true });
        for _ in 0..5 {
            assert!(faults.take(Some("anything")).is_some());
        }
        faults.clear();
        assert!(faults.take(None).is_none());
    }
}
