//! Typed configuration values: creation options for listen sockets and connections, and
//! getters and setters at global, listen-socket and connection scope through
//! `ISteamNetworkingUtils::SetConfigValue` / `GetConfigValue`. The user-facing rules (scopes,
//! inheritance, range checks) are documented on [`ConfigValue`], since this module is private.

use std::ffi::{CStr, CString, c_void};
use std::time::Duration;

use steam_sockets_sys as sys;
use sys::ESteamNetworkingConfigValue as Key;

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::socket::ListenSocket;
use crate::sockets::{Api, Sockets};
use crate::utils::DebugOutputLevel;

/// Defines [`ConfigValue`], [`ConfigKey`] and the tables between them, from one list of
/// `Variant(RustType) = SysKey, scope, Codec;` entries, so that a key, its value type, its scope
/// and its conversion can never disagree.
macro_rules! config_values {
    (
        $(#[$value_meta:meta])*
        pub enum ConfigValue;
        $(#[$key_meta:meta])*
        pub enum ConfigKey;
        $(
            $(#[doc = $doc:literal])*
            $name:ident($ty:ty) = $sys:ident, $scope:ident, $codec:ty;
        )*
    ) => {
        $(#[$value_meta])*
        pub enum ConfigValue {
            $( $(#[doc = $doc])* $name($ty), )*
        }

        $(#[$key_meta])*
        pub enum ConfigKey {
            $(
                #[doc = concat!("The key of [`ConfigValue::", stringify!($name), "`].")]
                $name,
            )*
        }

        impl ConfigKey {
            /// Every key this version of the crate knows, in declaration order.
            pub const ALL: &'static [ConfigKey] = &[$(ConfigKey::$name),*];

            /// Whether this is a global value: it applies to the whole process and can only be
            /// set or read at global scope (the SDK headers mark it `[global]`).
            pub const fn is_global_only(self) -> bool {
                match self {
                    $( ConfigKey::$name => config_values!(@global $scope), )*
                }
            }

            /// The raw `ESteamNetworkingConfigValue`.
            pub const fn raw(self) -> i32 {
                self.to_sys().0
            }

            const fn to_sys(self) -> Key {
                match self {
                    $( ConfigKey::$name => Key::$sys, )*
                }
            }

            fn data_type(self) -> DataType {
                match self {
                    $( ConfigKey::$name => <$codec as Codec>::DATA_TYPE, )*
                }
            }

            fn name(self) -> &'static str {
                match self {
                    $( ConfigKey::$name => stringify!($name), )*
                }
            }
        }

        impl ConfigValue {
            /// Which option this is.
            pub fn key(&self) -> ConfigKey {
                match self {
                    $( ConfigValue::$name(_) => ConfigKey::$name, )*
                }
            }

            /// Converts to the library's representation, checking the range.
            fn to_raw_value(&self) -> Result<RawValue> {
                match self {
                    $(
                        ConfigValue::$name(value) => {
                            <$codec as Codec>::encode(ConfigKey::$name, value)
                        }
                    )*
                }
            }

            /// Converts a value read from the library.
            fn from_raw_value(key: ConfigKey, raw: RawValue) -> Result<ConfigValue> {
                let decoded = match key {
                    $(
                        ConfigKey::$name => {
                            <$codec as Codec>::decode(raw).map(ConfigValue::$name)
                        }
                    )*
                };
                decoded.map_err(|detail| Error::UnexpectedConfigValue { key, detail })
            }
        }
    };
    (@global global) => { true };
    (@global connection) => { false };
}

config_values! {
    /// One configuration option, with its value.
    ///
    /// Pass a slice of these when creating a listen socket or connection, or set one later
    /// with [`Connection::set_config`], [`ListenSocket::set_config`] or
    /// [`Sockets::set_global_config`]. The getters take a [`ConfigKey`] and return this type.
    /// Each variant says whether it is a connection or a global value, its unit and its
    /// default.
    ///
    /// # Scopes and inheritance
    /// A *global* value (fake-network simulation, SDR client tuning, ECN) applies to the whole
    /// process: it can only be set and read with [`Sockets::set_global_config`] and
    /// [`Sockets::global_config`], and is refused ([`Error::InvalidArgument`]) as a creation
    /// option or on a socket or connection.
    ///
    /// A *connection* value can be set at three scopes, each inheriting from the wider one
    /// until it is set: global scope (the default for everything), a listen socket (the
    /// default for the connections it accepts), and a connection. Connections started with
    /// [`Sockets::connect_ip`] inherit from global scope. A change at a wider scope reaches
    /// the objects that inherit the value, even existing ones (except
    /// [`ConfigValue::ConnectionUserData`]).
    ///
    /// Getters return the *effective* value: the one set on the object queried, or else the
    /// inherited one. [`Connection::config_with_source`] and
    /// [`ListenSocket::config_with_source`] also say which ([`ConfigSource`]); the `reset_*`
    /// functions remove a setting so that the object inherits again.
    ///
    /// # Checks
    /// Values are checked for what their Rust type cannot express (an `i32` overflow, a
    /// percentage outside `0..=100`, a NaN, an interior NUL) before anything reaches the
    /// library, which then changes nothing. Within those bounds, the library clamps a value to
    /// its own limits without reporting it (GameNetworkingSockets keeps
    /// [`SendBufferSize`](ConfigValue::SendBufferSize) within 4 KiB..=256 MiB, for example):
    /// read it back to see what applies. Strings are copied; nothing needs to outlive the
    /// call.
    ///
    /// Function-pointer values (`k_ESteamNetworkingConfig_Callback_*`) are deliberately not
    /// representable: this crate installs its own callbacks and delivers what they report as
    /// [`Event`](crate::Event)s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use steam_sockets::ConfigValue;
    ///
    /// let options = [
    ///     ConfigValue::TimeoutConnected(Duration::from_secs(5)),
    ///     ConfigValue::SendRateMax(1024 * 1024),
    /// ];
    /// # let _ = options;
    /// ```
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq)]
    pub enum ConfigValue;

    /// Which option a [`ConfigValue`] sets: what the getters take.
    #[non_exhaustive]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ConfigKey;

    /// Connection value: how long connecting may take before it fails (millisecond resolution;
    /// default 10 s).
    TimeoutInitial(Duration) = TimeoutInitial, connection, Millis;
    /// Connection value: how long a connected peer may stay silent before the connection is
    /// considered dead (millisecond resolution; default 10 s).
    TimeoutConnected(Duration) = TimeoutConnected, connection, Millis;
    /// Connection value, bytes: upper limit of buffered pending bytes to be sent; beyond it
    /// sends fail with [`Error::SendBufferFull`] (default 512 KiB).
    SendBufferSize(u32) = SendBufferSize, connection, Count;
    /// Connection value, bytes: upper limit of received bytes not yet read by the application;
    /// beyond it packets are dropped. Must be larger than [`ConfigValue::RecvMaxMessageSize`].
    RecvBufferSize(u32) = RecvBufferSize, connection, Count;
    /// Connection value: upper limit of received messages not yet read by the application;
    /// beyond it packets are dropped.
    RecvBufferMessages(u32) = RecvBufferMessages, connection, Count;
    /// Connection value, bytes: largest message the peer may send us; a bigger one closes the
    /// connection (default 512 KiB).
    RecvMaxMessageSize(u32) = RecvMaxMessageSize, connection, Count;
    /// Connection value: most message segments accepted in one UDP packet; decoding stops
    /// beyond it. Lowering it (to 2, say) protects a peer that only sends unreliable datagrams
    /// with Nagle disabled from malicious senders (default: effectively unlimited).
    RecvMaxSegmentsPerPacket(u32) = RecvMaxSegmentsPerPacket, connection, Count;
    /// Connection value: user data the connection starts with, reported in
    /// [`ConnectionInfo::user_data`](crate::ConnectionInfo::user_data) and
    /// [`Message::connection_user_data`](crate::Message::connection_user_data) (default -1).
    /// Unlike other values, a connection binds the effective value when it is created: later
    /// changes at a wider scope do not reach it.
    ConnectionUserData(i64) = ConnectionUserData, connection, Int64;
    /// Connection value, bytes per second: lower clamp of the send rate (default 256 KiB/s).
    /// Set it equal to [`ConfigValue::SendRateMax`] to fix the rate.
    SendRateMin(u32) = SendRateMin, connection, Count;
    /// Connection value, bytes per second: upper clamp of the send rate (default 256 KiB/s).
    SendRateMax(u32) = SendRateMax, connection, Count;
    /// Connection value: Nagle delay, how long a small message waits for more before a packet
    /// is sent (microsecond resolution; default 5 ms).
    NagleTime(Duration) = NagleTime, connection, Micros;
    /// Connection value: accept unauthenticated IP connections. `true` sets level 1 (attempt
    /// authentication, allow unauthenticated peers with a warning); reading back level 1 or 2
    /// (never attempt, never warn) gives `true`. GameNetworkingSockets cannot obtain
    /// certificates and defaults to level 2. A development setting: do not let players change
    /// it.
    IpAllowWithoutAuth(bool) = IP_AllowWithoutAuth, connection, AuthLevel;
    /// Connection value: as [`ConfigValue::IpAllowWithoutAuth`], for connections to or from
    /// localhost only; the more permissive of the two applies.
    IpLocalHostAllowWithoutAuth(bool) = IPLocalHost_AllowWithoutAuth, connection, AuthLevel;
    /// Connection value, bytes: largest UDP payload sent (default 1300). Also changes
    /// [`ConfigValue::MtuDataSize`].
    MtuPacketSize(u32) = MTU_PacketSize, connection, Count;
    /// Connection value, bytes, read-only: largest message that is sent without fragmenting,
    /// derived from [`ConfigValue::MtuPacketSize`]. Setting it gives
    /// [`Error::InvalidArgument`].
    MtuDataSize(u32) = MTU_DataSize, connection, Count;
    /// Connection value: whether unencrypted (and unauthenticated) traffic is allowed (default
    /// [`UnencryptedPolicy::Never`]). Both peers must allow it. A development setting.
    Unencrypted(UnencryptedPolicy) = Unencrypted, connection, UnencryptedPolicy;
    /// Connection value: symmetric connect mode (P2P): when two peers connect to each other at
    /// the same time, they get one connection. Set it on the outbound connection and on the
    /// listen socket.
    SymmetricConnect(bool) = SymmetricConnect, connection, Flag;
    /// Connection value: the local virtual port of a P2P connection, used to match symmetric
    /// connections; -1 (the default) means the remote virtual port. Must be -1 or more.
    LocalVirtualPort(i32) = LocalVirtualPort, connection, VirtualPort;
    /// Connection value: dual wifi band support (`steam` backend only).
    DualWifi(DualWifiMode) = DualWifi_Enable, connection, DualWifiMode;
    /// Connection value: report diagnostics through the platform's UI (`steam` backend only).
    EnableDiagnosticsUi(bool) = EnableDiagnosticsUI, connection, Flag;
    /// Connection value: send the time since the previous packet in each UDP packet, so the
    /// receiver can measure jitter, at a small cost in overhead. `None` (the default): the
    /// connection type decides (off for plain UDP, on for relayed connections).
    SendTimeSincePreviousPacket(Option<bool>) = SendTimeSincePreviousPacket, connection, Auto;
    /// Connection value: comma-separated STUN servers used for NAT piercing of P2P connections;
    /// empty disables NAT piercing.
    P2PStunServerList(String) = P2P_STUN_ServerList, connection, Text;
    /// Connection value: which kinds of ICE candidates a P2P connection shares with its peer.
    P2PTransportIceEnable(IceCandidatePolicy) =
        P2P_Transport_ICE_Enable, connection, IceCandidatePolicy;
    /// Connection value: penalty added to the score of ICE routes when a P2P connection picks
    /// a transport; scores are pings, so the penalty is a time (millisecond resolution).
    P2PTransportIcePenalty(Duration) = P2P_Transport_ICE_Penalty, connection, Millis;
    /// Connection value: penalty added to the score of SDR (relayed) routes when a P2P
    /// connection picks a transport (millisecond resolution; `steam` backend only).
    P2PTransportSdrPenalty(Duration) = P2P_Transport_SDR_Penalty, connection, Millis;
    /// Connection value: comma-separated TURN servers for relayed P2P connections.
    P2PTurnServerList(String) = P2P_TURN_ServerList, connection, Text;
    /// Connection value: comma-separated TURN user names, one per TURN server.
    P2PTurnUserList(String) = P2P_TURN_UserList, connection, Text;
    /// Connection value: comma-separated TURN passwords, one per TURN server.
    P2PTurnPassList(String) = P2P_TURN_PassList, connection, Text;
    /// Connection value: which ICE client P2P connections use.
    P2PTransportIceImplementation(IceImplementation) =
        P2P_Transport_ICE_Implementation, connection, IceImplementation;
    /// Connection value, for development: a base-64 ticket from the certificate tool, to
    /// connect to a game server over SDR without the game coordinator (`steam` backend only).
    SdrClientDevTicket(String) = SDRClient_DevTicket, connection, Text;
    /// Connection value: log level of round-trip-time calculations. Like every `LogLevel*`
    /// value it defaults to [`DebugOutputLevel::Warning`]; it only shows up if
    /// [`Sockets::set_debug_output`] forwards that level too. GameNetworkingSockets raises
    /// connection log levels below [`DebugOutputLevel::Error`] to it.
    LogLevelAckRtt(DebugOutputLevel) = LogLevel_AckRTT, connection, DebugOutputLevel;
    /// Connection value: log level of packets sent and received.
    LogLevelPacketDecode(DebugOutputLevel) = LogLevel_PacketDecode, connection, DebugOutputLevel;
    /// Connection value: log level of each message sent and received.
    LogLevelMessage(DebugOutputLevel) = LogLevel_Message, connection, DebugOutputLevel;
    /// Connection value: log level of dropped packets.
    LogLevelPacketGaps(DebugOutputLevel) = LogLevel_PacketGaps, connection, DebugOutputLevel;
    /// Connection value: log level of P2P rendezvous messages.
    LogLevelP2PRendezvous(DebugOutputLevel) = LogLevel_P2PRendezvous, connection, DebugOutputLevel;

    /// Global value, percent (0 to 100): simulated loss of outgoing packets (default 0).
    FakePacketLossSend(f32) = FakePacketLoss_Send, global, Percent;
    /// Global value, percent (0 to 100): simulated loss of incoming packets (default 0).
    FakePacketLossRecv(f32) = FakePacketLoss_Recv, global, Percent;
    /// Global value: simulated latency of outgoing packets (millisecond resolution; default 0).
    FakePacketLagSend(Duration) = FakePacketLag_Send, global, Millis;
    /// Global value: simulated latency of incoming packets (millisecond resolution; default 0).
    FakePacketLagRecv(Duration) = FakePacketLag_Recv, global, Millis;
    /// Global value: mean of the simulated jitter of outgoing packets, drawn from an
    /// exponential distribution and applied after fake lag (sub-millisecond resolution; default
    /// 0, no jitter).
    FakePacketJitterSendAvg(Duration) = FakePacketJitter_Send_Avg, global, FloatMillis;
    /// Global value: largest simulated jitter of an outgoing packet (sub-millisecond
    /// resolution; default 100 ms).
    FakePacketJitterSendMax(Duration) = FakePacketJitter_Send_Max, global, FloatMillis;
    /// Global value, percent (0 to 100): share of outgoing packets that get simulated jitter
    /// (default 75).
    FakePacketJitterSendPct(f32) = FakePacketJitter_Send_Pct, global, Percent;
    /// Global value: mean of the simulated jitter of incoming packets (sub-millisecond
    /// resolution; default 0, no jitter).
    FakePacketJitterRecvAvg(Duration) = FakePacketJitter_Recv_Avg, global, FloatMillis;
    /// Global value: largest simulated jitter of an incoming packet (sub-millisecond
    /// resolution; default 100 ms).
    FakePacketJitterRecvMax(Duration) = FakePacketJitter_Recv_Max, global, FloatMillis;
    /// Global value, percent (0 to 100): share of incoming packets that get simulated jitter
    /// (default 75).
    FakePacketJitterRecvPct(f32) = FakePacketJitter_Recv_Pct, global, Percent;
    /// Global value, percent (0 to 100): share of outgoing packets delayed by
    /// [`ConfigValue::FakePacketReorderTime`], which reorders them (default 0).
    FakePacketReorderSend(f32) = FakePacketReorder_Send, global, Percent;
    /// Global value, percent (0 to 100): share of incoming packets delayed by
    /// [`ConfigValue::FakePacketReorderTime`] (default 0).
    FakePacketReorderRecv(f32) = FakePacketReorder_Recv, global, Percent;
    /// Global value: extra delay of reordered packets (millisecond resolution; default 15 ms).
    FakePacketReorderTime(Duration) = FakePacketReorder_Time, global, Millis;
    /// Global value, percent (0 to 100): share of outgoing packets duplicated (default 0).
    FakePacketDupSend(f32) = FakePacketDup_Send, global, Percent;
    /// Global value, percent (0 to 100): share of incoming packets duplicated (default 0).
    FakePacketDupRecv(f32) = FakePacketDup_Recv, global, Percent;
    /// Global value: largest delay of a duplicated packet, chosen at random up to it
    /// (millisecond resolution; default 10 ms).
    FakePacketDupTimeMax(Duration) = FakePacketDup_TimeMax, global, Millis;
    /// Global value, bytes: trace every UDP packet, like a packet sniffer, dumping at most this
    /// many bytes of each (`Some(0)`: headers only). `None` (the default) disables tracing.
    PacketTraceMaxBytes(Option<u32>) = PacketTraceMaxBytes, global, TraceBytes;
    /// Global value, bytes per second: steady rate of a simulated token-bucket limit on
    /// outgoing UDP; 0 (the default) disables the limiter.
    FakeRateLimitSendRate(u32) = FakeRateLimit_Send_Rate, global, Count;
    /// Global value, bytes: burst size of the outgoing limiter (default 16 KiB; 0 disables
    /// bursts, which is unrealistic: use at least 4 KiB).
    FakeRateLimitSendBurst(u32) = FakeRateLimit_Send_Burst, global, Count;
    /// Global value, bytes per second: steady rate of a simulated limit on incoming UDP; 0
    /// (the default) disables the limiter.
    FakeRateLimitRecvRate(u32) = FakeRateLimit_Recv_Rate, global, Count;
    /// Global value, bytes: burst size of the incoming limiter (default 16 KiB).
    FakeRateLimitRecvBurst(u32) = FakeRateLimit_Recv_Burst, global, Count;
    /// Global value: how long a packet that arrived after a small sequence gap waits for the
    /// missing one before it is processed anyway; zero disables out-of-order correction at the
    /// packet layer (microsecond resolution; default 1 ms).
    OutOfOrderCorrectionWindow(Duration) = OutOfOrderCorrectionWindowMicroseconds, global, Micros;
    /// Global value: after this many failed first pings to a relay port, try another port.
    /// Some routers drop the first packet, so 1 is disruptive (`steam` backend only).
    SdrClientConsecutivePingTimeoutsFailInitial(u32) =
        SDRClient_ConsecutitivePingTimeoutsFailInitial, global, Count;
    /// Global value: after this many consecutive failed pings to a relay port that worked
    /// before, try another port (`steam` backend only).
    SdrClientConsecutivePingTimeoutsFail(u32) =
        SDRClient_ConsecutitivePingTimeoutsFail, global, Count;
    /// Global value: pings to send to each relay cluster before its ping estimate is trusted
    /// (`steam` backend only).
    SdrClientMinPingsBeforePingAccurate(u32) = SDRClient_MinPingsBeforePingAccurate, global, Count;
    /// Global value: send all relay traffic from one local UDP port instead of one per relay;
    /// try toggling it when relays fail behind a broken NAT (`steam` backend only).
    SdrClientSingleSocket(bool) = SDRClient_SingleSocket, global, Flag;
    /// Global value: only use relays in this cluster (e.g. `"iad"`); empty for any (`steam`
    /// backend only).
    SdrClientForceRelayCluster(String) = SDRClient_ForceRelayCluster, global, Text;
    /// Global value, for debugging: comma-separated relay addresses to use instead of the
    /// configured ones (`steam` backend only).
    SdrClientForceProxyAddr(String) = SDRClient_ForceProxyAddr, global, Text;
    /// Global value, for debugging: fixed pings to clusters, as `cluster=ms` pairs separated
    /// by commas (e.g. `"sto=32,iad=100"`). A development setting (`steam` backend only).
    SdrClientFakeClusterPing(String) = SDRClient_FakeClusterPing, global, Text;
    /// Global value: only probe the nearest this many relay points of presence (`steam`
    /// backend only).
    SdrClientLimitPingProbesToNearestN(u32) = SDRClient_LimitPingProbesToNearestN, global, Count;
    /// Global value: log level of relay pings (`steam` backend only).
    LogLevelSdrRelayPings(DebugOutputLevel) = LogLevel_SDRRelayPings, global, DebugOutputLevel;
    /// Global value, experimental: the ECN codepoint (0 to 2) sent in every packet; `None`
    /// (the default) lets the library decide. Valve may remove it at any time (`steam`
    /// backend only).
    Ecn(Option<u8>) = ECN, global, EcnCodepoint;
    /// Global value, experimental: send and request different TOS values in relay probes, to
    /// detect networks that rewrite the field (`steam` backend only).
    SdrClientEnableTosProbes(bool) = SDRClient_EnableTOSProbes, global, Flag;
}

/// Where a value returned by a getter comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigSource {
    /// It was set on the object queried (by a creation option or a setter).
    Explicit,
    /// It was not set on the object: it is the value of the wider scope (the listen socket a
    /// connection was accepted on, or global scope).
    Inherited,
}

/// [`ConfigValue::Unencrypted`]: whether traffic may be unencrypted.
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

/// [`ConfigValue::DualWifi`]: dual wifi band support.
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

/// [`ConfigValue::P2PTransportIceEnable`]: which ICE candidates a P2P connection shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IceCandidatePolicy {
    /// The platform's (the Steam user's) setting. GameNetworkingSockets has no such setting:
    /// there, setting it gives [`Error::InvalidArgument`] (the library would silently disable
    /// ICE instead).
    PlatformDefault,
    /// Exactly these kinds ([`IceCandidates::empty`] disables ICE; GameNetworkingSockets
    /// defaults to [`IceCandidates::ALL`]).
    Share(IceCandidates),
}

/// [`ConfigValue::P2PTransportIceImplementation`]: which ICE client P2P connections use.
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

// ---------------------------------------------------------------------------------------------
// Setters and getters.
// ---------------------------------------------------------------------------------------------

impl Sockets {
    /// Sets a value at global scope: a global value, or the process-wide default of a
    /// connection value (for listen sockets and connections created afterwards, and existing
    /// ones that have not set it). It affects every interface in the process (on Steam, both
    /// the client's and the game server's).
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// use std::time::Duration;
    /// use steam_sockets::{ConfigKey, ConfigValue, Sockets};
    ///
    /// let sockets = Sockets::init_gns()?;
    /// sockets.set_global_config(&ConfigValue::FakePacketLagSend(Duration::from_millis(50)))?;
    /// assert_eq!(
    ///     sockets.global_config(ConfigKey::FakePacketLagSend)?,
    ///     ConfigValue::FakePacketLagSend(Duration::from_millis(50)),
    /// );
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an out-of-range or read-only value;
    /// [`Error::InteriorNul`] for a string containing NUL; [`Error::Unsupported`] if this
    /// backend does not have the value; [`Error::Failed`] if the library refuses it otherwise.
    /// Nothing is changed on error.
    pub fn set_global_config(&self, value: &ConfigValue) -> Result<()> {
        set_config(self.api(), Scope::Global, value)
    }

    /// The value of `key` at global scope (for a connection value: the default that listen
    /// sockets and connections inherit).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if this backend does not have the value;
    /// [`Error::UnexpectedConfigValue`] if the library returns something this crate cannot
    /// represent.
    pub fn global_config(&self, key: ConfigKey) -> Result<ConfigValue> {
        get_config(self.api(), Scope::Global, key).map(|(value, _)| value)
    }

    /// Restores the library's default for `key` at global scope.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a read-only value; [`Error::Unsupported`] if this
    /// backend does not have the value; [`Error::Failed`] if the library refuses.
    pub fn reset_global_config(&self, key: ConfigKey) -> Result<()> {
        reset_config(self.api(), Scope::Global, key)
    }
}

impl ListenSocket {
    /// Sets a connection value on this listen socket: the connections accepted on it inherit
    /// it (those already accepted too), unless they set their own.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a global value (use [`Sockets::set_global_config`]), or
    /// an out-of-range or read-only value; [`Error::InteriorNul`] for a string containing NUL;
    /// [`Error::Unsupported`] if this backend does not have the value;
    /// [`Error::InvalidHandle`] if the library no longer knows the socket; [`Error::Failed`] if
    /// it refuses the value otherwise. Nothing is changed on error.
    pub fn set_config(&self, value: &ConfigValue) -> Result<()> {
        set_config(self.api, Scope::ListenSocket(self.handle), value)
    }

    /// The effective value of `key` on this listen socket: set on it, or else inherited from
    /// global scope.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a global value (use [`Sockets::global_config`]);
    /// [`Error::Unsupported`] if this backend does not have the value;
    /// [`Error::InvalidHandle`] if the library no longer knows the socket;
    /// [`Error::UnexpectedConfigValue`] if the library returns something this crate cannot
    /// represent.
    pub fn config(&self, key: ConfigKey) -> Result<ConfigValue> {
        self.config_with_source(key).map(|(value, _)| value)
    }

    /// Like [`config`](ListenSocket::config), also saying whether the value was set on this
    /// socket or inherited.
    ///
    /// # Errors
    /// As for [`config`](ListenSocket::config).
    pub fn config_with_source(&self, key: ConfigKey) -> Result<(ConfigValue, ConfigSource)> {
        get_config(self.api, Scope::ListenSocket(self.handle), key)
    }

    /// Removes this socket's own setting of `key`, so that it inherits the global value again.
    ///
    /// # Errors
    /// As for [`set_config`](ListenSocket::set_config).
    pub fn reset_config(&self, key: ConfigKey) -> Result<()> {
        reset_config(self.api, Scope::ListenSocket(self.handle), key)
    }
}

impl Connection {
    /// Sets a connection value on this connection. Most values take effect at once; set the
    /// ones that matter while connecting (timeouts, symmetric mode, P2P settings) as creation
    /// options instead, because packets can arrive before this call.
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// use steam_sockets::{ConfigValue, Sockets};
    ///
    /// let sockets = Sockets::init_gns()?;
    /// let conn = sockets.connect_ip("127.0.0.1:27015", &[])?;
    /// conn.set_config(&ConfigValue::SendRateMax(4 << 20))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a global value (use [`Sockets::set_global_config`]), or
    /// an out-of-range or read-only value; [`Error::InteriorNul`] for a string containing NUL;
    /// [`Error::Unsupported`] if this backend does not have the value;
    /// [`Error::InvalidHandle`] if the library has destroyed the connection;
    /// [`Error::Failed`] if it refuses the value otherwise (some values are locked once a
    /// connection uses them). Nothing is changed on error.
    pub fn set_config(&self, value: &ConfigValue) -> Result<()> {
        set_config(self.api, Scope::Connection(self.handle), value)
    }

    /// The effective value of `key` on this connection: set on it, or else inherited from the
    /// listen socket it was accepted on, or from global scope.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a global value (use [`Sockets::global_config`]);
    /// [`Error::Unsupported`] if this backend does not have the value;
    /// [`Error::InvalidHandle`] if the library has destroyed the connection;
    /// [`Error::UnexpectedConfigValue`] if the library returns something this crate cannot
    /// represent.
    pub fn config(&self, key: ConfigKey) -> Result<ConfigValue> {
        self.config_with_source(key).map(|(value, _)| value)
    }

    /// Like [`config`](Connection::config), also saying whether the value was set on this
    /// connection or inherited.
    ///
    /// # Errors
    /// As for [`config`](Connection::config).
    pub fn config_with_source(&self, key: ConfigKey) -> Result<(ConfigValue, ConfigSource)> {
        get_config(self.api, Scope::Connection(self.handle), key)
    }

    /// Removes this connection's own setting of `key`, so that it inherits again.
    ///
    /// # Errors
    /// As for [`set_config`](Connection::set_config); [`Error::InvalidArgument`] for
    /// [`ConfigKey::ConnectionUserData`], which a connection keeps once it has one.
    pub fn reset_config(&self, key: ConfigKey) -> Result<()> {
        reset_config(self.api, Scope::Connection(self.handle), key)
    }
}

/// The object a value is set on or read from (`ESteamNetworkingConfigScope` and its object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Global,
    ListenSocket(sys::HSteamListenSocket),
    Connection(sys::HSteamNetConnection),
}

impl Scope {
    fn to_sys(self) -> (sys::ESteamNetworkingConfigScope, isize) {
        use sys::ESteamNetworkingConfigScope as S;
        // The library takes the handle as `intptr_t` and converts it back to the 32-bit handle
        // type, so keeping the bit pattern is what it expects.
        match self {
            Scope::Global => (S::Global, 0),
            Scope::ListenSocket(handle) => (S::ListenSocket, handle as isize),
            Scope::Connection(handle) => (S::Connection, handle as isize),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Scope::Global => "at global scope",
            Scope::ListenSocket(_) => "on a listen socket",
            Scope::Connection(_) => "on a connection",
        }
    }
}

/// Refuses, before calling the library, what it would refuse without saying why.
fn check_settable(key: ConfigKey, scope: Scope) -> Result<()> {
    check_writable(key)?;
    check_scope(key, scope)
}

fn check_writable(key: ConfigKey) -> Result<()> {
    if key == ConfigKey::MtuDataSize {
        return Err(Error::InvalidArgument(format!(
            "{key:?} is read-only: set MtuPacketSize instead"
        )));
    }
    Ok(())
}

fn check_scope(key: ConfigKey, scope: Scope) -> Result<()> {
    if key.is_global_only() && scope != Scope::Global {
        return Err(wrong_scope(key, scope));
    }
    Ok(())
}

fn wrong_scope(key: ConfigKey, scope: Scope) -> Error {
    Error::InvalidArgument(format!(
        "{key:?} is a global value: it cannot be used {}; use Sockets::set_global_config or \
         Sockets::global_config",
        scope.describe()
    ))
}

fn set_config(api: Api, scope: Scope, value: &ConfigValue) -> Result<()> {
    let key = value.key();
    check_settable(key, scope)?;
    let raw = value.to_raw_value()?;
    let (scope_type, scope_object) = scope.to_sys();
    // SAFETY: the interface is live (libraries are never shut down by this crate). `raw`
    // outlives the call, and `as_arg` points to data of the type passed with it: a C string
    // for strings, the number itself otherwise, as `SetConfigValue` expects. The library
    // copies the value (strings into its own storage) before returning.
    let ok = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_SetConfigValue(
            api.utils(),
            key.to_sys(),
            scope_type,
            scope_object,
            raw.data_type().to_sys(),
            raw.as_arg(),
        )
    };
    if ok { Ok(()) } else { Err(refusal(api, scope, key, "SetConfigValue")) }
}

fn reset_config(api: Api, scope: Scope, key: ConfigKey) -> Result<()> {
    check_settable(key, scope)?;
    if key == ConfigKey::ConnectionUserData && matches!(scope, Scope::Connection(_)) {
        // Not only refused: GNS handles this value on connections separately and reads the
        // null argument, which crashes the process.
        return Err(Error::InvalidArgument(format!(
            "{key:?} cannot be reset on a connection: set another value instead"
        )));
    }
    let (scope_type, scope_object) = scope.to_sys();
    // SAFETY: live interface; a null argument is documented to remove the setting at this
    // scope (or, at global scope, to restore the default). The one case GNS mishandles
    // (ConnectionUserData on a connection) was refused above.
    let ok = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_SetConfigValue(
            api.utils(),
            key.to_sys(),
            scope_type,
            scope_object,
            key.data_type().to_sys(),
            std::ptr::null(),
        )
    };
    if ok { Ok(()) } else { Err(refusal(api, scope, key, "SetConfigValue")) }
}

fn get_config(api: Api, scope: Scope, key: ConfigKey) -> Result<(ConfigValue, ConfigSource)> {
    check_scope(key, scope)?;
    let (raw, source) = match key.data_type() {
        DataType::String => get_string(api, scope, key)?,
        fixed => get_fixed(api, scope, key, fixed)?,
    };
    Ok((ConfigValue::from_raw_value(key, raw)?, source))
}

/// Reads an int32, int64 or float value.
fn get_fixed(
    api: Api,
    scope: Scope,
    key: ConfigKey,
    expected: DataType,
) -> Result<(RawValue, ConfigSource)> {
    let (scope_type, scope_object) = scope.to_sys();
    // The union is 8-byte aligned and 8 bytes long: room for any fixed-size value, aligned as
    // the library's typed store into it needs.
    let mut out = sys::SteamNetworkingConfigValue_t_Value { m_int64: 0 };
    let mut size = expected.fixed_size();
    // Preset to the expected type: GNS does not write it for MTU_DataSize (computed, int32).
    let mut data_type = expected.to_sys();
    // SAFETY: live interface; `out` is writable for `size` bytes (at most 8) and suitably
    // aligned; `data_type` and `size` are writable.
    let result = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_GetConfigValue(
            api.utils(),
            key.to_sys(),
            scope_type,
            scope_object,
            &mut data_type,
            (&raw mut out).cast::<c_void>(),
            &mut size,
        )
    };
    let source = get_result(api, scope, key, result)?;
    if data_type != expected.to_sys() || size != expected.fixed_size() {
        return Err(Error::UnexpectedConfigValue {
            key,
            detail: format!(
                "expected {expected:?} ({} bytes), the library returned {data_type} ({size} \
                 bytes)",
                expected.fixed_size()
            ),
        });
    }
    let raw = match expected {
        // SAFETY: the whole union was initialised (as int64), and the library stored an int32
        // at its start (type and size checked above).
        DataType::Int32 => RawValue::Int32(unsafe { out.m_int32 }),
        // SAFETY: as above, an int64.
        DataType::Int64 => RawValue::Int64(unsafe { out.m_int64 }),
        // SAFETY: as above, a float.
        DataType::Float => RawValue::Float(unsafe { out.m_float }),
        // `get_config` reads strings with `get_string`; never guess at the union here.
        DataType::String => {
            let detail = "a string read as a number".to_owned();
            return Err(Error::UnexpectedConfigValue { key, detail });
        }
    };
    Ok((raw, source))
}

/// Reads a string value, growing the buffer to the size the library asks for.
fn get_string(api: Api, scope: Scope, key: ConfigKey) -> Result<(RawValue, ConfigSource)> {
    /// Room for typical values (server lists, cluster codes) in one call.
    const INITIAL_CAPACITY: usize = 256;
    /// Another thread may lengthen the value between calls; give up rather than loop forever.
    const ATTEMPTS: usize = 8;

    let (scope_type, scope_object) = scope.to_sys();
    let mut buf = vec![0u8; INITIAL_CAPACITY];
    for _ in 0..ATTEMPTS {
        let mut size = buf.len();
        let mut data_type = sys::ESteamNetworkingConfigDataType::String;
        // SAFETY: live interface; `buf` is writable for `size` bytes; `data_type` and `size`
        // are writable.
        let result = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetConfigValue(
                api.utils(),
                key.to_sys(),
                scope_type,
                scope_object,
                &mut data_type,
                buf.as_mut_ptr().cast::<c_void>(),
                &mut size,
            )
        };
        if result == sys::ESteamNetworkingGetConfigValueResult::BufferTooSmall {
            if size <= buf.len() {
                return Err(Error::UnexpectedConfigValue {
                    key,
                    detail: format!(
                        "the library asked for a {size}-byte buffer after refusing {} bytes",
                        buf.len()
                    ),
                });
            }
            buf.resize(size, 0);
            continue;
        }
        let source = get_result(api, scope, key, result)?;
        if data_type != sys::ESteamNetworkingConfigDataType::String {
            return Err(Error::UnexpectedConfigValue {
                key,
                detail: format!("expected a string, the library returned {data_type}"),
            });
        }
        // `size` is what the library wrote, terminator included; never trust it past `buf`.
        let written = &buf[..size.min(buf.len())];
        let text = CStr::from_bytes_until_nul(written).map_err(|_| {
            Error::UnexpectedConfigValue { key, detail: "an unterminated string".into() }
        })?;
        return Ok((RawValue::String(text.to_owned()), source));
    }
    Err(Error::UnexpectedConfigValue {
        key,
        detail: format!("the value kept growing over {ATTEMPTS} reads"),
    })
}

/// Turns a `GetConfigValue` result into the value's source, or the matching error.
fn get_result(
    api: Api,
    scope: Scope,
    key: ConfigKey,
    result: sys::ESteamNetworkingGetConfigValueResult,
) -> Result<ConfigSource> {
    use sys::ESteamNetworkingGetConfigValueResult as R;
    match result {
        R::OK => Ok(ConfigSource::Explicit),
        R::OKInherited => Ok(ConfigSource::Inherited),
        R::BadValue => Err(unsupported(key)),
        // The library says this for a value of another scope and for a stale handle alike.
        R::BadScopeObj => match library_scope(api, key) {
            None => Err(unsupported(key)),
            Some(sys::ESteamNetworkingConfigScope::Global) if scope != Scope::Global => {
                Err(wrong_scope(key, scope))
            }
            Some(_) => Err(Error::InvalidHandle { function: "GetConfigValue" }),
        },
        other => Err(Error::UnexpectedConfigValue {
            key,
            detail: format!("GetConfigValue returned {other}"),
        }),
    }
}

/// Explains why `SetConfigValue` returned false, which it does for every kind of refusal.
fn refusal(api: Api, scope: Scope, key: ConfigKey, function: &'static str) -> Error {
    match library_scope(api, key) {
        None => unsupported(key),
        Some(sys::ESteamNetworkingConfigScope::Global) if scope != Scope::Global => {
            wrong_scope(key, scope)
        }
        Some(_) if object_is_gone(api, scope, key) => Error::InvalidHandle { function },
        // Known value, right scope, live object: the library refused the value itself (for
        // example one a connection has locked).
        Some(_) => Error::Failed { function },
    }
}

/// The scope the library registered `key` with, or `None` if it does not have the value.
fn library_scope(api: Api, key: ConfigKey) -> Option<sys::ESteamNetworkingConfigScope> {
    // MTU_DataSize is computed from MTU_PacketSize, and GNS does not register it on its own.
    let registered = if key == ConfigKey::MtuDataSize { ConfigKey::MtuPacketSize } else { key };
    let mut data_type = sys::ESteamNetworkingConfigDataType::default();
    let mut scope = sys::ESteamNetworkingConfigScope::default();
    // SAFETY: live interface; both outputs are writable. The returned name is a static string
    // we only compare with null.
    let name = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_GetConfigValueInfo(
            api.utils(),
            registered.to_sys(),
            &mut data_type,
            &mut scope,
        )
    };
    (!name.is_null()).then_some(scope)
}

/// Whether the library no longer knows the scope's object.
fn object_is_gone(api: Api, scope: Scope, key: ConfigKey) -> bool {
    let (scope_type, scope_object) = scope.to_sys();
    let mut size = 0usize;
    // SAFETY: live interface; a null result with size 0 only asks for the size, which the
    // library writes to `size`; the data type output may be null.
    let result = unsafe {
        sys::SteamAPI_ISteamNetworkingUtils_GetConfigValue(
            api.utils(),
            key.to_sys(),
            scope_type,
            scope_object,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut size,
        )
    };
    result == sys::ESteamNetworkingGetConfigValueResult::BadScopeObj
}

fn unsupported(key: ConfigKey) -> Error {
    Error::unsupported(key.to_sys().name().unwrap_or("this configuration value"))
}

// ---------------------------------------------------------------------------------------------
// Creation options.
// ---------------------------------------------------------------------------------------------

/// Converts options for a creation call.
///
/// Global values are refused here: the library would fail the whole creation with no reason.
pub(crate) fn to_raw_options(options: &[ConfigValue]) -> Result<RawOptions> {
    let mut raw = Vec::with_capacity(options.len());
    let mut strings = Vec::new();
    for option in options {
        let key = option.key();
        check_writable(key)?;
        // Creation options apply to the new listen socket or connection, never globally.
        if key.is_global_only() {
            return Err(Error::InvalidArgument(format!(
                "{key:?} is a global value: it cannot be a creation option; use \
                 Sockets::set_global_config"
            )));
        }
        let val = match option.to_raw_value()? {
            RawValue::Int32(v) => sys::SteamNetworkingConfigValue_t_Value { m_int32: v },
            RawValue::Int64(v) => sys::SteamNetworkingConfigValue_t_Value { m_int64: v },
            RawValue::Float(v) => sys::SteamNetworkingConfigValue_t_Value { m_float: v },
            RawValue::String(s) => {
                let ptr = s.as_ptr();
                // Moving the CString into the vector moves only its handle: `ptr` still points
                // to the same heap bytes, which live as long as `RawOptions`.
                strings.push(s);
                sys::SteamNetworkingConfigValue_t_Value { m_string: ptr }
            }
        };
        let data_type = key.data_type().to_sys();
        raw.push(sys::SteamNetworkingConfigValue_t {
            m_eValue: key.to_sys(),
            m_eDataType: data_type,
            m_val: val,
        });
    }
    Ok(RawOptions { raw, _strings: strings })
}

/// Options converted for a creation call. Owns everything the raw structs point to (strings),
/// so keep it alive until the call returns.
pub(crate) struct RawOptions {
    raw: Vec<sys::SteamNetworkingConfigValue_t>,
    /// The strings `raw` points into; only held, never touched, so the pointers stay valid.
    _strings: Vec<CString>,
}

impl RawOptions {
    /// These options and `option` (one this crate adds, such as a callback).
    pub(crate) fn with(mut self, option: sys::SteamNetworkingConfigValue_t) -> RawOptions {
        self.raw.push(option);
        self
    }

    /// Number of options, as the C API takes it.
    pub(crate) fn len(&self) -> std::ffi::c_int {
        // Saturating: no caller passes anywhere near i32::MAX options.
        std::ffi::c_int::try_from(self.raw.len()).unwrap_or(std::ffi::c_int::MAX)
    }

    /// Pointer to the first option (valid while `self` lives).
    pub(crate) fn as_ptr(&self) -> *const sys::SteamNetworkingConfigValue_t {
        self.raw.as_ptr()
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions between typed values and the library's representation.
// ---------------------------------------------------------------------------------------------

/// The library's data types that this crate uses (never `Ptr`: no function pointers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DataType {
    Int32,
    Int64,
    Float,
    String,
}

impl DataType {
    fn to_sys(self) -> sys::ESteamNetworkingConfigDataType {
        use sys::ESteamNetworkingConfigDataType as T;
        match self {
            DataType::Int32 => T::Int32,
            DataType::Int64 => T::Int64,
            DataType::Float => T::Float,
            DataType::String => T::String,
        }
    }

    /// Size of a fixed-size value; 0 for strings.
    fn fixed_size(self) -> usize {
        match self {
            DataType::Int32 => size_of::<i32>(),
            DataType::Int64 => size_of::<i64>(),
            DataType::Float => size_of::<f32>(),
            DataType::String => 0,
        }
    }
}

/// A value in the library's representation, owning its string.
#[derive(Debug, Clone, PartialEq)]
enum RawValue {
    Int32(i32),
    Int64(i64),
    Float(f32),
    String(CString),
}

impl RawValue {
    fn data_type(&self) -> DataType {
        match self {
            RawValue::Int32(_) => DataType::Int32,
            RawValue::Int64(_) => DataType::Int64,
            RawValue::Float(_) => DataType::Float,
            RawValue::String(_) => DataType::String,
        }
    }

    /// The `pArg` of `SetConfigValue`: the C string itself for strings, a pointer to the
    /// number otherwise. Valid while `self` lives.
    fn as_arg(&self) -> *const c_void {
        match self {
            RawValue::Int32(v) => std::ptr::from_ref(v).cast(),
            RawValue::Int64(v) => std::ptr::from_ref(v).cast(),
            RawValue::Float(v) => std::ptr::from_ref(v).cast(),
            RawValue::String(s) => s.as_ptr().cast(),
        }
    }

    fn int32(self) -> Result<i32, String> {
        match self {
            RawValue::Int32(v) => Ok(v),
            other => Err(format!("expected an int32, got {other:?}")),
        }
    }
}

/// How one Rust value type is represented in the library: its data type, range and unit.
trait Codec {
    type Value;
    const DATA_TYPE: DataType;
    /// Converts for the library; refuses what the library type cannot hold.
    fn encode(key: ConfigKey, value: &Self::Value) -> Result<RawValue>;
    /// Converts what the library returned; the error says what was wrong with it.
    fn decode(raw: RawValue) -> Result<Self::Value, String>;
}

fn invalid(key: ConfigKey, why: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("{key:?}: {why}"))
}

/// A time in whole milliseconds (int32), truncated.
enum Millis {}

impl Codec for Millis {
    type Value = Duration;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(key: ConfigKey, d: &Duration) -> Result<RawValue> {
        let ms = i32::try_from(d.as_millis());
        ms.map(RawValue::Int32).map_err(|_| invalid(key, format!("{d:?} exceeds i32 milliseconds")))
    }
    fn decode(raw: RawValue) -> Result<Duration, String> {
        let ms = raw.int32()?;
        u64::try_from(ms).map(Duration::from_millis).map_err(|_| format!("{ms} ms is negative"))
    }
}

/// A time in whole microseconds (int32), truncated.
enum Micros {}

impl Codec for Micros {
    type Value = Duration;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(key: ConfigKey, d: &Duration) -> Result<RawValue> {
        let us = i32::try_from(d.as_micros());
        us.map(RawValue::Int32).map_err(|_| invalid(key, format!("{d:?} exceeds i32 microseconds")))
    }
    fn decode(raw: RawValue) -> Result<Duration, String> {
        let us = raw.int32()?;
        u64::try_from(us).map(Duration::from_micros).map_err(|_| format!("{us} µs is negative"))
    }
}

/// A time in (fractional) milliseconds, as a float.
enum FloatMillis {}

impl Codec for FloatMillis {
    type Value = Duration;
    const DATA_TYPE: DataType = DataType::Float;
    fn encode(key: ConfigKey, d: &Duration) -> Result<RawValue> {
        // f64 keeps sub-microsecond precision for any duration an f32 can hold.
        let ms = (d.as_secs_f64() * 1000.0) as f32;
        if ms.is_finite() {
            Ok(RawValue::Float(ms))
        } else {
            Err(invalid(key, format!("{d:?} exceeds f32 milliseconds")))
        }
    }
    fn decode(raw: RawValue) -> Result<Duration, String> {
        let RawValue::Float(ms) = raw else { return Err(format!("expected a float, got {raw:?}")) };
        Duration::try_from_secs_f64(f64::from(ms) / 1000.0)
            .map_err(|_| format!("{ms} ms is not a duration"))
    }
}

/// A count or size: non-negative int32.
enum Count {}

impl Codec for Count {
    type Value = u32;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(key: ConfigKey, n: &u32) -> Result<RawValue> {
        let n = i32::try_from(*n).map_err(|_| invalid(key, format!("{n} exceeds i32::MAX")))?;
        Ok(RawValue::Int32(n))
    }
    fn decode(raw: RawValue) -> Result<u32, String> {
        let n = raw.int32()?;
        u32::try_from(n).map_err(|_| format!("{n} is negative"))
    }
}

/// A switch: int32 0 or 1.
enum Flag {}

impl Codec for Flag {
    type Value = bool;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(_: ConfigKey, on: &bool) -> Result<RawValue> {
        Ok(RawValue::Int32(i32::from(*on)))
    }
    fn decode(raw: RawValue) -> Result<bool, String> {
        match raw.int32()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(format!("{other} is not 0 or 1")),
        }
    }
}

/// `IP_AllowWithoutAuth` levels 0 to 2, as a bool: 0 refuses, 1 and 2 allow.
enum AuthLevel {}

impl Codec for AuthLevel {
    type Value = bool;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(_: ConfigKey, allow: &bool) -> Result<RawValue> {
        Ok(RawValue::Int32(i32::from(*allow)))
    }
    fn decode(raw: RawValue) -> Result<bool, String> {
        match raw.int32()? {
            0 => Ok(false),
            1 | 2 => Ok(true),
            other => Err(format!("{other} is not an authentication level (0 to 2)")),
        }
    }
}

/// A virtual port, or -1 for none.
enum VirtualPort {}

impl Codec for VirtualPort {
    type Value = i32;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(key: ConfigKey, port: &i32) -> Result<RawValue> {
        if *port >= -1 {
            Ok(RawValue::Int32(*port))
        } else {
            Err(invalid(key, format!("{port} is not a virtual port (-1 or more)")))
        }
    }
    fn decode(raw: RawValue) -> Result<i32, String> {
        let port = raw.int32()?;
        if port >= -1 { Ok(port) } else { Err(format!("{port} is not a virtual port")) }
    }
}

/// An int64, any value.
enum Int64 {}

impl Codec for Int64 {
    type Value = i64;
    const DATA_TYPE: DataType = DataType::Int64;
    fn encode(_: ConfigKey, v: &i64) -> Result<RawValue> {
        Ok(RawValue::Int64(*v))
    }
    fn decode(raw: RawValue) -> Result<i64, String> {
        match raw {
            RawValue::Int64(v) => Ok(v),
            other => Err(format!("expected an int64, got {other:?}")),
        }
    }
}

/// A percentage: float, 0 to 100.
enum Percent {}

impl Codec for Percent {
    type Value = f32;
    const DATA_TYPE: DataType = DataType::Float;
    fn encode(key: ConfigKey, p: &f32) -> Result<RawValue> {
        // `contains` is false for NaN.
        if (0.0..=100.0).contains(p) {
            Ok(RawValue::Float(*p))
        } else {
            Err(invalid(key, format!("{p} is not a percentage between 0 and 100")))
        }
    }
    fn decode(raw: RawValue) -> Result<f32, String> {
        match raw {
            RawValue::Float(p) if (0.0..=100.0).contains(&p) => Ok(p),
            other => Err(format!("expected a percentage, got {other:?}")),
        }
    }
}

/// A string without NUL bytes, which the library copies.
enum Text {}

impl Codec for Text {
    type Value = String;
    const DATA_TYPE: DataType = DataType::String;
    fn encode(key: ConfigKey, s: &String) -> Result<RawValue> {
        crate::ffi::c_string(key.name(), s).map(RawValue::String)
    }
    fn decode(raw: RawValue) -> Result<String, String> {
        match raw {
            RawValue::String(s) => s.into_string().map_err(|e| format!("not UTF-8: {e}")),
            other => Err(format!("expected a string, got {other:?}")),
        }
    }
}

/// A switch with an automatic setting: int32 -1 (`None`), 0 or 1.
enum Auto {}

impl Codec for Auto {
    type Value = Option<bool>;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(_: ConfigKey, v: &Option<bool>) -> Result<RawValue> {
        Ok(RawValue::Int32(v.map_or(-1, i32::from)))
    }
    fn decode(raw: RawValue) -> Result<Option<bool>, String> {
        match raw.int32()? {
            -1 => Ok(None),
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            other => Err(format!("{other} is not -1, 0 or 1")),
        }
    }
}

/// A byte count, or -1 (`None`) for off.
enum TraceBytes {}

impl Codec for TraceBytes {
    type Value = Option<u32>;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(key: ConfigKey, v: &Option<u32>) -> Result<RawValue> {
        match *v {
            None => Ok(RawValue::Int32(-1)),
            Some(n) => Count::encode(key, &n),
        }
    }
    fn decode(raw: RawValue) -> Result<Option<u32>, String> {
        match raw.int32()? {
            -1 => Ok(None),
            n => u32::try_from(n).map(Some).map_err(|_| format!("{n} is not -1 or a size")),
        }
    }
}

/// An ECN codepoint 0 to 2, or -1 (`None`) for automatic.
enum EcnCodepoint {}

impl Codec for EcnCodepoint {
    type Value = Option<u8>;
    const DATA_TYPE: DataType = DataType::Int32;
    fn encode(key: ConfigKey, v: &Option<u8>) -> Result<RawValue> {
        match *v {
            None => Ok(RawValue::Int32(-1)),
            Some(codepoint @ 0..=2) => Ok(RawValue::Int32(i32::from(codepoint))),
            Some(other) => Err(invalid(key, format!("{other} is not an ECN codepoint (0 to 2)"))),
        }
    }
    fn decode(raw: RawValue) -> Result<Option<u8>, String> {
        match raw.int32()? {
            -1 => Ok(None),
            n @ 0..=2 => u8::try_from(n).map(Some).map_err(|e| e.to_string()),
            other => Err(format!("{other} is not -1 or an ECN codepoint")),
        }
    }
}

/// Typed modes stored as an int32: each type lists its values, and a value the crate does not
/// know is reported rather than guessed.
trait IntMode: Sized {
    fn to_int(self) -> Result<i32, String>;
    fn from_int(raw: i32) -> Option<Self>;
}

macro_rules! mode_codecs {
    ($($mode:ty),* $(,)?) => {$(
        impl Codec for $mode {
            type Value = $mode;
            const DATA_TYPE: DataType = DataType::Int32;
            fn encode(key: ConfigKey, mode: &$mode) -> Result<RawValue> {
                mode.to_int().map(RawValue::Int32).map_err(|why| invalid(key, why))
            }
            fn decode(raw: RawValue) -> Result<$mode, String> {
                let raw = raw.int32()?;
                <$mode>::from_int(raw)
                    .ok_or_else(|| format!("{raw} is not a known {}", stringify!($mode)))
            }
        }
    )*};
}

mode_codecs!(
    UnencryptedPolicy,
    DualWifiMode,
    IceCandidatePolicy,
    IceImplementation,
    DebugOutputLevel
);

impl IntMode for UnencryptedPolicy {
    fn to_int(self) -> Result<i32, String> {
        Ok(match self {
            UnencryptedPolicy::Never => 0,
            UnencryptedPolicy::Allowed => 1,
            UnencryptedPolicy::Preferred => 2,
            UnencryptedPolicy::Required => 3,
        })
    }
    fn from_int(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => UnencryptedPolicy::Never,
            1 => UnencryptedPolicy::Allowed,
            2 => UnencryptedPolicy::Preferred,
            3 => UnencryptedPolicy::Required,
            _ => return None,
        })
    }
}

impl IntMode for DualWifiMode {
    fn to_int(self) -> Result<i32, String> {
        Ok(match self {
            DualWifiMode::Disabled => 0,
            DualWifiMode::Enabled => 1,
            DualWifiMode::Simulated => 2,
        })
    }
    fn from_int(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => DualWifiMode::Disabled,
            1 => DualWifiMode::Enabled,
            2 => DualWifiMode::Simulated,
            _ => return None,
        })
    }
}

impl IntMode for IceCandidatePolicy {
    fn to_int(self) -> Result<i32, String> {
        match self {
            IceCandidatePolicy::PlatformDefault if cfg!(feature = "gns") => {
                Err("GameNetworkingSockets has no platform default and would disable ICE; \
                 name the candidate kinds"
                    .into())
            }
            IceCandidatePolicy::PlatformDefault => Ok(-1),
            // Every flag is non-negative, so the library reads it as a bitmask.
            IceCandidatePolicy::Share(kinds) => Ok(kinds.bits()),
        }
    }
    fn from_int(raw: i32) -> Option<Self> {
        match raw {
            -1 => Some(IceCandidatePolicy::PlatformDefault),
            // Unknown bits are kept: ALL includes kinds this crate does not name.
            0.. => Some(IceCandidatePolicy::Share(IceCandidates::from_bits_retain(raw))),
            _ => None,
        }
    }
}

impl IntMode for IceImplementation {
    fn to_int(self) -> Result<i32, String> {
        Ok(match self {
            IceImplementation::Default => 0,
            IceImplementation::Native => 1,
            IceImplementation::WebRtc => 2,
        })
    }
    fn from_int(raw: i32) -> Option<Self> {
        Some(match raw {
            0 => IceImplementation::Default,
            1 => IceImplementation::Native,
            2 => IceImplementation::WebRtc,
            _ => return None,
        })
    }
}

impl IntMode for DebugOutputLevel {
    fn to_int(self) -> Result<i32, String> {
        Ok(self.to_raw().0)
    }
    fn from_int(raw: i32) -> Option<Self> {
        DebugOutputLevel::from_raw(sys::ESteamNetworkingSocketsDebugOutputType(raw))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// One value of every key, in range.
    fn sample(key: ConfigKey) -> ConfigValue {
        use ConfigKey as K;
        use ConfigValue as V;
        let ms = Duration::from_millis(1500);
        match key {
            K::TimeoutInitial => V::TimeoutInitial(ms),
            K::TimeoutConnected => V::TimeoutConnected(ms),
            K::SendBufferSize => V::SendBufferSize(65536),
            K::RecvBufferSize => V::RecvBufferSize(1 << 21),
            K::RecvBufferMessages => V::RecvBufferMessages(500),
            K::RecvMaxMessageSize => V::RecvMaxMessageSize(1 << 16),
            K::RecvMaxSegmentsPerPacket => V::RecvMaxSegmentsPerPacket(2),
            K::ConnectionUserData => V::ConnectionUserData(-7),
            K::SendRateMin => V::SendRateMin(1 << 20),
            K::SendRateMax => V::SendRateMax(1 << 21),
            K::NagleTime => V::NagleTime(Duration::from_micros(2500)),
            K::IpAllowWithoutAuth => V::IpAllowWithoutAuth(true),
            K::IpLocalHostAllowWithoutAuth => V::IpLocalHostAllowWithoutAuth(false),
            K::MtuPacketSize => V::MtuPacketSize(1200),
            K::MtuDataSize => V::MtuDataSize(1100),
            K::Unencrypted => V::Unencrypted(UnencryptedPolicy::Preferred),
            K::SymmetricConnect => V::SymmetricConnect(true),
            K::LocalVirtualPort => V::LocalVirtualPort(-1),
            K::DualWifi => V::DualWifi(DualWifiMode::Simulated),
            K::EnableDiagnosticsUi => V::EnableDiagnosticsUi(false),
            K::SendTimeSincePreviousPacket => V::SendTimeSincePreviousPacket(Some(false)),
            K::P2PStunServerList => V::P2PStunServerList("stun.example.org:3478".into()),
            K::P2PTransportIceEnable => V::P2PTransportIceEnable(IceCandidatePolicy::Share(
                IceCandidates::PRIVATE | IceCandidates::RELAY,
            )),
            K::P2PTransportIcePenalty => V::P2PTransportIcePenalty(ms),
            K::P2PTransportSdrPenalty => V::P2PTransportSdrPenalty(ms),
            K::P2PTurnServerList => V::P2PTurnServerList("turn.example.org".into()),
            K::P2PTurnUserList => V::P2PTurnUserList("user".into()),
            K::P2PTurnPassList => V::P2PTurnPassList("pass".into()),
            K::P2PTransportIceImplementation => {
                V::P2PTransportIceImplementation(IceImplementation::Native)
            }
            K::SdrClientDevTicket => V::SdrClientDevTicket("dGlja2V0".into()),
            K::LogLevelAckRtt => V::LogLevelAckRtt(DebugOutputLevel::Verbose),
            K::LogLevelPacketDecode => V::LogLevelPacketDecode(DebugOutputLevel::Error),
            K::LogLevelMessage => V::LogLevelMessage(DebugOutputLevel::Everything),
            K::LogLevelPacketGaps => V::LogLevelPacketGaps(DebugOutputLevel::Debug),
            K::LogLevelP2PRendezvous => V::LogLevelP2PRendezvous(DebugOutputLevel::Msg),
            K::FakePacketLossSend => V::FakePacketLossSend(12.5),
            K::FakePacketLossRecv => V::FakePacketLossRecv(100.0),
            K::FakePacketLagSend => V::FakePacketLagSend(ms),
            K::FakePacketLagRecv => V::FakePacketLagRecv(ms),
            K::FakePacketJitterSendAvg => V::FakePacketJitterSendAvg(Duration::from_micros(2500)),
            K::FakePacketJitterSendMax => V::FakePacketJitterSendMax(ms),
            K::FakePacketJitterSendPct => V::FakePacketJitterSendPct(50.0),
            K::FakePacketJitterRecvAvg => V::FakePacketJitterRecvAvg(ms),
            K::FakePacketJitterRecvMax => V::FakePacketJitterRecvMax(ms),
            K::FakePacketJitterRecvPct => V::FakePacketJitterRecvPct(0.0),
            K::FakePacketReorderSend => V::FakePacketReorderSend(1.0),
            K::FakePacketReorderRecv => V::FakePacketReorderRecv(2.0),
            K::FakePacketReorderTime => V::FakePacketReorderTime(ms),
            K::FakePacketDupSend => V::FakePacketDupSend(3.0),
            K::FakePacketDupRecv => V::FakePacketDupRecv(4.0),
            K::FakePacketDupTimeMax => V::FakePacketDupTimeMax(ms),
            K::PacketTraceMaxBytes => V::PacketTraceMaxBytes(Some(0)),
            K::FakeRateLimitSendRate => V::FakeRateLimitSendRate(1 << 20),
            K::FakeRateLimitSendBurst => V::FakeRateLimitSendBurst(1 << 14),
            K::FakeRateLimitRecvRate => V::FakeRateLimitRecvRate(1 << 20),
            K::FakeRateLimitRecvBurst => V::FakeRateLimitRecvBurst(1 << 14),
            K::OutOfOrderCorrectionWindow => V::OutOfOrderCorrectionWindow(ms),
            K::SdrClientConsecutivePingTimeoutsFailInitial => {
                V::SdrClientConsecutivePingTimeoutsFailInitial(3)
            }
            K::SdrClientConsecutivePingTimeoutsFail => V::SdrClientConsecutivePingTimeoutsFail(4),
            K::SdrClientMinPingsBeforePingAccurate => V::SdrClientMinPingsBeforePingAccurate(5),
            K::SdrClientSingleSocket => V::SdrClientSingleSocket(true),
            K::SdrClientForceRelayCluster => V::SdrClientForceRelayCluster("iad".into()),
            K::SdrClientForceProxyAddr => V::SdrClientForceProxyAddr("10.0.0.1:27015".into()),
            K::SdrClientFakeClusterPing => V::SdrClientFakeClusterPing("sto=32,iad=100".into()),
            K::SdrClientLimitPingProbesToNearestN => V::SdrClientLimitPingProbesToNearestN(8),
            K::LogLevelSdrRelayPings => V::LogLevelSdrRelayPings(DebugOutputLevel::Warning),
            K::Ecn => V::Ecn(Some(1)),
            K::SdrClientEnableTosProbes => V::SdrClientEnableTosProbes(false),
        }
    }

    #[test]
    fn config_every_key_converts_both_ways_with_its_data_type() {
        for &key in ConfigKey::ALL {
            let value = sample(key);
            assert_eq!(value.key(), key);
            let raw = value.to_raw_value().unwrap();
            assert_eq!(raw.data_type(), key.data_type(), "{key:?}");
            assert_eq!(ConfigValue::from_raw_value(key, raw).unwrap(), value, "{key:?}");
        }
    }

    #[test]
    fn config_keys_are_distinct_and_callbacks_are_not_representable() {
        let raw: HashSet<i32> = ConfigKey::ALL.iter().map(|k| k.raw()).collect();
        assert_eq!(raw.len(), ConfigKey::ALL.len(), "two keys share a library value");
        for callback in 201..=207 {
            assert!(!raw.contains(&callback), "callback value {callback} is representable");
        }
        assert!(!raw.contains(&Key::Invalid.0));
        // Every non-callback key of the sys crate has a typed variant.
        let sys_keys = (0..1000).map(Key).filter(|k| k.name().is_some());
        let uncovered: Vec<_> = sys_keys
            .filter(|k| *k != Key::Invalid && !(201..=207).contains(&k.0) && !raw.contains(&k.0))
            .collect();
        assert!(uncovered.is_empty(), "keys without a ConfigValue: {uncovered:?}");
    }

    #[test]
    fn config_values_carry_their_unit() {
        let raw = ConfigValue::TimeoutConnected(Duration::from_millis(1500)).to_raw_value();
        assert_eq!(raw.unwrap(), RawValue::Int32(1500));
        let raw = ConfigValue::NagleTime(Duration::from_millis(2)).to_raw_value();
        assert_eq!(raw.unwrap(), RawValue::Int32(2000), "Nagle time is in microseconds");
        let raw = ConfigValue::FakePacketJitterSendAvg(Duration::from_micros(1500)).to_raw_value();
        assert_eq!(raw.unwrap(), RawValue::Float(1.5), "jitter is in float milliseconds");
        let raw = ConfigValue::ConnectionUserData(-7).to_raw_value();
        assert_eq!(raw.unwrap(), RawValue::Int64(-7));
        let raw = ConfigValue::PacketTraceMaxBytes(None).to_raw_value();
        assert_eq!(raw.unwrap(), RawValue::Int32(-1));
        let raw = ConfigValue::Unencrypted(UnencryptedPolicy::Required).to_raw_value();
        assert_eq!(raw.unwrap(), RawValue::Int32(3));
        let raw = ConfigValue::LogLevelMessage(DebugOutputLevel::Verbose).to_raw_value();
        assert_eq!(raw.unwrap(), RawValue::Int32(6));
        let all = IceCandidatePolicy::Share(IceCandidates::ALL);
        let raw = ConfigValue::P2PTransportIceEnable(all).to_raw_value();
        assert_eq!(raw.unwrap(), RawValue::Int32(0x7fff_ffff));
    }

    #[test]
    fn config_out_of_range_values_are_refused() {
        let refused = [
            ConfigValue::SendBufferSize(u32::MAX),
            ConfigValue::FakePacketLossSend(101.0),
            ConfigValue::FakePacketLossSend(-0.5),
            ConfigValue::FakePacketLossSend(f32::NAN),
            ConfigValue::TimeoutInitial(Duration::from_secs(u64::MAX)),
            ConfigValue::NagleTime(Duration::from_secs(3600)),
            ConfigValue::LocalVirtualPort(-2),
            ConfigValue::Ecn(Some(3)),
            ConfigValue::PacketTraceMaxBytes(Some(u32::MAX)),
        ];
        for value in refused {
            let err = value.to_raw_value().unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{value:?}: {err:?}");
        }
    }

    #[test]
    fn config_strings_with_nul_are_refused() {
        let err = ConfigValue::P2PStunServerList("a\0b".into()).to_raw_value().unwrap_err();
        assert_eq!(err, Error::InteriorNul { what: "P2PStunServerList", position: 1 });
    }

    #[test]
    fn config_unknown_or_mistyped_library_values_are_typed_errors() {
        let cases = [
            (ConfigKey::Unencrypted, RawValue::Int32(4)),
            (ConfigKey::LogLevelMessage, RawValue::Int32(9)),
            (ConfigKey::SendBufferSize, RawValue::Int32(-1)),
            (ConfigKey::TimeoutInitial, RawValue::Int32(-1)),
            (ConfigKey::SymmetricConnect, RawValue::Int32(2)),
            (ConfigKey::P2PTransportIceEnable, RawValue::Int32(-2)),
            (ConfigKey::FakePacketLossSend, RawValue::Float(f32::INFINITY)),
            (ConfigKey::FakePacketJitterSendAvg, RawValue::Float(-1.0)),
            (ConfigKey::FakePacketJitterSendAvg, RawValue::Float(f32::MAX)),
            (ConfigKey::SendBufferSize, RawValue::Float(1.0)),
            (ConfigKey::ConnectionUserData, RawValue::Int32(1)),
            (ConfigKey::P2PStunServerList, RawValue::Int32(1)),
            (ConfigKey::P2PStunServerList, RawValue::String(CString::new(vec![0xff]).unwrap())),
        ];
        for (key, raw) in cases {
            let err = ConfigValue::from_raw_value(key, raw.clone()).unwrap_err();
            assert!(
                matches!(err, Error::UnexpectedConfigValue { key: k, .. } if k == key),
                "{key:?} {raw:?}: {err:?}"
            );
        }
        // Authentication levels 1 and 2 both allow.
        let allowed =
            ConfigValue::from_raw_value(ConfigKey::IpAllowWithoutAuth, RawValue::Int32(2));
        assert_eq!(allowed.unwrap(), ConfigValue::IpAllowWithoutAuth(true));
        // Unknown ICE candidate bits are kept.
        let ice = ConfigValue::from_raw_value(ConfigKey::P2PTransportIceEnable, RawValue::Int32(8));
        let expected = IceCandidatePolicy::Share(IceCandidates::from_bits_retain(8));
        assert_eq!(ice.unwrap(), ConfigValue::P2PTransportIceEnable(expected));
    }

    #[test]
    fn config_creation_options_own_their_strings() {
        let options = {
            let temporary = String::from("stun1.example.org,stun2.example.org");
            to_raw_options(&[
                ConfigValue::SendBufferSize(4096),
                ConfigValue::P2PStunServerList(temporary.clone()),
                ConfigValue::P2PTurnUserList(temporary),
            ])
            .unwrap()
        };
        // Churn the allocator so a dangling pointer would likely see other bytes.
        let churn: Vec<String> = (0..64).map(|i| format!("{i:0>64}")).collect();
        assert_eq!(options.len(), 3);
        // SAFETY: `as_ptr` points to `len` initialised structs while `options` lives.
        let raw = unsafe { std::slice::from_raw_parts(options.as_ptr(), 3) };
        for entry in &raw[1..] {
            assert_eq!(entry.m_eDataType, sys::ESteamNetworkingConfigDataType::String);
            // SAFETY: the data type says the string member is the one set.
            let ptr = unsafe { entry.m_val.m_string };
            // SAFETY: `options` owns the NUL-terminated string `ptr` points to.
            let text = unsafe { CStr::from_ptr(ptr) };
            assert_eq!(text.to_str().unwrap(), "stun1.example.org,stun2.example.org");
        }
        drop(churn);
    }

    #[test]
    fn config_creation_options_refuse_global_and_read_only_values() {
        for value in [ConfigValue::FakePacketLagSend(Duration::ZERO), ConfigValue::MtuDataSize(1)] {
            let err = to_raw_options(std::slice::from_ref(&value)).err().unwrap();
            assert!(matches!(err, Error::InvalidArgument(_)), "{value:?}: {err:?}");
        }
        let err = to_raw_options(&[ConfigValue::P2PTurnPassList("x\0".into())]).err().unwrap();
        assert!(matches!(err, Error::InteriorNul { position: 1, .. }), "{err:?}");
    }

    /// Checks this crate's table against the library's own registry: same data type, same
    /// scope, for every key the backend has.
    #[cfg(feature = "gns")]
    #[test]
    fn config_table_matches_the_library() {
        let api = crate::Sockets::init_gns().unwrap().api();
        let mut known = 0;
        for &key in ConfigKey::ALL {
            let mut data_type = sys::ESteamNetworkingConfigDataType::default();
            let mut scope = sys::ESteamNetworkingConfigScope::default();
            // SAFETY: live interface; both outputs are writable.
            let name = unsafe {
                sys::SteamAPI_ISteamNetworkingUtils_GetConfigValueInfo(
                    api.utils(),
                    key.to_sys(),
                    &mut data_type,
                    &mut scope,
                )
            };
            if name.is_null() {
                continue;
            }
            known += 1;
            assert_eq!(data_type, key.data_type().to_sys(), "{key:?}");
            let global = scope == sys::ESteamNetworkingConfigScope::Global;
            assert_eq!(global, key.is_global_only(), "{key:?}");
        }
        assert!(known > 40, "only {known} keys known to the library");
    }

    /// Every key reads at global scope as a typed value, or as unsupported on this backend.
    #[cfg(feature = "gns")]
    #[test]
    fn config_every_key_reads_at_global_scope() {
        let sockets = crate::Sockets::init_gns().unwrap();
        for &key in ConfigKey::ALL {
            match sockets.global_config(key) {
                Ok(value) => assert_eq!(value.key(), key),
                Err(Error::Unsupported { .. }) => {}
                Err(other) => panic!("{key:?}: {other:?}"),
            }
        }
        assert_eq!(
            sockets.global_config(ConfigKey::TimeoutInitial).unwrap(),
            ConfigValue::TimeoutInitial(Duration::from_secs(10)),
            "the documented default"
        );
    }
}
