//! This host's identity, authentication and certificates.

use std::ffi::c_int;

use steam_sockets_sys as sys;

use crate::error::{Error, Result};
use crate::events::{Availability, ServiceStatus};
use crate::ffi::string_from_buf;
use crate::identity::NetworkIdentity;
use crate::sockets::Sockets;

impl Sockets {
    /// Starts obtaining the certificates this host needs for authenticated connections (Steam
    /// does this automatically when needed; calling it early saves time). Progress arrives as
    /// [`Event::AuthenticationStatus`](crate::Event::AuthenticationStatus) (Steam only) once
    /// [`GlobalEvents::AUTHENTICATION_STATUS`](crate::GlobalEvents::AUTHENTICATION_STATUS) is
    /// enabled ([`enable_global_events`](Sockets::enable_global_events)).
    pub fn init_authentication(&self) -> Availability {
        // SAFETY: live interface.
        Availability::from_raw(unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_InitAuthentication(self.api().sockets())
        })
    }

    /// Whether this host has what it needs for authenticated connections, and why not.
    pub fn authentication_status(&self) -> ServiceStatus {
        let mut raw = std::mem::MaybeUninit::<sys::SteamNetAuthenticationStatus_t>::zeroed();
        // SAFETY: live interface; `raw` is writable.
        let availability = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetAuthenticationStatus(
                self.api().sockets(),
                raw.as_mut_ptr(),
            )
        };
        // SAFETY: zero-initialised plain data, filled by the library.
        let message = unsafe { raw.assume_init_ref() }.m_debugMsg;
        ServiceStatus {
            availability: Availability::from_raw(availability),
            message: string_from_buf(&message),
        }
    }

    /// A certificate signing request for this host's identity, to be signed by the game's
    /// certificate authority (used without Steam) and installed with
    /// [`set_certificate`](Sockets::set_certificate).
    ///
    /// # Errors
    /// [`Error::Certificate`] with the library's explanation.
    pub fn certificate_request(&self) -> Result<Vec<u8>> {
        let mut blob = vec![0u8; 4096];
        let mut len = blob.len() as c_int;
        let mut err: sys::SteamNetworkingErrMsg = [0; sys::k_cchMaxSteamNetworkingErrMsg];
        // SAFETY: live interface; `blob` is writable for `len` bytes; `err` is writable.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_GetCertificateRequest(
                self.api().sockets(),
                &mut len,
                blob.as_mut_ptr().cast(),
                &mut err,
            )
        };
        if !ok {
            return Err(Error::Certificate { message: string_from_buf(&err) });
        }
        blob.truncate(usize::try_from(len).unwrap_or(0));
        Ok(blob)
    }

    /// Installs a signed certificate for this host (answer to
    /// [`certificate_request`](Sockets::certificate_request)).
    ///
    /// # Errors
    /// [`Error::Certificate`] with the library's explanation (malformed, wrong key, expired,
    /// ...).
    pub fn set_certificate(&self, certificate: &[u8]) -> Result<()> {
        let len = c_int::try_from(certificate.len()).map_err(|_| Error::Certificate {
            message: format!("certificate of {} bytes", certificate.len()),
        })?;
        let mut err: sys::SteamNetworkingErrMsg = [0; sys::k_cchMaxSteamNetworkingErrMsg];
        // SAFETY: live interface; `certificate` is readable for `len` bytes; `err` is writable.
        let ok = unsafe {
            sys::SteamAPI_ISteamNetworkingSockets_SetCertificate(
                self.api().sockets(),
                certificate.as_ptr().cast(),
                len,
                &mut err,
            )
        };
        if ok { Ok(()) } else { Err(Error::Certificate { message: string_from_buf(&err) }) }
    }

    /// Resets this host's identity (Steam only), for example after switching accounts in a
    /// dedicated server; `None` resets it to the default.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an identity that cannot be represented;
    /// [`Error::Unsupported`] on GNS, which does not export `ResetIdentity`.
    pub fn reset_identity(&self, identity: Option<&NetworkIdentity>) -> Result<()> {
        let raw = identity.map(NetworkIdentity::to_raw).transpose()?;
        #[cfg(feature = "steam")]
        {
            let ptr = raw.as_ref().map_or(std::ptr::null(), |r| r as *const _);
            // SAFETY: live interface; `ptr` is null or a valid identity for the call.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ResetIdentity(self.api().sockets(), ptr)
            };
            Ok(())
        }
        #[cfg(not(feature = "steam"))]
        {
            let _ = raw;
            Err(Error::unsupported("ResetIdentity"))
        }
    }
}
