//! The four operations of the direct API, each a path under `/im/` with the HTTP method the guide
//! gives it: GET for the two lookups, POST with a JSON body for the two sends.

/// An operation of the direct API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    GetChatGroups,
    GetChatUsers,
    SendNotification,
    SendChatMessage,
}

impl Operation {
    pub const ALL: [Operation; 4] = [
        Operation::GetChatGroups,
        Operation::GetChatUsers,
        Operation::SendNotification,
        Operation::SendChatMessage,
    ];

    /// The name in the path: `/im/{name}`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetChatGroups => "getChatGroups",
            Operation::GetChatUsers => "getChatUsers",
            Operation::SendNotification => "sendNotification",
            Operation::SendChatMessage => "sendChatMessage",
        }
    }

    /// The operation a path segment names, exactly (a Go router compares paths case-sensitively).
    pub fn named(segment: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.name() == segment)
    }

    /// `/im/{name}`.
    pub fn path(self) -> String {
        format!("/im/{}", self.name())
    }

    /// The HTTP method the guide gives it.
    pub fn http_method(self) -> &'static str {
        if self.sends() {
            "POST"
        } else {
            "GET"
        }
    }

    /// Whether it stores a message.
    pub fn sends(self) -> bool {
        matches!(
            self,
            Operation::SendNotification | Operation::SendChatMessage
        )
    }

    /// The method of `/x.php` that does the same (`getGroupChats` there for `getChatGroups` here):
    /// faults are armed by these names and apply to both APIs.
    pub fn x_php_method(self) -> &'static str {
        match self {
            Operation::GetChatGroups => "getGroupChats",
            other => other.name(),
        }
    }

    /// The operation of the direct API that does what `/x.php`'s method `f` does.
    pub fn for_x_php_method(f: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.x_php_method() == f)
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn names_and_their_counterparts() {
        assert_eq!(
            Operation::named("getChatGroups"),
            Some(Operation::GetChatGroups)
        );
        assert_eq!(Operation::named("getGroupChats"), None);
        assert_eq!(Operation::named("getchatgroups"), None);
        assert_eq!(
            Operation::for_x_php_method("getGroupChats"),
            Some(Operation::GetChatGroups)
        );
        assert_eq!(Operation::SendChatMessage.x_php_method(), "sendChatMessage");
        assert_eq!(Operation::GetChatUsers.http_method(), "GET");
        assert_eq!(Operation::SendNotification.path(), "/im/sendNotification");
    }
}
