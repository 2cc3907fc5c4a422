//! The five languages of the real server and every text it answers with, copied from its language
//! files (the `?` in the French texts are in the upstream files and kept deliberately).

use clap::ValueEnum;
use std::fmt;

/// A language the real server ships texts for; `--lang` takes its code.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ValueEnum,
)]
pub enum Lang {
    #[serde(rename = "zh-cn")]
    #[value(name = "zh-cn")]
    ZhCn,
    #[serde(rename = "zh-tw")]
    #[value(name = "zh-tw")]
    ZhTw,
    #[serde(rename = "en")]
    #[value(name = "en")]
    En,
    #[serde(rename = "de")]
    #[value(name = "de")]
    De,
    #[serde(rename = "fr")]
    #[value(name = "fr")]
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::ZhCn, Lang::ZhTw, Lang::En, Lang::De, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-cn",
            Lang::ZhTw => "zh-tw",
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
        }
    }

    /// The request's language, as the real server picks it: the `Accept-Language` header up to its
    /// first comma (the whole header when it has none), leading white space dropped, lower-cased;
    /// `hans` in it means zh-cn and `hant` zh-tw; anything that is not exactly one of the five codes
    /// falls back to the server's default. Deliberately faithful, as observed: `ZH-TW` and ` EN`
    /// are zh-tw and en, but `en-US,en;q=0.9` is `en-us`, and `de-DE;q=0.9`, `fr-FR`,
    /// `zh-TW;q=0.8`, `zh`, `zh-HK`, `*` and an empty header all get the default.
    pub fn from_accept_language(header: Option<&[u8]>, default: Lang) -> Lang {
        let Some(header) = header else {
            return default;
        };
        let first = header.split(|&b| b == b',').next().unwrap_or_default();
        let start = first
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t'))
            .unwrap_or(first.len());
        let lowered = String::from_utf8_lossy(&first[start..]).to_ascii_lowercase();
        if lowered.contains("hans") {
            return Lang::ZhCn;
        }
        if lowered.contains("hant") {
            return Lang::ZhTw;
        }
        Lang::from_str(&lowered, false).unwrap_or(default)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The entry check's failures answered in the `errcode`/`errmsg` form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryError {
    EmptyEntry,
    EmptyKey,
    IpDenied,
    ErrorTimestamp,
    CalledTime,
    InvalidToken,
    AccountUnbound,
    InvalidAccount,
}

impl EntryError {
    pub fn errcode(self) -> u16 {
        match self {
            EntryError::EmptyEntry => 404,
            EntryError::EmptyKey | EntryError::InvalidToken => 401,
            EntryError::IpDenied | EntryError::AccountUnbound => 403,
            EntryError::ErrorTimestamp => 407,
            EntryError::CalledTime => 405,
            EntryError::InvalidAccount => 406,
        }
    }

    /// The `errmsg` text in `lang`, exactly as the upstream language files have it.
    pub fn message(self, lang: Lang) -> &'static str {
        use EntryError::*;
        use Lang::*;
        match (self, lang) {
            (EmptyEntry, ZhCn) => "应用不存在",
            (EmptyEntry, ZhTw) => "應用不存在",
            (EmptyEntry, En) => "Application does not exist.",
            (EmptyEntry, De) => "Key des Eintrags fehlt.",
            (EmptyEntry, Fr) => "Application innexistante.",
            (EmptyKey, ZhCn) => "应用未设置密钥",
            (EmptyKey, ZhTw) => "應用未設置密鑰",
            (EmptyKey, En) => "Secret key is missing.",
            (EmptyKey, De) => "Key des Eintrags fehlt.",
            (EmptyKey, Fr) => "Cl? Secr?te manquante.",
            (IpDenied, ZhCn) => "该IP被限制访问",
            (IpDenied, ZhTw) => "該IP被限制訪問",
            (IpDenied, En) => "IP is denied.",
            (IpDenied, De) => "IP ist unzulässig.",
            (IpDenied, Fr) => "IP interdite.",
            (InvalidToken, ZhCn) => "无效的token参数",
            (InvalidToken, ZhTw) => "無效的token參數",
            (InvalidToken, En) => "Invalid token.",
            (InvalidToken, De) => "Ungültiger token.",
            (InvalidToken, Fr) => "Token Invalide.",
            (AccountUnbound, ZhCn) => "未绑定用户",
            (AccountUnbound, ZhTw) => "未綁定用戶",
            (AccountUnbound, En | De) => "Account is not bound.",
            (AccountUnbound, Fr) => "Compte non li?.",
            (InvalidAccount, ZhCn) => "用户不存在",
            (InvalidAccount, ZhTw) => "用戶不存在",
            (InvalidAccount, En) => "Invalid account.",
            (InvalidAccount, De) => "Account is not exists",
            (InvalidAccount, Fr) => "Compte Invalide.",
            (CalledTime, ZhCn | ZhTw) => "Token已失效",
            (CalledTime, En | De) => "Token has expired",
            (CalledTime, Fr) => "Token expir?",
            (ErrorTimestamp, ZhCn) => "错误的时间戳。",
            (ErrorTimestamp, ZhTw) => "錯誤的時間戳。",
            (ErrorTimestamp, En | De | Fr) => "Timestamp Error",
        }
    }
}

/// The failures of the two send methods, answered as `{"result":"fail","message":...}`. The
/// upstream language files have no German or French texts for them, so `de` and `fr` requests get
/// the English ones (observed on the real server).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Each variant is a missing field, as the upstream messages are: `No` is the point of the names.
#[allow(clippy::enum_variant_names)]
pub enum SendError {
    /// `empty(users)` in sendNotification.
    NoUsers,
    /// `empty(gid)` in sendChatMessage.
    NoGid,
    /// `empty(sender)`.
    NoSender,
    /// `empty(title)`.
    NoTitle,
}

impl SendError {
    pub fn message(self, lang: Lang) -> &'static str {
        use Lang::*;
        use SendError::*;
        match (self, lang) {
            (NoUsers, ZhCn) => "应当设置接收者用户列表。",
            (NoUsers, ZhTw) => "應當設置接收者用戶列表。",
            (NoUsers, En | De | Fr) => "Should set user list.",
            (NoGid, ZhCn) => "应当设置接收讨论组。",
            (NoGid, ZhTw) => "應當設置接收討論組。",
            (NoGid, En | De | Fr) => "Should set chat group.",
            (NoSender, ZhCn) => "应当设置发送方信息。",
            (NoSender, ZhTw) => "應當設置發送方信息。",
            (NoSender, En | De | Fr) => "Should set sender info.",
            (NoTitle, ZhCn) => "请提供通知信息的标题。",
            (NoTitle, ZhTw) => "請提供通知信息的標題。",
            (NoTitle, En | De | Fr) => "Notification title not set.",
        }
    }
}

/// The message of the web page the server answers when the request is not an API call.
pub fn config_error(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "XXB参数设置不正确。",
        Lang::ZhTw => "XXB參數設置不正確。",
        Lang::En | Lang::De | Lang::Fr => "XXB is error.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accept_language_is_read_up_to_the_first_comma() {
        let pick = |h: &str| Lang::from_accept_language(Some(h.as_bytes()), Lang::ZhCn);
        assert_eq!(pick("en,zh;q=0.8"), Lang::En);
        assert_eq!(pick("EN"), Lang::En);
        assert_eq!(pick("zh-TW,en"), Lang::ZhTw);
        assert_eq!(pick("zh-Hant-HK"), Lang::ZhTw);
        assert_eq!(pick("zh-Hans"), Lang::ZhCn);
        assert_eq!(pick("de"), Lang::De);
        assert_eq!(pick("fr,de"), Lang::Fr);
        // Deliberate: a region or a weight makes it unknown, so the default applies.
        assert_eq!(pick("en-US,en;q=0.9"), Lang::ZhCn);
        assert_eq!(pick("fr;q=1"), Lang::ZhCn);
        assert_eq!(pick("ZH-TW"), Lang::ZhTw);
        assert_eq!(pick("  EN"), Lang::En);
        assert_eq!(pick("\tfr"), Lang::Fr);
        assert_eq!(pick(" de ,en"), Lang::ZhCn);
        for unknown in [
            "de-DE;q=0.9",
            "fr-FR",
            "zh-TW;q=0.8",
            "zh",
            "zh-HK",
            "*",
            "",
            " ",
        ] {
            assert_eq!(pick(unknown), Lang::ZhCn, "{unknown:?}");
        }
        assert_eq!(
            Lang::from_accept_language(Some(b"\xff"), Lang::En),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language(None, Lang::De), Lang::De);
        assert_eq!(Lang::from_accept_language(Some(b"xx"), Lang::En), Lang::En);
    }

    #[test]
    fn the_flag_the_header_and_the_json_spell_each_language_alike() {
        for lang in Lang::ALL {
            let flag = lang.to_possible_value().map(|v| v.get_name().to_string());
            assert_eq!(flag.as_deref(), Some(lang.code()));
            assert_eq!(serde_json::to_value(lang).unwrap(), lang.code());
            let header = Lang::from_accept_language(Some(lang.code().as_bytes()), Lang::Fr);
            assert_eq!(header, lang);
        }
        assert_eq!(Lang::value_variants(), Lang::ALL);
    }

    #[test]
    fn send_failures_are_english_in_german_and_french() {
        for error in [
            SendError::NoUsers,
            SendError::NoGid,
            SendError::NoSender,
            SendError::NoTitle,
        ] {
            assert_eq!(error.message(Lang::De), error.message(Lang::En));
            assert_eq!(error.message(Lang::Fr), error.message(Lang::En));
            assert!(error.message(Lang::En).is_ascii());
        }
    }

    proptest! {
        /// Model: the text before the first comma, without leading blanks, lower-cased, is the
        /// language when it is one of the five codes (or names a Chinese script).
        #[test]
        fn picks_what_the_model_picks(header in "[ \t]{0,2}(zh|ZH|en|EN|de|fr|Fr|x)?(-(tw|TW|cn|Hans|hant|us))?(;q=0.8)?( )?(,en)?") {
            let first = header.split(',').next().unwrap();
            let code = first.trim_start_matches([' ', '\t']).to_lowercase();
            let expected = if code.contains("hans") {
                Lang::ZhCn
            } else if code.contains("hant") {
                Lang::ZhTw
            } else {
                match code.as_str() {
                    "zh-cn" => Lang::ZhCn,
                    "zh-tw" => Lang::ZhTw,
                    "en" => Lang::En,
                    "de" => Lang::De,
                    "fr" => Lang::Fr,
                    _ => Lang::De,
                }
            };
            prop_assert_eq!(Lang::from_accept_language(Some(header.as_bytes()), Lang::De), expected);
        }
    }
}
