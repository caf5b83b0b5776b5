//! The C calls on one connection.

use std::ffi::{CStr, c_char, c_int};

use steam_sockets_sys as sys;

use super::api::Api;
use super::convert::{connection_info, count, realtime_status};
use super::ffi::string_from_buf;
use super::message::{MessageSlot, receive_into};
use super::routes;
use super::types::{ConnectionHandle, PollGroupHandle, ResultCode};
use super::{c_call, try_call};
use crate::connection::info::{ConnectionInfo, RealtimeStatus};
use crate::error::{Error, Result};

/// A connection's handle with the interface it belongs to. Copying it copies the handle, not
/// the ownership: `Connection` owns it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawConnection {
    pub(crate) api: Api,
    pub(crate) handle: ConnectionHandle,
}

impl RawConnection {
    /// Appends up to `max` received messages to `buf`.
    #[inline]
    pub(crate) fn receive<M: MessageSlot>(self, buf: &mut Vec<M>, max: usize) -> Result<usize> {
        receive_into(buf, max, |out, max| {
            // SAFETY: live interface; `out` has room for `max` message pointers (see
            // `receive_into`).
            c_call!(unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ReceiveMessagesOnConnection(
                    self.api.sockets(),
                    self.handle,
                    out,
                    max,
                )
            })
        })
    }

    /// `SendMessageToConnection`: sends a copy of `data` on lane 0 and returns its message
    /// number. (The caller has checked the size against the message limits.)
    #[inline]
    pub(crate) fn send_message(self, data: &[u8], flags: i32) -> Result<i64> {
        let mut number = 0i64;
        // SAFETY: live interface; `data` is readable for its length, which fits in u32 (at most
        // 512 KiB, checked by the caller); `number` is writable.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SendMessageToConnection(
                self.api.sockets(),
                self.handle,
                data.as_ptr().cast(),
                data.len() as u32,
                flags,
                &mut number,
            )
        })?;
        Ok(number)
    }

    pub(crate) fn flush(self) -> Result<()> {
        // SAFETY: live interface; any handle value is accepted.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_FlushMessagesOnConnection(
                self.api.sockets(),
                self.handle,
            )
        })
    }

    pub(crate) fn info(self) -> Result<ConnectionInfo> {
        let mut raw = std::mem::MaybeUninit::<sys::SteamNetConnectionInfo_t>::zeroed();
        // SAFETY: live interface; `raw` is writable for one struct.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetConnectionInfo(
                self.api.sockets(),
                self.handle,
                raw.as_mut_ptr(),
            )
        } else InvalidHandle)?;
        // SAFETY: the struct is plain data, zero-initialised and then filled by the library.
        Ok(connection_info(unsafe { raw.assume_init_ref() }))
    }

    pub(crate) fn set_poll_group(self, group: PollGroupHandle) -> Result<()> {
        // SAFETY: live interface; any handle values are accepted.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SetConnectionPollGroup(
                self.api.sockets(),
                self.handle,
                group,
            )
        } else InvalidHandle)
    }

    /// `ConfigureConnectionLanes` with `priorities` and `weights` of one length (1..=255); its
    /// name and raw result, which the caller interprets (its codes do not tell a dead handle
    /// from bad lanes).
    pub(crate) fn configure_lanes(
        self,
        priorities: &[c_int],
        weights: &[u16],
    ) -> (&'static str, ResultCode) {
        debug_assert_eq!(priorities.len(), weights.len());
        let lanes = priorities.len().min(weights.len()) as c_int;
        // SAFETY: live interface; both arrays hold at least `lanes` elements.
        c_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_ConfigureConnectionLanes(
                self.api.sockets(),
                self.handle,
                lanes,
                priorities.as_ptr(),
                weights.as_ptr(),
            )
        })
    }

    pub(crate) fn set_name(self, name: &CStr) {
        // SAFETY: live interface; `name` is a valid C string for the call (the library copies).
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SetConnectionName(
                self.api.sockets(),
                self.handle,
                name.as_ptr(),
            )
        };
    }

    pub(crate) fn name(self) -> Result<String> {
        let mut buf: [c_char; 128] = [0; 128];
        // SAFETY: live interface; `buf` is writable for its length, which is passed.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetConnectionName(
                self.api.sockets(),
                self.handle,
                buf.as_mut_ptr(),
                buf.len() as c_int,
            )
        } else InvalidHandle)?;
        Ok(string_from_buf(&buf))
    }

    pub(crate) fn set_user_data(self, user_data: i64) -> Result<()> {
        // SAFETY: live interface; any handle value is accepted.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SetConnectionUserData(
                self.api.sockets(),
                self.handle,
                user_data,
            )
        } else InvalidHandle)
    }

    /// The user data, or -1, which is also the library's answer for a bad handle.
    pub(crate) fn user_data(self) -> i64 {
        // SAFETY: live interface; any handle value is accepted.
        unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetConnectionUserData(
                self.api.sockets(),
                self.handle,
            )
        }
    }

    /// Status, with the first `lane_count` lanes' (those the connection has) once it is
    /// connected. Before that the library may not have set its lanes up yet: asked for them,
    /// GameNetworkingSockets logs "Invalid lane count" (seen on P2P connections that never
    /// connected), so lanes are asked for only when the state says connected.
    pub(crate) fn realtime_status(self, lane_count: usize) -> Result<RealtimeStatus> {
        let mut lanes = Vec::with_capacity(lane_count);
        let raw = self.raw_realtime_status(&mut Vec::new(), 0)?;
        if lane_count == 0 || raw.m_eState != sys::ESteamNetworkingConnectionState::Connected {
            return Ok(realtime_status(&raw, &lanes));
        }
        let raw = self.raw_realtime_status(&mut lanes, lane_count)?;
        Ok(realtime_status(&raw, &lanes))
    }

    /// Bytes of reliable data the library holds for this connection (queued, or sent and not
    /// yet acknowledged). Allocates nothing.
    pub(crate) fn reliable_bytes_held(self) -> Result<usize> {
        let raw = self.raw_realtime_status(&mut Vec::new(), 0)?;
        Ok(count(raw.m_cbPendingReliable) + count(raw.m_cbSentUnackedReliable))
    }

    /// `GetConnectionRealTimeStatus`, with the status of the first `lane_count` lanes appended
    /// to `lanes` (which has room for them).
    fn raw_realtime_status(
        self,
        lanes: &mut Vec<sys::SteamNetConnectionRealTimeLaneStatus_t>,
        lane_count: usize,
    ) -> Result<sys::SteamNetConnectionRealTimeStatus_t> {
        debug_assert!(lanes.is_empty() && lanes.capacity() >= lane_count);
        let mut raw = std::mem::MaybeUninit::<sys::SteamNetConnectionRealTimeStatus_t>::zeroed();
        // SAFETY: live interface; `raw` is writable; `lanes` has room for `lane_count` lane
        // structs, the count passed (none are written when it is 0).
        let (function, result) = c_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetConnectionRealTimeStatus(
                self.api.sockets(),
                self.handle,
                raw.as_mut_ptr(),
                lane_count as c_int,
                lanes.as_mut_ptr(),
            )
        });
        // This function reports a bad handle as NoConnection, not InvalidParam.
        if result == ResultCode::NoConnection {
            return Err(Error::InvalidHandle { function });
        }
        crate::error::check(function, result)?;
        // SAFETY: on success the library filled all `lane_count` lane structs (plain data).
        unsafe { lanes.set_len(lane_count) };
        // SAFETY: zero-initialised plain data, filled by the library on success.
        Ok(unsafe { raw.assume_init() })
    }

    pub(crate) fn detailed_status(self) -> Result<String> {
        let mut buf: Vec<c_char> = vec![0; 4096];
        loop {
            // SAFETY: live interface; `buf` is writable for its length, which is passed.
            let (function, needed) = c_call!(unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_GetDetailedConnectionStatus(
                    self.api.sockets(),
                    self.handle,
                    buf.as_mut_ptr(),
                    buf.len() as c_int,
                )
            });
            match needed {
                0 => return Ok(string_from_buf(&buf)),
                n if n > 0 && (n as usize) > buf.len() && n < (1 << 24) => {
                    buf.resize(n as usize, 0)
                }
                _ => return Err(Error::InvalidHandle { function }),
            }
        }
    }

    pub(crate) fn accept(self) -> Result<()> {
        // SAFETY: live interface; any handle value is accepted.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_AcceptConnection(self.api.sockets(), self.handle)
        })
    }

    /// Closes the connection, telling the peer `reason` and `debug`, lingering to deliver
    /// queued reliable messages if asked; forgets its route first. The handle is dead after
    /// this, whatever the outcome.
    ///
    /// # Errors
    /// [`Error::InvalidHandle`] if the library had already destroyed it.
    pub(crate) fn close(self, reason: i32, debug: Option<&CStr>, linger: bool) -> Result<()> {
        routes::forget_connection(self.handle);
        let debug = debug.map_or(std::ptr::null(), CStr::as_ptr);
        // SAFETY: live interface; `debug` is null or a valid C string for the call.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_CloseConnection(
                self.api.sockets(),
                self.handle,
                reason,
                debug,
                linger,
            )
        } else InvalidHandle)
    }
}
