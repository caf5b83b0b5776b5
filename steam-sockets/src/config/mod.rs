//! Typed configuration values: the table of every value (its key, Rust type, scope and codec),
//! and the modes some of them take. Where they are set and read is `scope.rs`; creation
//! options are `options.rs`; the conversions to the library's representation are `codec.rs`.
//! The user-facing rules (scopes, inheritance, range checks) are documented on
//! [`ConfigValue`](crate::ConfigValue).

use std::time::Duration;

// The table names each value's C key, so that key, type, scope and codec can never disagree;
// the key enum is the only item of the C API named outside the raw layer, as a value.
use crate::raw::types::RawConfigKey;

pub(crate) mod codec;
pub(crate) mod modes;
pub(crate) mod options;
pub(crate) mod scope;

use codec::{
    AuthLevel, Auto, Codec, Count, DataType, EcnCodepoint, Flag, FloatMillis, Int64, Micros,
    Millis, Percent, RawValue, Refusal, Text, TraceBytes, VirtualPort,
};
use modes::{
    DebugOutputLevel, DualWifiMode, IceCandidatePolicy, IceImplementation, UnencryptedPolicy,
};

/// Defines [`ConfigValue`](crate::ConfigValue), [`ConfigKey`](crate::ConfigKey) and the tables
/// between them, from one list of `Variant(RustType) = SysKey, scope, Codec;` entries, so that a
/// key, its value type, its scope and its conversion can never disagree.
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
                self.to_raw().0
            }

            /// The library's key.
            pub(crate) const fn to_raw(self) -> RawConfigKey {
                match self {
                    $( ConfigKey::$name => RawConfigKey::$sys, )*
                }
            }

            pub(crate) fn data_type(self) -> DataType {
                match self {
                    $( ConfigKey::$name => <$codec as Codec>::DATA_TYPE, )*
                }
            }

            pub(crate) fn name(self) -> &'static str {
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
            pub(crate) fn to_raw_value(&self) -> Result<RawValue, Refusal> {
                match self {
                    $(
                        ConfigValue::$name(value) => {
                            <$codec as Codec>::encode(value)
                        }
                    )*
                }
            }

            /// Converts a value read from the library; the error says what was wrong with it.
            pub(crate) fn from_raw_value(
                key: ConfigKey,
                raw: RawValue,
            ) -> Result<ConfigValue, String> {
                match key {
                    $(
                        ConfigKey::$name => {
                            <$codec as Codec>::decode(raw).map(ConfigValue::$name)
                        }
                    )*
                }
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
    /// with [`Connection::set_config`](crate::Connection::set_config),
    /// [`ListenSocket::set_config`](crate::ListenSocket::set_config) or
    /// [`Sockets::set_global_config`](crate::Sockets::set_global_config). The getters take a
    /// [`ConfigKey`](crate::ConfigKey) and return this type. Each variant says whether it is a
    /// connection or a global value, its unit and its default.
    ///
    /// # Scopes and inheritance
    /// A *global* value (fake-network simulation, SDR client tuning, ECN) applies to the whole
    /// process: it can only be set and read with
    /// [`Sockets::set_global_config`](crate::Sockets::set_global_config) and
    /// [`Sockets::global_config`](crate::Sockets::global_config), and is refused
    /// ([`Error::WrongScope`](crate::Error::WrongScope)) as a creation option or on a socket or
    /// connection.
    ///
    /// A *connection* value can be set at three scopes, each inheriting from the wider one
    /// until it is set: global scope (the default for everything), a listen socket (the
    /// default for the connections it accepts), and a connection. Connections started with
    /// [`Sockets::connect_ip`](crate::Sockets::connect_ip) inherit from global scope. A change at a
    /// wider scope reaches the objects that inherit the value, even existing ones (except
    /// [`ConfigValue::ConnectionUserData`](crate::ConfigValue::ConnectionUserData)).
    ///
    /// Getters return the *effective* value: the one set on the object queried, or else the
    /// inherited one. [`Connection::config_with_source`](crate::Connection::config_with_source) and
    /// [`ListenSocket::config_with_source`](crate::ListenSocket::config_with_source) also say which
    /// ([`ConfigSource`](crate::ConfigSource)); the `reset_*` functions remove a setting so that
    /// the object inherits again.
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

    /// Which option a [`ConfigValue`](crate::ConfigValue) sets: what the getters take.
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
    /// sends fail with [`Error::SendBufferFull`](crate::Error::SendBufferFull) (default 512 KiB).
    SendBufferSize(u32) = SendBufferSize, connection, Count;
    /// Connection value, bytes: upper limit of received bytes not yet read by the application;
    /// beyond it packets are dropped. Must be larger than
    /// [`ConfigValue::RecvMaxMessageSize`](crate::ConfigValue::RecvMaxMessageSize).
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
    /// Set it equal to [`ConfigValue::SendRateMax`](crate::ConfigValue::SendRateMax) to fix the
    /// rate.
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
    /// Connection value: as
    /// [`ConfigValue::IpAllowWithoutAuth`](crate::ConfigValue::IpAllowWithoutAuth), for connections
    /// to or from localhost only; the more permissive of the two applies.
    IpLocalHostAllowWithoutAuth(bool) = IPLocalHost_AllowWithoutAuth, connection, AuthLevel;
    /// Connection value, bytes: largest UDP payload sent (default 1300). Also changes
    /// [`ConfigValue::MtuDataSize`](crate::ConfigValue::MtuDataSize).
    MtuPacketSize(u32) = MTU_PacketSize, connection, Count;
    /// Connection value, bytes, read-only: largest message that is sent without fragmenting,
    /// derived from [`ConfigValue::MtuPacketSize`](crate::ConfigValue::MtuPacketSize). Setting it
    /// gives [`Error::ReadOnly`](crate::Error::ReadOnly).
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
    /// [`Sockets::set_debug_output`](crate::Sockets::set_debug_output) forwards that level too.
    /// GameNetworkingSockets raises connection log levels below [`DebugOutputLevel::Error`] to it.
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
    /// [`ConfigValue::FakePacketReorderTime`](crate::ConfigValue::FakePacketReorderTime), which
    /// reorders them (default 0).
    FakePacketReorderSend(f32) = FakePacketReorder_Send, global, Percent;
    /// Global value, percent (0 to 100): share of incoming packets delayed by
    /// [`ConfigValue::FakePacketReorderTime`](crate::ConfigValue::FakePacketReorderTime) (default
    /// 0).
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use std::ffi::CString;

    use super::codec::{RawValue, Refusal};
    use super::modes::{
        DebugOutputLevel, DualWifiMode, IceCandidatePolicy, IceCandidates, IceImplementation,
        UnencryptedPolicy,
    };
    use super::options::creation_options;
    use super::*;
    use crate::error::Error;
    use crate::raw::types::RawConfigKey as Key;

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
            assert!(matches!(err, Refusal::OutOfRange(_)), "{value:?}: {err:?}");
            let err = super::options::encode(&value).unwrap_err();
            assert!(
                matches!(err, Error::OutOfRange { what, .. } if what == value.key().name()),
                "{value:?}: {err:?}"
            );
        }
    }

    #[test]
    fn config_strings_with_nul_are_refused() {
        let value = ConfigValue::P2PStunServerList("a\0b".into());
        assert_eq!(value.to_raw_value().unwrap_err(), Refusal::InteriorNul(1));
        let err = creation_options(&[value]).err().unwrap();
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
            let detail = ConfigValue::from_raw_value(key, raw.clone()).unwrap_err();
            assert!(!detail.is_empty(), "{key:?} {raw:?}");
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
    fn config_creation_options_refuse_global_and_read_only_values() {
        let global = ConfigValue::FakePacketLagSend(Duration::ZERO);
        let err = creation_options(std::slice::from_ref(&global)).err().unwrap();
        assert_eq!(
            err,
            Error::WrongScope { key: ConfigKey::FakePacketLagSend, used: "as a creation option" }
        );
        let err = creation_options(&[ConfigValue::MtuDataSize(1)]).err().unwrap();
        assert!(matches!(err, Error::ReadOnly { key: ConfigKey::MtuDataSize, .. }), "{err:?}");
        let err = creation_options(&[ConfigValue::P2PTurnPassList("x\0".into())]).err().unwrap();
        assert!(matches!(err, Error::InteriorNul { position: 1, .. }), "{err:?}");
    }

    /// Every key reads at global scope as a typed value, or as unsupported on this backend.
    #[cfg(feature = "gns")]
    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
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
