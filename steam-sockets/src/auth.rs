//! This host's authentication and certificates.

use crate::error::Result;
use crate::identity::NetworkIdentity;
use crate::raw::{sockets as raw, steam_only};
use crate::sockets::Sockets;
use crate::status::{Availability, ServiceStatus};

/// Authentication and certificates.
impl Sockets {
    /// Starts obtaining the certificates this host needs for authenticated connections (Steam
    /// does this automatically when needed; calling it early saves time). Progress arrives as
    /// [`Event::AuthenticationStatus`](crate::Event::AuthenticationStatus) (Steam only) once
    /// [`GlobalEvents::AUTHENTICATION_STATUS`](crate::GlobalEvents::AUTHENTICATION_STATUS) is
    /// enabled ([`enable_global_events`](Sockets::enable_global_events)).
    pub fn init_authentication(&self) -> Availability {
        raw::init_authentication(self.api())
    }

    /// Whether this host has what it needs for authenticated connections, and why not.
    pub fn authentication_status(&self) -> ServiceStatus {
        raw::authentication_status(self.api())
    }

    /// A certificate signing request for this host's identity, to be signed by the game's
    /// certificate authority (used without Steam) and installed with
    /// [`set_certificate`](Sockets::set_certificate).
    ///
    /// # Errors
    /// [`Error::Certificate`](crate::Error::Certificate) with the library's explanation.
    pub fn certificate_request(&self) -> Result<Vec<u8>> {
        raw::certificate_request(self.api())
    }

    /// Installs a signed certificate for this host (answer to
    /// [`certificate_request`](Sockets::certificate_request)).
    ///
    /// # Errors
    /// [`Error::Certificate`](crate::Error::Certificate) with the library's explanation (malformed,
    /// wrong key, expired, ...).
    pub fn set_certificate(&self, certificate: &[u8]) -> Result<()> {
        raw::set_certificate(self.api(), certificate)
    }

    /// Resets this host's identity (Steam only), for example after switching accounts in a
    /// dedicated server; `None` resets it to the default.
    ///
    /// # Errors
    /// [`Error::OutOfRange`](crate::Error::OutOfRange) or
    /// [`Error::InteriorNul`](crate::Error::InteriorNul) for an identity that cannot be
    /// represented; [`Error::Unsupported`](crate::Error::Unsupported) on GNS, which does not export
    /// `ResetIdentity`.
    pub fn reset_identity(&self, identity: Option<&NetworkIdentity>) -> Result<()> {
        steam_only::reset_identity(self.api(), identity)
    }
}
