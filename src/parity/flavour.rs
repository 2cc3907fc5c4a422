//! What the target's answers reveal about it: an xxb-mock (it answers `/__inspect/health`), its
//! default language (the language of an entry error asked for in none), and which XXB it is:
//! the server built into ZenTao writes entry errors in raw UTF-8, a standalone XXB server escapes
//! them as `json_encode` does.

use super::{ProbeResult, Verdict};
use crate::domain::Api;
use crate::fixtures::pull::{PullError, Remote};
use crate::xxb::lang::{EntryError, Lang};
use serde::Serialize;
use serde_json::Value;

/// The query that finds no application: its error is in the server's default language.
const NO_SUCH_APP: &str =
    "m=im&f=getGroupChats&code=xxbMockParityNoSuchApp&token=00000000000000000000000000000000";

/// The kind of a target reached through its direct API.
const DIRECT_API: &str = "a chat daemon's direct API (/im/...)";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Flavour {
    /// `xxb-mock 0.1.0` when the target is one.
    pub xxb_mock: Option<String>,
    /// The default language's code, when recognised.
    pub default_lang: Option<String>,
    /// ZenTao-embedded or standalone XXB, when the entry errors show it.
    pub server: Option<String>,
}

impl Flavour {
    /// What can be learnt before the battery runs: whether the target is an xxb-mock and its
    /// default language.
    pub async fn detect(remote: &Remote) -> Result<Flavour, PullError> {
        let unreachable = |e: reqwest::Error| PullError::Unreachable(crate::target::describe(&e));
        let mut flavour = Flavour::default();
        if let Ok(response) = remote
            .client
            .get(format!("{}/__inspect/health", remote.url))
            .send()
            .await
        {
            if let Ok(health) = response.json::<Value>().await {
                if health["status"] == "ok" {
                    flavour.xxb_mock = Some(format!(
                        "xxb-mock {}",
                        health["version"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
        if remote.api == Api::Xxd {
            flavour.server = Some(DIRECT_API.into());
            return Ok(flavour);
        }
        let text = remote
            .client
            .get(format!("{}/x.php?{NO_SUCH_APP}", remote.url))
            .send()
            .await
            .map_err(unreachable)?
            .text()
            .await
            .map_err(unreachable)?;
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["errmsg"].as_str().map(str::to_string));
        flavour.default_lang = message.and_then(|m| {
            Lang::ALL
                .into_iter()
                .find(|lang| EntryError::EmptyEntry.message(*lang) == m)
                .map(|lang| lang.code().to_string())
        });
        Ok(flavour)
    }

    /// The default language, when recognised.
    pub fn lang(&self) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| Some(l.code()) == self.default_lang.as_deref())
    }

    /// Reads the server's kind from the battery's Chinese entry error.
    pub fn read_answers(&mut self, results: &[ProbeResult]) {
        if self.server.is_some() {
            return;
        }
        let Some(body) = results
            .iter()
            .find(|r| r.name == "entry.unknown_app[zh-cn]" && r.verdict != Verdict::Skipped)
            .and_then(|r| r.target.as_ref())
            .map(|a| a.body.as_str())
        else {
            return;
        };
        self.server = if body.contains(EntryError::EmptyEntry.message(Lang::ZhCn)) {
            Some("ZenTao-embedded XXB (entry errors in raw UTF-8)".into())
        } else if body.contains("\\u5e94\\u7528") {
            Some("standalone XXB (entry errors escaped by json_encode)".into())
        } else {
            None
        };
    }

    /// One line for the report.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(mock) = &self.xxb_mock {
            parts.push(format!("{mock} (it answers /__inspect)"));
        }
        parts.push(
            self.server
                .clone()
                .unwrap_or_else(|| "kind of XXB not recognised from its entry errors".into()),
        );
        match &self.default_lang {
            Some(lang) => parts.push(format!("default language {lang}")),
            // The direct API has no language to recognise.
            None if self.server.as_deref() == Some(DIRECT_API) => {}
            None => parts.push("default language not recognised".into()),
        }
        parts.join("; ")
    }
}
