//! C enumerations as integer newtypes.
//!
//! Each type is `#[repr(transparent)]` over the C enum's underlying integer, so it has the same
//! ABI as the enum and can hold any value the library returns, including ones added later.

/// Defines an integer newtype for a C enum, with named constants.
macro_rules! c_enum {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) {
            $( $(#[$cmeta:meta])* $cname:ident = $value:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$cmeta])* pub const $cname: Self = Self($value); )*

            /// The constant's name, or `None` for a value this crate does not know.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( v if v == $value => Some(stringify!($cname)), )*
                    _ => None,
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{} ({})", name, self.0),
                    None => write!(f, "unknown {} ({})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{}::{}", stringify!($name), name),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }
    };
}

c_enum! {
    /// `EResult`: Steam's general result code.
    EResult(i32) {
        /// Success.
        OK = 1,
        #[allow(missing_docs)] None = 0,
        #[allow(missing_docs)] Fail = 2,
        #[allow(missing_docs)] NoConnection = 3,
        #[allow(missing_docs)] NoConnectionRetry = 4,
        #[allow(missing_docs)] InvalidPassword = 5,
        #[allow(missing_docs)] LoggedInElsewhere = 6,
        #[allow(missing_docs)] InvalidProtocolVer = 7,
        #[allow(missing_docs)] InvalidParam = 8,
        #[allow(missing_docs)] FileNotFound = 9,
        #[allow(missing_docs)] Busy = 10,
        #[allow(missing_docs)] InvalidState = 11,
        #[allow(missing_docs)] InvalidName = 12,
        #[allow(missing_docs)] InvalidEmail = 13,
        #[allow(missing_docs)] DuplicateName = 14,
        #[allow(missing_docs)] AccessDenied = 15,
        #[allow(missing_docs)] Timeout = 16,
        #[allow(missing_docs)] Banned = 17,
        #[allow(missing_docs)] AccountNotFound = 18,
        #[allow(missing_docs)] InvalidSteamID = 19,
        #[allow(missing_docs)] ServiceUnavailable = 20,
        #[allow(missing_docs)] NotLoggedOn = 21,
        #[allow(missing_docs)] Pending = 22,
        #[allow(missing_docs)] EncryptionFailure = 23,
        #[allow(missing_docs)] InsufficientPrivilege = 24,
        #[allow(missing_docs)] LimitExceeded = 25,
        #[allow(missing_docs)] Revoked = 26,
        #[allow(missing_docs)] Expired = 27,
        #[allow(missing_docs)] AlreadyRedeemed = 28,
        #[allow(missing_docs)] DuplicateRequest = 29,
        #[allow(missing_docs)] AlreadyOwned = 30,
        #[allow(missing_docs)] IPNotFound = 31,
        #[allow(missing_docs)] PersistFailed = 32,
        #[allow(missing_docs)] LockingFailed = 33,
        #[allow(missing_docs)] LogonSessionReplaced = 34,
        #[allow(missing_docs)] ConnectFailed = 35,
        #[allow(missing_docs)] HandshakeFailed = 36,
        #[allow(missing_docs)] IOFailure = 37,
        #[allow(missing_docs)] RemoteDisconnect = 38,
        #[allow(missing_docs)] ShoppingCartNotFound = 39,
        #[allow(missing_docs)] Blocked = 40,
        #[allow(missing_docs)] Ignored = 41,
        #[allow(missing_docs)] NoMatch = 42,
        #[allow(missing_docs)] AccountDisabled = 43,
        #[allow(missing_docs)] ServiceReadOnly = 44,
        #[allow(missing_docs)] AccountNotFeatured = 45,
        #[allow(missing_docs)] AdministratorOK = 46,
        #[allow(missing_docs)] ContentVersion = 47,
        #[allow(missing_docs)] TryAnotherCM = 48,
        #[allow(missing_docs)] PasswordRequiredToKickSession = 49,
        #[allow(missing_docs)] AlreadyLoggedInElsewhere = 50,
        #[allow(missing_docs)] Suspended = 51,
        #[allow(missing_docs)] Cancelled = 52,
        #[allow(missing_docs)] DataCorruption = 53,
        #[allow(missing_docs)] DiskFull = 54,
        #[allow(missing_docs)] RemoteCallFailed = 55,
        #[allow(missing_docs)] PasswordUnset = 56,
        #[allow(missing_docs)] ExternalAccountUnlinked = 57,
        #[allow(missing_docs)] PSNTicketInvalid = 58,
        #[allow(missing_docs)] ExternalAccountAlreadyLinked = 59,
        #[allow(missing_docs)] RemoteFileConflict = 60,
        #[allow(missing_docs)] IllegalPassword = 61,
        #[allow(missing_docs)] SameAsPreviousValue = 62,
        #[allow(missing_docs)] AccountLogonDenied = 63,
        #[allow(missing_docs)] CannotUseOldPassword = 64,
        #[allow(missing_docs)] InvalidLoginAuthCode = 65,
        #[allow(missing_docs)] AccountLogonDeniedNoMail = 66,
        #[allow(missing_docs)] HardwareNotCapableOfIPT = 67,
        #[allow(missing_docs)] IPTInitError = 68,
        #[allow(missing_docs)] ParentalControlRestricted = 69,
        #[allow(missing_docs)] FacebookQueryError = 70,
        #[allow(missing_docs)] ExpiredLoginAuthCode = 71,
        #[allow(missing_docs)] IPLoginRestrictionFailed = 72,
        #[allow(missing_docs)] AccountLockedDown = 73,
        #[allow(missing_docs)] AccountLogonDeniedVerifiedEmailRequired = 74,
        #[allow(missing_docs)] NoMatchingURL = 75,
        #[allow(missing_docs)] BadResponse = 76,
        #[allow(missing_docs)] RequirePasswordReEntry = 77,
        #[allow(missing_docs)] ValueOutOfRange = 78,
        #[allow(missing_docs)] UnexpectedError = 79,
        #[allow(missing_docs)] Disabled = 80,
        #[allow(missing_docs)] InvalidCEGSubmission = 81,
        #[allow(missing_docs)] RestrictedDevice = 82,
        #[allow(missing_docs)] RegionLocked = 83,
        #[allow(missing_docs)] RateLimitExceeded = 84,
        #[allow(missing_docs)] AccountLoginDeniedNeedTwoFactor = 85,
        #[allow(missing_docs)] ItemDeleted = 86,
        #[allow(missing_docs)] AccountLoginDeniedThrottle = 87,
        #[allow(missing_docs)] TwoFactorCodeMismatch = 88,
        #[allow(missing_docs)] TwoFactorActivationCodeMismatch = 89,
        #[allow(missing_docs)] AccountAssociatedToMultiplePartners = 90,
        #[allow(missing_docs)] NotModified = 91,
        #[allow(missing_docs)] NoMobileDevice = 92,
        #[allow(missing_docs)] TimeNotSynced = 93,
        #[allow(missing_docs)] SmsCodeFailed = 94,
        #[allow(missing_docs)] AccountLimitExceeded = 95,
        #[allow(missing_docs)] AccountActivityLimitExceeded = 96,
        #[allow(missing_docs)] PhoneActivityLimitExceeded = 97,
        #[allow(missing_docs)] RefundToWallet = 98,
        #[allow(missing_docs)] EmailSendFailure = 99,
        #[allow(missing_docs)] NotSettled = 100,
        #[allow(missing_docs)] NeedCaptcha = 101,
        #[allow(missing_docs)] GSLTDenied = 102,
        #[allow(missing_docs)] GSOwnerDenied = 103,
        #[allow(missing_docs)] InvalidItemType = 104,
        #[allow(missing_docs)] IPBanned = 105,
        #[allow(missing_docs)] GSLTExpired = 106,
        #[allow(missing_docs)] InsufficientFunds = 107,
        #[allow(missing_docs)] TooManyPending = 108,
        #[allow(missing_docs)] NoSiteLicensesFound = 109,
        #[allow(missing_docs)] WGNetworkSendExceeded = 110,
        #[allow(missing_docs)] AccountNotFriends = 111,
        #[allow(missing_docs)] LimitedUserAccount = 112,
        #[allow(missing_docs)] CantRemoveItem = 113,
        #[allow(missing_docs)] AccountDeleted = 114,
        #[allow(missing_docs)] ExistingUserCancelledLicense = 115,
        #[allow(missing_docs)] CommunityCooldown = 116,
        #[allow(missing_docs)] NoLauncherSpecified = 117,
        #[allow(missing_docs)] MustAgreeToSSA = 118,
        #[allow(missing_docs)] LauncherMigrated = 119,
        #[allow(missing_docs)] SteamRealmMismatch = 120,
        #[allow(missing_docs)] InvalidSignature = 121,
        #[allow(missing_docs)] ParseFailure = 122,
        #[allow(missing_docs)] NoVerifiedPhone = 123,
        #[allow(missing_docs)] InsufficientBattery = 124,
        #[allow(missing_docs)] ChargerRequired = 125,
        #[allow(missing_docs)] CachedCredentialInvalid = 126,
        #[allow(missing_docs)] NotSupported = 128,
        #[allow(missing_docs)] FamilySizeLimitExceeded = 129,
        #[allow(missing_docs)] OfflineAppCacheInvalid = 130,
        #[allow(missing_docs)] TryLater = 131,
    }
}

c_enum! {
    /// `ESteamNetworkingConnectionState`: high-level state of a connection.
    ESteamNetworkingConnectionState(i32) {
        /// Dummy value; also returned for an invalid handle.
        None = 0,
        /// Connecting (outbound) or waiting to be accepted (inbound).
        Connecting = 1,
        /// Finding a route (P2P / relayed connections).
        FindingRoute = 2,
        /// Connected.
        Connected = 3,
        /// The remote host closed the connection.
        ClosedByPeer = 4,
        /// A problem was detected locally (timeout, network error, ...).
        ProblemDetectedLocally = 5,
        /// Internal: closing, waiting for the peer's acknowledgement.
        FinWait = -1,
        /// Internal: closed by the application, still flushing (linger).
        Linger = -2,
        /// Internal: dead.
        Dead = -3,
    }
}

c_enum! {
    /// `ESteamNetConnectionEnd`: why a connection ended. Application codes live in 1000..=2999.
    ESteamNetConnectionEnd(i32) {
        /// No reason given.
        Invalid = 0,
        /// First application code for a normal end.
        App_Min = 1000,
        /// Last application code for a normal end.
        App_Max = 1999,
        /// First application code for an exceptional end.
        AppException_Min = 2000,
        /// Last application code for an exceptional end.
        AppException_Max = 2999,
        /// First code for problems on the local host.
        Local_Min = 3000,
        /// Offline mode.
        Local_OfflineMode = 3001,
        /// Many relay connections failed.
        Local_ManyRelayConnectivity = 3002,
        /// The hosted server's primary relay is unreachable.
        Local_HostedServerPrimaryRelay = 3003,
        /// No network configuration.
        Local_NetworkConfig = 3004,
        /// Not authorised.
        Local_Rights = 3005,
        /// No public addresses for ICE.
        Local_P2P_ICE_NoPublicAddresses = 3006,
        /// Last local code.
        Local_Max = 3999,
        /// First code for problems on the remote host.
        Remote_Min = 4000,
        /// The remote host timed out.
        Remote_Timeout = 4001,
        /// Bad crypto.
        Remote_BadCrypt = 4002,
        /// Bad certificate.
        Remote_BadCert = 4003,
        /// Incompatible protocol version.
        Remote_BadProtocolVersion = 4006,
        /// Remote has no public addresses for ICE.
        Remote_P2P_ICE_NoPublicAddresses = 4007,
        /// Last remote code.
        Remote_Max = 4999,
        /// First miscellaneous code.
        Misc_Min = 5000,
        /// Generic failure.
        Misc_Generic = 5001,
        /// Internal error.
        Misc_InternalError = 5002,
        /// Timed out (connecting, or no data from the peer).
        Misc_Timeout = 5003,
        /// Trouble talking to Steam.
        Misc_SteamConnectivity = 5005,
        /// No relay sessions to the client.
        Misc_NoRelaySessionsToClient = 5006,
        /// P2P rendezvous failed.
        Misc_P2P_Rendezvous = 5008,
        /// NAT / firewall.
        Misc_P2P_NAT_Firewall = 5009,
        /// The peer sent a packet for a connection it does not know.
        Misc_PeerSentNoConnection = 5010,
        /// Last miscellaneous code.
        Misc_Max = 5999,
    }
}

c_enum! {
    /// `ESteamNetworkingAvailability`: status of a service (authentication, relay network, ...).
    ESteamNetworkingAvailability(i32) {
        /// A dependency is missing; the service cannot be tried.
        CannotTry = -102,
        /// Tried long enough and never succeeded.
        Failed = -101,
        /// Worked before, failing now.
        Previously = -100,
        /// Failed, retrying.
        Retrying = -10,
        /// Never tried.
        NeverTried = 1,
        /// Waiting for a dependency.
        Waiting = 2,
        /// Trying now.
        Attempting = 3,
        /// Available.
        Current = 100,
        /// Not applicable.
        Unknown = 0,
    }
}

c_enum! {
    /// `ESteamNetworkingIdentityType`.
    ESteamNetworkingIdentityType(i32) {
        /// Invalid / unset.
        Invalid = 0,
        /// 64-bit SteamID.
        SteamID = 16,
        /// Xbox pairwise id (string).
        XboxPairwiseID = 17,
        /// Sony PSN id (64-bit).
        SonyPSN = 18,
        /// IP address and port.
        IPAddress = 1,
        /// Application-defined string.
        GenericString = 2,
        /// Application-defined bytes.
        GenericBytes = 3,
        /// An identity type this library version does not understand.
        UnknownType = 4,
    }
}

c_enum! {
    /// `ESteamNetworkingFakeIPType`.
    ESteamNetworkingFakeIPType(i32) {
        /// Not an IP address at all.
        Invalid = 0,
        /// A real IP address.
        NotFake = 1,
        /// Globally unique FakeIP (managed by Steam).
        GlobalIPv4 = 2,
        /// Locally unique FakeIP (managed by this process).
        LocalIPv4 = 3,
    }
}

c_enum! {
    /// `ESteamNetworkingConfigScope`.
    ESteamNetworkingConfigScope(i32) {
        /// Process-wide defaults.
        Global = 1,
        /// One sockets interface (scope object: the interface pointer).
        SocketsInterface = 2,
        /// A listen socket (scope object: the handle).
        ListenSocket = 3,
        /// A connection (scope object: the handle).
        Connection = 4,
    }
}

c_enum! {
    /// `ESteamNetworkingConfigDataType`.
    ESteamNetworkingConfigDataType(i32) {
        /// `int32`.
        Int32 = 1,
        /// `int64`.
        Int64 = 2,
        /// `float`.
        Float = 3,
        /// `const char *`.
        String = 4,
        /// Function pointer.
        Ptr = 5,
    }
}

c_enum! {
    /// `ESteamNetworkingConfigValue`: the configuration keys.
    ESteamNetworkingConfigValue(i32) {
        #[allow(missing_docs)] Invalid = 0,
        #[allow(missing_docs)] TimeoutInitial = 24,
        #[allow(missing_docs)] TimeoutConnected = 25,
        #[allow(missing_docs)] SendBufferSize = 9,
        #[allow(missing_docs)] RecvBufferSize = 47,
        #[allow(missing_docs)] RecvBufferMessages = 48,
        #[allow(missing_docs)] RecvMaxMessageSize = 49,
        #[allow(missing_docs)] RecvMaxSegmentsPerPacket = 50,
        #[allow(missing_docs)] ConnectionUserData = 40,
        #[allow(missing_docs)] SendRateMin = 10,
        #[allow(missing_docs)] SendRateMax = 11,
        #[allow(missing_docs)] NagleTime = 12,
        #[allow(missing_docs)] IP_AllowWithoutAuth = 23,
        #[allow(missing_docs)] IPLocalHost_AllowWithoutAuth = 52,
        #[allow(missing_docs)] MTU_PacketSize = 32,
        #[allow(missing_docs)] MTU_DataSize = 33,
        #[allow(missing_docs)] Unencrypted = 34,
        #[allow(missing_docs)] SymmetricConnect = 37,
        #[allow(missing_docs)] LocalVirtualPort = 38,
        #[allow(missing_docs)] DualWifi_Enable = 39,
        #[allow(missing_docs)] EnableDiagnosticsUI = 46,
        #[allow(missing_docs)] SendTimeSincePreviousPacket = 59,
        #[allow(missing_docs)] FakePacketLoss_Send = 2,
        #[allow(missing_docs)] FakePacketLoss_Recv = 3,
        #[allow(missing_docs)] FakePacketLag_Send = 4,
        #[allow(missing_docs)] FakePacketLag_Recv = 5,
        #[allow(missing_docs)] FakePacketJitter_Send_Avg = 53,
        #[allow(missing_docs)] FakePacketJitter_Send_Max = 54,
        #[allow(missing_docs)] FakePacketJitter_Send_Pct = 55,
        #[allow(missing_docs)] FakePacketJitter_Recv_Avg = 56,
        #[allow(missing_docs)] FakePacketJitter_Recv_Max = 57,
        #[allow(missing_docs)] FakePacketJitter_Recv_Pct = 58,
        #[allow(missing_docs)] FakePacketReorder_Send = 6,
        #[allow(missing_docs)] FakePacketReorder_Recv = 7,
        #[allow(missing_docs)] FakePacketReorder_Time = 8,
        #[allow(missing_docs)] FakePacketDup_Send = 26,
        #[allow(missing_docs)] FakePacketDup_Recv = 27,
        #[allow(missing_docs)] FakePacketDup_TimeMax = 28,
        #[allow(missing_docs)] PacketTraceMaxBytes = 41,
        #[allow(missing_docs)] FakeRateLimit_Send_Rate = 42,
        #[allow(missing_docs)] FakeRateLimit_Send_Burst = 43,
        #[allow(missing_docs)] FakeRateLimit_Recv_Rate = 44,
        #[allow(missing_docs)] FakeRateLimit_Recv_Burst = 45,
        #[allow(missing_docs)] OutOfOrderCorrectionWindowMicroseconds = 51,
        #[allow(missing_docs)] Callback_ConnectionStatusChanged = 201,
        #[allow(missing_docs)] Callback_AuthStatusChanged = 202,
        #[allow(missing_docs)] Callback_RelayNetworkStatusChanged = 203,
        #[allow(missing_docs)] Callback_MessagesSessionRequest = 204,
        #[allow(missing_docs)] Callback_MessagesSessionFailed = 205,
        #[allow(missing_docs)] Callback_CreateConnectionSignaling = 206,
        #[allow(missing_docs)] Callback_FakeIPResult = 207,
        #[allow(missing_docs)] P2P_STUN_ServerList = 103,
        #[allow(missing_docs)] P2P_Transport_ICE_Enable = 104,
        #[allow(missing_docs)] P2P_Transport_ICE_Penalty = 105,
        #[allow(missing_docs)] P2P_Transport_SDR_Penalty = 106,
        #[allow(missing_docs)] P2P_TURN_ServerList = 107,
        #[allow(missing_docs)] P2P_TURN_UserList = 108,
        #[allow(missing_docs)] P2P_TURN_PassList = 109,
        #[allow(missing_docs)] P2P_Transport_ICE_Implementation = 110,
        #[allow(missing_docs)] SDRClient_ConsecutitivePingTimeoutsFailInitial = 19,
        #[allow(missing_docs)] SDRClient_ConsecutitivePingTimeoutsFail = 20,
        #[allow(missing_docs)] SDRClient_MinPingsBeforePingAccurate = 21,
        #[allow(missing_docs)] SDRClient_SingleSocket = 22,
        #[allow(missing_docs)] SDRClient_ForceRelayCluster = 29,
        #[allow(missing_docs)] SDRClient_DevTicket = 30,
        #[allow(missing_docs)] SDRClient_ForceProxyAddr = 31,
        #[allow(missing_docs)] SDRClient_FakeClusterPing = 36,
        #[allow(missing_docs)] SDRClient_LimitPingProbesToNearestN = 60,
        #[allow(missing_docs)] LogLevel_AckRTT = 13,
        #[allow(missing_docs)] LogLevel_PacketDecode = 14,
        #[allow(missing_docs)] LogLevel_Message = 15,
        #[allow(missing_docs)] LogLevel_PacketGaps = 16,
        #[allow(missing_docs)] LogLevel_P2PRendezvous = 17,
        #[allow(missing_docs)] LogLevel_SDRRelayPings = 18,
        #[allow(missing_docs)] ECN = 999,
        #[allow(missing_docs)] SDRClient_EnableTOSProbes = 998,
    }
}

c_enum! {
    /// `ESteamNetworkingGetConfigValueResult`.
    ESteamNetworkingGetConfigValueResult(i32) {
        /// No such configuration value.
        BadValue = -1,
        /// Bad scope object (connection handle, ...).
        BadScopeObj = -2,
        /// The output buffer is too small.
        BufferTooSmall = -3,
        /// The value was set at this scope.
        OK = 1,
        /// The value is inherited from a wider scope.
        OKInherited = 2,
    }
}

c_enum! {
    /// `ESteamNetworkingSocketsDebugOutputType`: detail level of debug output.
    ESteamNetworkingSocketsDebugOutputType(i32) {
        /// Nothing.
        None = 0,
        /// API misuse or internal error.
        Bug = 1,
        /// Run-time error.
        Error = 2,
        /// Important notification.
        Important = 3,
        /// Warning.
        Warning = 4,
        /// Recommended amount.
        Msg = 5,
        /// Quite a bit.
        Verbose = 6,
        /// Practically everything.
        Debug = 7,
        /// Wall of text.
        Everything = 8,
    }
}

c_enum! {
    /// `ESteamAPIInitResult`: result of `SteamAPI_InitFlat` / game-server init.
    ESteamAPIInitResult(i32) {
        /// Success.
        OK = 0,
        /// Some other failure.
        FailedGeneric = 1,
        /// Cannot connect to Steam; the client is probably not running.
        NoSteamClient = 2,
        /// The Steam client is out of date.
        VersionMismatch = 3,
    }
}

c_enum! {
    /// `EServerMode`: authentication mode of a Steam game server.
    EServerMode(i32) {
        /// Do not use.
        Invalid = 0,
        /// No authentication, not listed.
        NoAuthentication = 1,
        /// Authenticate users and list the server.
        Authentication = 2,
        /// Authenticate, list and VAC-protect.
        AuthenticationAndSecure = 3,
    }
}
