//! `ISteamNetworkingMessages`: connectionless messages to identities, on channels. (Finding
//! the interface is backend-specific: `sockets.rs` on GNS, `steam_only/` on Steam.)

use std::ffi::c_int;
use std::ptr::NonNull;

use steam_sockets_sys as sys;

use super::convert::{connection_info, identity_to_raw, realtime_status};
use super::message::{MessageSlot, receive_into};
use super::types::ResultCode;
use super::{c_call, try_call};
use crate::connection::info::{ConnectionInfo, RealtimeStatus};
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;

/// The messages interface of one `Sockets` (client, game server or GNS).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawMessages(NonNull<sys::ISteamNetworkingMessages>);

// SAFETY: the interface is thread-safe like the rest of the library's (every entry point takes
// the library's lock) and lives for the process (nothing here shuts a library down).
unsafe impl Send for RawMessages {}
// SAFETY: as for `Send`.
unsafe impl Sync for RawMessages {}

impl RawMessages {
    /// The interface behind an accessor's answer, or `None` for null.
    pub(crate) fn new(interface: *mut sys::ISteamNetworkingMessages) -> Option<RawMessages> {
        NonNull::new(interface).map(RawMessages)
    }

    fn ptr(self) -> *mut sys::ISteamNetworkingMessages {
        self.0.as_ptr()
    }

    /// `SendMessageToUser` (the library copies `data`). The caller checked the size.
    pub(crate) fn send(
        self,
        peer: &NetworkIdentity,
        data: &[u8],
        flags: i32,
        channel: c_int,
    ) -> Result<()> {
        let peer = identity_to_raw(peer)?;
        // SAFETY: live interface; `peer` and `data` are valid for the call; the size fits in
        // u32 (at most 512 KiB, checked by the caller).
        let (function, result) = c_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingMessages_SendMessageToUser(
                self.ptr(),
                &peer,
                data.as_ptr().cast(),
                data.len() as u32,
                flags,
                channel,
            )
        });
        match result {
            ResultCode::OK => Ok(()),
            // Here it means a bad identity or size, not a bad handle: there is none.
            ResultCode::LimitExceeded => Err(Error::SendBufferFull { function }),
            ResultCode::NoConnection | ResultCode::ConnectFailed => {
                Err(Error::NotConnected { function, result })
            }
            _ => Err(Error::Library { function, result }),
        }
    }

    /// Appends up to `max` messages received on `channel` to `buf`.
    pub(crate) fn receive<M: MessageSlot>(
        self,
        channel: c_int,
        buf: &mut Vec<M>,
        max: usize,
    ) -> Result<usize> {
        receive_into(buf, max, |out, max| {
            // SAFETY: live interface; `out` has room for `max` message pointers.
            c_call!(unsafe {
                sys::SteamAPI_ISteamNetworkingMessages_ReceiveMessagesOnChannel(
                    self.ptr(),
                    channel,
                    out,
                    max,
                )
            })
        })
    }

    pub(crate) fn accept_session(self, peer: &NetworkIdentity) -> Result<()> {
        let peer = identity_to_raw(peer)?;
        // SAFETY: live interface; `peer` is valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingMessages_AcceptSessionWithUser(self.ptr(), &peer)
        } else Failed)
    }

    pub(crate) fn close_session(self, peer: &NetworkIdentity) -> Result<()> {
        let peer = identity_to_raw(peer)?;
        // SAFETY: live interface; `peer` is valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingMessages_CloseSessionWithUser(self.ptr(), &peer)
        } else Failed)
    }

    pub(crate) fn close_channel(self, peer: &NetworkIdentity, channel: c_int) -> Result<()> {
        let peer = identity_to_raw(peer)?;
        // SAFETY: live interface; `peer` is valid for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingMessages_CloseChannelWithUser(self.ptr(), &peer, channel)
        } else Failed)
    }

    /// The session with `peer`: its connection info and status, or `None` when there is none.
    pub(crate) fn session_info(
        self,
        peer: &NetworkIdentity,
    ) -> Result<Option<(ConnectionInfo, RealtimeStatus)>> {
        let peer = identity_to_raw(peer)?;
        let mut info = std::mem::MaybeUninit::<sys::SteamNetConnectionInfo_t>::zeroed();
        let mut status = std::mem::MaybeUninit::<sys::SteamNetConnectionRealTimeStatus_t>::zeroed();
        // SAFETY: live interface; `peer` is valid and both outputs are writable structs.
        let state = unsafe {
            sys::SteamAPI_ISteamNetworkingMessages_GetSessionConnectionInfo(
                self.ptr(),
                &peer,
                info.as_mut_ptr(),
                status.as_mut_ptr(),
            )
        };
        if state == sys::ESteamNetworkingConnectionState::None {
            return Ok(None);
        }
        // SAFETY: zero-initialised plain data, filled by the library for a session it has.
        let info = connection_info(unsafe { info.assume_init_ref() });
        // SAFETY: as above.
        let status = realtime_status(unsafe { status.assume_init_ref() }, &[]);
        Ok(Some((info, status)))
    }
}
