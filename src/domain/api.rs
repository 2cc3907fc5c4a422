//! Which of the two emulated APIs a request came through: the XXB server's `/x.php` entry, or the
//! chat daemon's direct API (`/im/...`, the vendor's "xxd" guide). Both serve the same
//! organisation and store into the same tables; the journal and every notification say which one
//! was used, and both lists filter by it.

use std::fmt;
use std::str::FromStr;

/// An emulated API, named as the journal, the filters and `--api` spell it: `x.php` or `xxd`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Api {
    /// `/x.php?m=im&f=...`, the XXB server's application-integration entry.
    #[default]
    #[serde(rename = "x.php")]
    XPhp,
    /// `/im/getChatGroups` and the three others, served by the chat daemon (xxd).
    #[serde(rename = "xxd")]
    Xxd,
}

impl Api {
    pub const ALL: [Api; 2] = [Api::XPhp, Api::Xxd];

    pub fn as_str(self) -> &'static str {
        match self {
            Api::XPhp => "x.php",
            Api::Xxd => "xxd",
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Api {
    type Err = String;

    /// `x.php` or `xxd` (`xphp` too, for a shell that dislikes dots).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "x.php" | "xphp" => Ok(Api::XPhp),
            "xxd" => Ok(Api::Xxd),
            other => Err(format!("`api` must be x.php or xxd, not {other:?}")),
        }
    }
}

impl clap::ValueEnum for Api {
    fn value_variants<'a>() -> &'a [Self] {
        &Api::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(match self {
            Api::XPhp => clap::builder::PossibleValue::new("x.php").alias("xphp"),
            Api::Xxd => clap::builder::PossibleValue::new("xxd"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Api;

    #[test]
    fn the_names_round_trip_through_text_and_json() {
        for api in Api::ALL {
            assert_eq!(api.as_str().parse::<Api>(), Ok(api));
            let json = serde_json::to_value(api).unwrap();
            assert_eq!(json, serde_json::Value::from(api.as_str()));
            assert_eq!(serde_json::from_value::<Api>(json).unwrap(), api);
        }
        assert!("php".parse::<Api>().unwrap_err().contains("x.php or xxd"));
    }
}
