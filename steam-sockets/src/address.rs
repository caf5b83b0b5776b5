//! IP addresses: conversion between `std::net` and the library's `SteamNetworkingIPAddr`.

use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use steam_sockets_sys as sys;

use crate::error::{Error, Result};

/// Anything that names one IP address and port: a [`SocketAddr`] (or its V4/V6 forms), an
/// `(IpAddr, u16)` pair, or a string such as `"127.0.0.1:27015"` or `"[::1]:27015"`.
///
/// Strings are parsed without DNS lookups; an unparsable string gives [`Error::AddrParse`].
pub trait IntoSocketAddr {
    /// Converts to a [`SocketAddr`].
    ///
    /// # Errors
    /// [`Error::AddrParse`] if a string is not an IP address with a port.
    fn into_socket_addr(self) -> Result<SocketAddr>;
}

impl IntoSocketAddr for SocketAddr {
    fn into_socket_addr(self) -> Result<SocketAddr> {
        Ok(self)
    }
}
impl IntoSocketAddr for SocketAddrV4 {
    fn into_socket_addr(self) -> Result<SocketAddr> {
        Ok(self.into())
    }
}
impl IntoSocketAddr for SocketAddrV6 {
    fn into_socket_addr(self) -> Result<SocketAddr> {
        Ok(self.into())
    }
}
impl<I: Into<IpAddr>> IntoSocketAddr for (I, u16) {
    fn into_socket_addr(self) -> Result<SocketAddr> {
        Ok(SocketAddr::new(self.0.into(), self.1))
    }
}
impl IntoSocketAddr for &str {
    fn into_socket_addr(self) -> Result<SocketAddr> {
        self.parse().map_err(|_| Error::AddrParse { input: self.to_owned() })
    }
}
impl IntoSocketAddr for &String {
    fn into_socket_addr(self) -> Result<SocketAddr> {
        self.as_str().into_socket_addr()
    }
}
impl IntoSocketAddr for String {
    fn into_socket_addr(self) -> Result<SocketAddr> {
        self.as_str().into_socket_addr()
    }
}

/// `SocketAddr` to the library's form: IPv4 becomes the mapped address `::ffff:a.b.c.d`.
pub(crate) fn to_raw(addr: SocketAddr) -> sys::SteamNetworkingIPAddr {
    let ip = match addr.ip() {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    };
    sys::SteamNetworkingIPAddr { m_ipv6: ip.octets(), m_port: addr.port() }
}

/// The library's form to `SocketAddr`; mapped IPv4 addresses come back as IPv4.
pub(crate) fn from_raw(raw: &sys::SteamNetworkingIPAddr) -> SocketAddr {
    let ip = Ipv6Addr::from(raw.m_ipv6);
    let port = raw.m_port;
    match ip.to_ipv4_mapped() {
        Some(v4) => SocketAddr::new(IpAddr::V4(v4), port),
        None => SocketAddr::new(IpAddr::V6(ip), port),
    }
}

/// `None` for the all-zero address the library reports when it has no address.
pub(crate) fn from_raw_nonzero(raw: &sys::SteamNetworkingIPAddr) -> Option<SocketAddr> {
    let bytes = raw.m_ipv6;
    let port = raw.m_port;
    if bytes == [0; 16] && port == 0 { None } else { Some(from_raw(raw)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn v4_round_trips_through_the_mapped_form() {
        let addr: SocketAddr = "192.168.1.20:27015".parse().unwrap();
        let raw = to_raw(addr);
        assert_eq!(&raw.m_ipv6[..12], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
        assert_eq!(from_raw(&raw), addr);
    }

    #[test]
    fn v6_round_trips() {
        let addr: SocketAddr = "[2001:db8::7]:9".parse().unwrap();
        assert_eq!(from_raw(&to_raw(addr)), addr);
    }

    #[test]
    fn all_zero_means_no_address() {
        assert_eq!(from_raw_nonzero(&sys::SteamNetworkingIPAddr::default()), None);
        let any = SocketAddr::from((Ipv4Addr::UNSPECIFIED, 1));
        assert_eq!(from_raw_nonzero(&to_raw(any)), Some(any));
    }

    #[test]
    fn strings_parse_or_give_a_typed_error() {
        assert_eq!("[::1]:5".into_socket_addr().unwrap(), "[::1]:5".parse().unwrap());
        assert_eq!(
            "localhost:80".into_socket_addr(),
            Err(Error::AddrParse { input: "localhost:80".into() })
        );
        assert!(matches!("1.2.3.4".into_socket_addr(), Err(Error::AddrParse { .. })));
        assert!(matches!("1.2.3.4:70000".into_socket_addr(), Err(Error::AddrParse { .. })));
    }
}
