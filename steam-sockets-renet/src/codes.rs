//! The application end codes the transport closes and refuses connections with, so that the
//! other side can tell why.

use std::fmt;

use steam_sockets::EndReason;

/// Why the transport closed or refused a connection, as the peer sees it in its
/// [`CloseReason::end`](steam_sockets::CloseReason::end) (an application end code, `1001..`).
///
/// [`ClientTransport::close_code`](crate::ClientTransport::close_code) turns the end code back
/// into this enum on the client.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseCode {
    /// The server disconnected the client:
    /// [`ServerTransport::disconnect_client`](crate::ServerTransport::disconnect_client), or
    /// `RenetServer::disconnect` (1001).
    Kicked,
    /// The server shut down:
    /// [`ServerTransport::disconnect_all`](crate::ServerTransport::disconnect_all) (1002).
    ServerShutdown,
    /// The client left: [`ClientTransport::disconnect`](crate::ClientTransport::disconnect), or
    /// `RenetClient::disconnect` (1003).
    ClientLeft,
    /// Refused: the server already has
    /// [`max_clients`](crate::ServerTransport::max_clients) clients (1004).
    ServerFull,
    /// Refused by the server's access check ([`ServerConfig::access`](crate::ServerConfig))
    /// (1005).
    NotAllowed,
    /// Refused: a client with the same identity is already connected (1006).
    DuplicateIdentity,
    /// renet ended the connection itself, on a protocol error such as a packet it cannot read
    /// or a channel running out of memory (2001, an exceptional application code).
    Protocol,
}

impl CloseCode {
    /// Every code, in order.
    pub const ALL: [CloseCode; 7] = [
        CloseCode::Kicked,
        CloseCode::ServerShutdown,
        CloseCode::ClientLeft,
        CloseCode::ServerFull,
        CloseCode::NotAllowed,
        CloseCode::DuplicateIdentity,
        CloseCode::Protocol,
    ];

    /// The application end code the connection is closed with.
    pub const fn end_reason(self) -> EndReason {
        EndReason::from_raw(match self {
            CloseCode::Kicked => 1001,
            CloseCode::ServerShutdown => 1002,
            CloseCode::ClientLeft => 1003,
            CloseCode::ServerFull => 1004,
            CloseCode::NotAllowed => 1005,
            CloseCode::DuplicateIdentity => 1006,
            CloseCode::Protocol => 2001,
        })
    }

    /// The code for an end reason, if it is one of the transport's.
    pub fn from_end_reason(end: EndReason) -> Option<CloseCode> {
        CloseCode::ALL.into_iter().find(|code| code.end_reason() == end)
    }

    /// Whether the connection was refused before it was accepted.
    pub const fn is_refusal(self) -> bool {
        matches!(self, CloseCode::ServerFull | CloseCode::NotAllowed | CloseCode::DuplicateIdentity)
    }

    /// The explanation sent with the code (the peer's `CloseReason::debug`).
    pub const fn description(self) -> &'static str {
        match self {
            CloseCode::Kicked => "disconnected by the server",
            CloseCode::ServerShutdown => "the server shut down",
            CloseCode::ClientLeft => "the client left",
            CloseCode::ServerFull => "the server is full",
            CloseCode::NotAllowed => "not allowed on this server",
            CloseCode::DuplicateIdentity => "already connected with this identity",
            CloseCode::Protocol => "renet protocol error",
        }
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_application_codes_and_round_trip() {
        for code in CloseCode::ALL {
            assert!(code.end_reason().is_app(), "{code:?}");
            assert_eq!(CloseCode::from_end_reason(code.end_reason()), Some(code));
        }
        assert_eq!(CloseCode::from_end_reason(EndReason::APP_GENERIC), None);
        assert_eq!(CloseCode::from_end_reason(EndReason::REMOTE_TIMEOUT), None);
        let refusals = CloseCode::ALL.iter().filter(|c| c.is_refusal()).count();
        assert_eq!(refusals, 3);
    }
}
