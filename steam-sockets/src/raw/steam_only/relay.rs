//! The relay network, ping locations and data centres (`ISteamNetworkingUtils`; Steam only).

#![cfg_attr(not(feature = "steam"), allow(unused_imports))]

use std::ffi::{CStr, c_char, c_int};

use steam_sockets_sys as sys;

use crate::error::Result;
use crate::raw::api::Api;
use crate::raw::convert::relay_network_status;
use crate::raw::ffi::string_from_buf;
use crate::raw::{only_on, try_call};
use crate::status::RelayNetworkStatus;

/// A ping location: the library's opaque blob.
pub(crate) type PingBlob = [u8; 512];

only_on! {
    "steam", "InitRelayNetworkAccess",
    pub(crate) fn init_relay_network_access(api: Api) -> Result<()> {
        // SAFETY: live utils interface; the function takes no other argument.
        unsafe { sys::SteamAPI_ISteamNetworkingUtils_InitRelayNetworkAccess(api.utils()) };
        Ok(())
    }
}

only_on! {
    "steam", "GetRelayNetworkStatus",
    pub(crate) fn relay_network_status_now(api: Api) -> Result<RelayNetworkStatus> {
        let unknown = sys::ESteamNetworkingAvailability::Unknown;
        let mut raw = sys::SteamRelayNetworkStatus_t {
            m_eAvail: unknown,
            m_bPingMeasurementInProgress: 0,
            m_eAvailNetworkConfig: unknown,
            m_eAvailAnyRelay: unknown,
            m_debugMsg: [0; 256],
        };
        // SAFETY: live utils interface; `raw` is a writable struct of the type the function
        // fills. The returned summary is also stored in `raw.m_eAvail`.
        unsafe { sys::SteamAPI_ISteamNetworkingUtils_GetRelayNetworkStatus(api.utils(), &mut raw) };
        Ok(relay_network_status(&raw))
    }
}

only_on! {
    "steam", "GetLocalPingLocation",
    /// This host's ping location and the age of its data in seconds (negative: no data).
    pub(crate) fn local_ping_location(api: Api) -> Result<(PingBlob, f32)> {
        let mut raw = sys::SteamNetworkPingLocation_t { m_data: [0; 512] };
        // SAFETY: live utils interface; `raw` is a writable ping location.
        let age = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetLocalPingLocation(
                api.utils(),
                &mut raw,
            )
        };
        Ok((raw.m_data, age))
    }
}

only_on! {
    "steam", "EstimatePingTimeBetweenTwoLocations",
    /// Milliseconds, or a negative code.
    pub(crate) fn estimate_ping_between(
        api: Api,
        first: &PingBlob,
        second: &PingBlob,
    ) -> Result<c_int> {
        let (first, second) = (
            sys::SteamNetworkPingLocation_t { m_data: *first },
            sys::SteamNetworkPingLocation_t { m_data: *second },
        );
        // SAFETY: live utils interface; both locations are valid, library-made blobs.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_EstimatePingTimeBetweenTwoLocations(
                api.utils(),
                &first,
                &second,
            )
        })
    }
}

only_on! {
    "steam", "EstimatePingTimeFromLocalHost",
    /// Milliseconds, or a negative code.
    pub(crate) fn estimate_ping_from_local_host(api: Api, remote: &PingBlob) -> Result<c_int> {
        let remote = sys::SteamNetworkPingLocation_t { m_data: *remote };
        // SAFETY: live utils interface; `remote` is a valid, library-made blob.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_EstimatePingTimeFromLocalHost(
                api.utils(),
                &remote,
            )
        })
    }
}

only_on! {
    "steam", "ConvertPingLocationToString",
    pub(crate) fn ping_location_to_string(api: Api, location: &PingBlob) -> Result<String> {
        let location = sys::SteamNetworkPingLocation_t { m_data: *location };
        let mut buf: [c_char; sys::k_cchMaxSteamNetworkingPingLocationString] =
            [0; sys::k_cchMaxSteamNetworkingPingLocationString];
        // 1024: fits in a C int.
        let capacity = buf.len() as c_int;
        // SAFETY: live utils interface; `location` is a valid blob; `buf` is writable for
        // `capacity` bytes, the size the library documents as always sufficient.
        unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_ConvertPingLocationToString(
                api.utils(),
                &location,
                buf.as_mut_ptr(),
                capacity,
            )
        };
        Ok(string_from_buf(&buf))
    }
}

only_on! {
    "steam", "ParsePingLocationString",
    pub(crate) fn parse_ping_location(api: Api, text: &CStr) -> Result<PingBlob> {
        let mut raw = sys::SteamNetworkPingLocation_t { m_data: [0; 512] };
        // SAFETY: live utils interface; `text` is NUL-terminated and `raw` writable.
        try_call!(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_ParsePingLocationString(
                api.utils(),
                text.as_ptr(),
                &mut raw,
            )
        } else Failed)?;
        Ok(raw.m_data)
    }
}

only_on! {
    "steam", "CheckPingDataUpToDate",
    pub(crate) fn check_ping_data_up_to_date(api: Api, max_age_seconds: f32) -> Result<bool> {
        // SAFETY: live utils interface; any age is accepted.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_CheckPingDataUpToDate(
                api.utils(),
                max_age_seconds,
            )
        })
    }
}

only_on! {
    "steam", "GetPingToDataCenter",
    /// Milliseconds (or a negative code) and the data centre the route enters through.
    pub(crate) fn ping_to_data_center(api: Api, data_center: u32) -> Result<(c_int, u32)> {
        let mut via_relay: sys::SteamNetworkingPOPID = 0;
        // SAFETY: live utils interface; `via_relay` is writable.
        let ms = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetPingToDataCenter(
                api.utils(),
                data_center,
                &mut via_relay,
            )
        };
        Ok((ms, via_relay))
    }
}

only_on! {
    "steam", "GetDirectPingToPOP",
    pub(crate) fn direct_ping_to_pop(api: Api, data_center: u32) -> Result<c_int> {
        // SAFETY: live utils interface; any id is accepted.
        Ok(unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetDirectPingToPOP(
                api.utils(),
                data_center,
            )
        })
    }
}

only_on! {
    "steam", "GetPOPCount",
    pub(crate) fn pop_count(api: Api) -> Result<usize> {
        // SAFETY: live utils interface.
        let count = unsafe { sys::SteamAPI_ISteamNetworkingUtils_GetPOPCount(api.utils()) };
        Ok(usize::try_from(count).unwrap_or(0))
    }
}

only_on! {
    "steam", "GetPOPList",
    pub(crate) fn pop_list(api: Api) -> Result<Vec<u32>> {
        let count = pop_count(api)?;
        if count == 0 {
            return Ok(Vec::new());
        }
        let mut ids: Vec<sys::SteamNetworkingPOPID> = vec![0; count];
        // `count` came from a C int, so this never saturates; if it did, the library would
        // just be told of less room than there is.
        let capacity = c_int::try_from(ids.len()).unwrap_or(c_int::MAX);
        // SAFETY: live utils interface; `ids` is initialised and writable for `capacity`
        // entries (capacity <= ids.len()).
        let written = unsafe {
            sys::SteamAPI_ISteamNetworkingUtils_GetPOPList(
                api.utils(),
                ids.as_mut_ptr(),
                capacity,
            )
        };
        // Keep only what the library says it wrote (the configuration may have shrunk since
        // `pop_count`); `truncate` never lengthens.
        ids.truncate(usize::try_from(written).unwrap_or(0));
        Ok(ids)
    }
}
