//! Scenario scripts: YAML files that describe fixtures and an ordered conversation with the XXB
//! API, used in two directions. `replay` drives: the runner plays the client and checks the answers
//! and what the server recorded. `serve --scenario` expects: the server checks that the application
//! under test makes the scenario's calls in order.
//!
//! `yaml` reads text with positions, `parse` turns it into the `model`, `run` plays it and returns
//! results as data (`capture` carries values from one step's answer to later steps, `footprint`
//! leaves a running target as the scenario found it), `report` renders them, `expect` follows an
//! application through a scenario.

mod capture;
pub(crate) mod expect;
mod footprint;
mod matcher;
mod model;
mod parse;
pub mod report;
pub(crate) mod run;
mod yaml;

pub use capture::AnswerPath;
pub use matcher::Mismatch;
pub use model::*;
pub use parse::ParseError;
pub use run::{ScenarioResult, Status, StepResult, Target};
pub use yaml::Pos;

use std::path::{Path, PathBuf};

/// Why scenarios could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}: no scenario files (*.yaml, *.yml, *.json) found")]
    Empty(PathBuf),
}

/// Reads one scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse::parse(path, &text)?)
}

/// Reads files and every scenario file in directories (sorted by name).
pub fn load(paths: &[PathBuf]) -> Result<Vec<Scenario>, LoadError> {
    let mut scenarios = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|source| LoadError::Io {
                    path: path.clone(),
                    source,
                })?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| {
                    matches!(
                        p.extension().and_then(|e| e.to_str()),
                        Some("yaml" | "yml" | "json")
                    )
                })
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(LoadError::Empty(path.clone()));
            }
            for file in files {
                scenarios.push(load_file(&file)?);
            }
        } else {
            scenarios.push(load_file(path)?);
        }
    }
    Ok(scenarios)
}

/// Runs scenarios, each against its own in-process server or against the server at `target`
/// (plain HTTP, or HTTPS trusted by the platform), and returns their results in the order given.
pub async fn run_all(scenarios: &[Scenario], target: Option<&str>) -> Vec<ScenarioResult> {
    replay(scenarios, target.map(Target::new).as_ref()).await
}

/// Runs scenarios concurrently, each against its own in-process server; or, against a target,
/// one after another (each leaves a running xxb-mock as it found it, so the next one sees the
/// same server). Results come in the order given.
pub async fn replay(scenarios: &[Scenario], target: Option<&Target>) -> Vec<ScenarioResult> {
    match target {
        None => futures_util::future::join_all(scenarios.iter().map(|s| run::run(s, None))).await,
        Some(target) => {
            let mut results = Vec::with_capacity(scenarios.len());
            for scenario in scenarios {
                results.push(run::run(scenario, Some(target)).await);
            }
            results
        }
    }
}
