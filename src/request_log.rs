//! The request log: one line on stderr per request to the emulated API (HTTP method, API method,
//! application, outcome, finding codes, status, duration), as text or JSON (`--log-format`), off
//! with `--quiet`. Clients decide how many requests arrive, so the lines are rate-limited: past
//! [`LINES_PER_SECOND`], lines are counted instead, and the next line says how many were left out.

use crate::domain::JournalRecord;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

/// The most request lines written per second.
pub const LINES_PER_SECOND: u32 = 200;

/// The rate-limited request log of one server.
pub struct RequestLog {
    limiter: DefaultDirectRateLimiter,
    left_out: AtomicU64,
}

impl Default for RequestLog {
    fn default() -> Self {
        let per_second = NonZeroU32::new(LINES_PER_SECOND).expect("not zero");
        RequestLog {
            limiter: RateLimiter::direct(Quota::per_second(per_second)),
            left_out: AtomicU64::new(0),
        }
    }
}

impl RequestLog {
    /// Logs the request journaled as `seq`, unless the rate is exceeded.
    pub fn record(&self, seq: i64, record: &JournalRecord) {
        if !tracing::enabled!(target: "xxb_mock::request", tracing::Level::INFO) {
            return;
        }
        if self.limiter.check().is_err() {
            self.left_out.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let left_out = self.left_out.swap(0, Ordering::Relaxed);
        let findings: Vec<String> = record.findings.iter().map(|f| f.code.to_string()).collect();
        tracing::info!(
            target: "xxb_mock::request",
            seq,
            http = %record.http_method,
            path = %record.path,
            method = %record.method.as_deref().unwrap_or("-"),
            app = %record.app.as_deref().unwrap_or("-"),
            outcome = %record.outcome.as_str(),
            status = record.status,
            findings = %findings.join(","),
            duration_us = record.duration_us,
            left_out,
            "{} {}",
            record.method.as_deref().unwrap_or(&record.path),
            record.outcome.as_str(),
        );
    }
}
