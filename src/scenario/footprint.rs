//! A scenario's footprint on a running xxb-mock (`replay --target`): what the server held before
//! the scenario began, so that the scenario sees only what arrived after it began and, when it
//! ends, leaves the server as it found it. The users, groups and applications its fixtures and
//! `state` steps name are put back as they were (removed when they did not exist), and the faults
//! it armed are cleared. Notifications and journal entries stay: they are history, and the next
//! scenario reads past them with the `after` cursors taken here.

use super::model::{Scenario, StepKind};
use super::run::Inspector;
use crate::domain::Change;
use crate::php::query::urlencode;
use serde_json::{json, Value};

/// What the server held before the scenario, and what the scenario may change.
pub struct Footprint {
    before: Value,
    /// The last notification seq and journal seq before the scenario began.
    pub notifications_after: i64,
    pub requests_after: i64,
    users: Vec<i64>,
    groups: Vec<String>,
    apps: Vec<String>,
    arms_faults: bool,
}

/// A path segment, percent-encoded (a gid may hold `&` or spaces).
fn segment(text: &str) -> String {
    urlencode(text.as_bytes()).replace('+', "%20")
}

/// The last seq of a listing, 0 when it is empty.
async fn last_seq(server: &Inspector, listing: &str) -> Result<i64, String> {
    let page = server
        .call("GET", &format!("{listing}?order=desc&limit=1"), Value::Null)
        .await?;
    Ok(page["items"][0]["seq"].as_i64().unwrap_or(0))
}

impl Footprint {
    /// Reads the server before the scenario changes anything.
    pub async fn begin(server: &Inspector, scenario: &Scenario) -> Result<Footprint, String> {
        let mut footprint = Footprint {
            before: server.call("GET", "state", Value::Null).await?,
            notifications_after: last_seq(server, "notifications").await?,
            requests_after: last_seq(server, "requests").await?,
            users: Vec::new(),
            groups: Vec::new(),
            apps: Vec::new(),
            arms_faults: false,
        };
        let overlay = &scenario.fixtures;
        footprint
            .users
            .extend(overlay.users.iter().filter_map(|u| u["id"].as_i64()));
        footprint.groups.extend(
            overlay
                .groups
                .iter()
                .filter_map(|g| g["gid"].as_str().map(str::to_string)),
        );
        footprint.apps.extend(
            overlay
                .apps
                .iter()
                .filter_map(|a| a["code"].as_str().map(str::to_string)),
        );
        for step in &scenario.steps {
            match &step.kind {
                StepKind::Fault(_) => footprint.arms_faults = true,
                StepKind::State(changes) => {
                    for change in changes {
                        footprint.note(change);
                    }
                }
                _ => {}
            }
        }
        Ok(footprint)
    }

    fn note(&mut self, change: &Change) {
        match change {
            Change::Users(users) => self.users.extend(users.iter().map(|u| u.id)),
            Change::Groups(chats) => self.groups.extend(chats.iter().map(|c| c.gid.clone())),
            Change::Group { gid, .. } => self.groups.push(gid.clone()),
            Change::Apps(apps) => self.apps.extend(apps.iter().map(|a| a.code.to_string())),
            Change::Remove(_) => {}
        }
    }

    /// Puts back what the scenario changed and removes what it added.
    pub async fn clean(&self, server: &Inspector) -> Result<(), String> {
        let after = server.call("GET", "state", Value::Null).await?;
        let find = |state: &Value, list: &str, key: &str, wanted: &Value| -> Option<Value> {
            state[list]
                .as_array()?
                .iter()
                .find(|item| &item[key] == wanted)
                .cloned()
        };
        let mut added_users = Vec::new();
        for id in unique(&self.users) {
            let id = json!(id);
            match (
                find(&self.before, "users", "id", &id),
                find(&after, "users", "id", &id),
            ) {
                (Some(was), now) if now.as_ref() != Some(&was) => {
                    server.call("POST", "users", json!([was])).await?;
                }
                (None, Some(_)) => added_users.push(id),
                _ => {}
            }
        }
        for gid in unique(&self.groups) {
            let key = json!(gid);
            let was = find(&self.before, "chats", "gid", &key).map(|c| group(&c));
            let now = find(&after, "chats", "gid", &key).map(|c| group(&c));
            match (was, now) {
                (Some(was), now) if now.as_ref() != Some(&was) => {
                    server.call("POST", "groups", json!([was])).await?;
                }
                (None, Some(_)) => {
                    server
                        .call("DELETE", &format!("groups/{}", segment(&gid)), Value::Null)
                        .await?;
                }
                _ => {}
            }
        }
        for code in unique(&self.apps) {
            let key = json!(code);
            let was = find(&self.before, "apps", "code", &key).map(|a| app(&a));
            let now = find(&after, "apps", "code", &key).map(|a| app(&a));
            match (was, now) {
                (Some(was), now) if now.as_ref() != Some(&was) => {
                    server.call("POST", "apps", json!([was])).await?;
                }
                (None, Some(_)) => {
                    server
                        .call("DELETE", &format!("apps/{}", segment(&code)), Value::Null)
                        .await?;
                }
                _ => {}
            }
        }
        for id in added_users {
            server
                .call("DELETE", &format!("users/{id}"), Value::Null)
                .await?;
        }
        if self.arms_faults {
            server.call("DELETE", "faults", Value::Null).await?;
        }
        Ok(())
    }
}

fn unique<T: Clone + PartialEq>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

/// A chat of `/__inspect/state` in the fixture format `POST /__inspect/groups` reads.
fn group(chat: &Value) -> Value {
    json!({
        "gid": chat["gid"], "name": chat["name"], "type": chat["type"],
        "dismissed": chat["dismissed"], "archived": chat["archived"],
        "members": chat["members"], "quit": chat["quit"],
    })
}

/// An application of `/__inspect/state` in the fixture format (its time-mode clock is the
/// server's own and cannot be set).
fn app(app: &Value) -> Value {
    json!({"code": app["code"], "key": app["key"], "ip": app["ip"], "account": app["account"]})
}
