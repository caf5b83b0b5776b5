//! The modes some configuration values take, and where a value comes from.

/// Where a value returned by a getter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigSource {
    /// It was set on the object queried (by a creation option or a setter).
    Explicit,
    /// It was not set on the object: it is the value of the wider scope (the listen socket a
    /// connection was accepted on, or global scope).
    Inherited,
}

/// [`ConfigValue::Unencrypted`](crate::ConfigValue::Unencrypted): whether traffic may be
/// unencrypted.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnencryptedPolicy {
    /// Encryption is required (the default).
    Never,
    /// Unencrypted traffic is allowed, but encryption is preferred.
    Allowed,
    /// Unencrypted traffic is allowed and preferred.
    Preferred,
    /// Traffic must be unencrypted: the connection fails if the peer requires encryption.
    Required,
}

/// [`ConfigValue::DualWifi`](crate::ConfigValue::DualWifi): dual wifi band support.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DualWifiMode {
    /// Off.
    Disabled,
    /// On, when the hardware supports it.
    Enabled,
    /// Simulated, for debugging, even without dual wifi hardware.
    Simulated,
}

bitflags::bitflags! {
    /// Kinds of ICE candidates (local addresses) a P2P connection may share with its peer
    /// (`k_nSteamNetworkingConfig_P2P_Transport_ICE_Enable_*`). Empty: no ICE at all, no
    /// address is shared.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct IceCandidates: i32 {
        /// Relayed connections through a TURN server.
        const RELAY = 1;
        /// Host addresses that look link-local or private (RFC 1918).
        const PRIVATE = 2;
        /// STUN reflexive addresses, and host addresses that are not private.
        const PUBLIC = 4;
        /// Every kind, including kinds added by later library versions.
        const ALL = 0x7fff_ffff;
    }
}

/// [`ConfigValue::P2PTransportIceEnable`](crate::ConfigValue::P2PTransportIceEnable): which ICE
/// candidates a P2P connection shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IceCandidatePolicy {
    /// The platform's (the Steam user's) setting. GameNetworkingSockets has no such setting:
    /// there, setting it gives [`Error::OutOfRange`](crate::Error::OutOfRange) (the library would
    /// silently disable ICE instead).
    PlatformDefault,
    /// Exactly these kinds ([`IceCandidates::empty`](crate::IceCandidates::empty) disables ICE;
    /// GameNetworkingSockets defaults to [`IceCandidates::ALL`](crate::IceCandidates::ALL)).
    Share(IceCandidates),
}

/// [`ConfigValue::P2PTransportIceImplementation`](crate::ConfigValue::P2PTransportIceImplementation):
/// which ICE client P2P connections use.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IceImplementation {
    /// The library's default (WebRTC where it is compiled in, else the native client).
    Default,
    /// Valve's native ICE client.
    Native,
    /// Google's WebRTC ICE client; connections fail where it is not compiled in (it is not in
    /// the `gns` backend's default build).
    WebRtc,
}

/// How much of the library's debug output to forward to the [`log`] crate
/// (`ESteamNetworkingSocketsDebugOutputType`), for
/// [`Sockets::set_debug_output`](crate::Sockets::set_debug_output). Each level includes the ones
/// before it.
///
/// Messages are logged with target `"steam_sockets::library"`
/// ([`DEBUG_OUTPUT_LOG_TARGET`](crate::DEBUG_OUTPUT_LOG_TARGET)) at these levels:
///
/// | library level             | `log` level |
/// |---------------------------|-------------|
/// | `Bug`, `Error`            | `Error`     |
/// | `Important`, `Warning`    | `Warn`      |
/// | `Msg`                     | `Info`      |
/// | `Verbose`                 | `Debug`     |
/// | `Debug`, `Everything`     | `Trace`     |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DebugOutputLevel {
    /// Nothing: debug output off.
    None = 0,
    /// API misuse or internal errors of the library.
    Bug = 1,
    /// Run-time errors.
    Error = 2,
    /// Important notifications.
    Important = 3,
    /// Warnings.
    Warning = 4,
    /// Valve's recommended amount for a shipped game.
    Msg = 5,
    /// Quite a bit more (for debugging).
    Verbose = 6,
    /// Practically everything.
    Debug = 7,
    /// A wall of text.
    Everything = 8,
}

impl DebugOutputLevel {
    /// Every level, in the library's order (each value is its index).
    pub(crate) const ALL: [DebugOutputLevel; 9] = [
        DebugOutputLevel::None,
        DebugOutputLevel::Bug,
        DebugOutputLevel::Error,
        DebugOutputLevel::Important,
        DebugOutputLevel::Warning,
        DebugOutputLevel::Msg,
        DebugOutputLevel::Verbose,
        DebugOutputLevel::Debug,
        DebugOutputLevel::Everything,
    ];

    /// The library's value (`ESteamNetworkingSocketsDebugOutputType`).
    pub(crate) const fn to_int(self) -> i32 {
        self as i32
    }

    /// The level of a library value, or `None` for one this crate does not know.
    pub(crate) fn from_int(raw: i32) -> Option<DebugOutputLevel> {
        usize::try_from(raw).ok().and_then(|i| Self::ALL.get(i).copied())
    }
}
