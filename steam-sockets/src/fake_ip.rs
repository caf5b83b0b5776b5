//! FakeIP: globally unique IPv4 addresses and ports that Steam assigns, for games written
//! against IP addresses, and UDP-style ports on them (Steam only; on GNS every method returns
//! [`Error::Unsupported`](crate::Error::Unsupported)).

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

use crate::config::ConfigValue;
use crate::config::options::creation_options;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::listen_socket::ListenSocket;
use crate::message::Message;
use crate::raw::steam_only::fake_ip::{self as steam_only, RawFakeUdpPort};
use crate::send::MAX_MESSAGE_SIZE;
use crate::send::flags::SendFlags;
use crate::sockets::Sockets;
use crate::status::{FakeIpResult, FakeIpType};

/// FakeIP addresses and ports (Steam only).
impl Sockets {
    /// Starts asking Steam for a FakeIP (a globally unique IPv4 address and `num_ports` ports
    /// that peers can use as if they were real). The outcome arrives as
    /// [`Event::FakeIpResult`](crate::Event::FakeIpResult) once
    /// [`GlobalEvents::FAKE_IP_RESULT`](crate::GlobalEvents::FAKE_IP_RESULT) is enabled
    /// ([`enable_global_events`](Sockets::enable_global_events)); enable it first.
    ///
    /// # Errors
    /// [`Error::Failed`] if a request is already in progress; [`Error::Unsupported`] on GNS.
    pub fn begin_async_request_fake_ip(&self, num_ports: u8) -> Result<()> {
        steam_only::begin_async_request_fake_ip(self.api(), i32::from(num_ports))
    }

    /// The FakeIP this host was assigned, starting at port index `first_port`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on GNS. A pending or failed request is reported in
    /// [`FakeIpResult::result`].
    pub fn fake_ip(&self, first_port: u8) -> Result<FakeIpResult> {
        steam_only::fake_ip(self.api(), i32::from(first_port))
    }

    /// Listens for P2P connections addressed to this host's FakeIP port `fake_port`.
    ///
    /// # Errors
    /// [`Error::Failed`] if the library refuses; [`Error::Unsupported`] on GNS.
    pub fn listen_p2p_fake_ip(
        &self,
        fake_port: u8,
        options: &[ConfigValue],
    ) -> Result<ListenSocket> {
        let options = creation_options(options)?;
        let handle =
            steam_only::listen_p2p_fake_ip(self.api(), self.hub(), i32::from(fake_port), &options)?;
        Ok(ListenSocket::new(self.api(), handle))
    }

    /// Creates a UDP-style port on this host's FakeIP port `fake_port` (`None`: an ephemeral
    /// port for outbound traffic), for games that exchange datagrams rather than connections.
    ///
    /// # Errors
    /// [`Error::Failed`] if the library refuses; [`Error::Unsupported`] on GNS.
    pub fn create_fake_udp_port(&self, fake_port: Option<u8>) -> Result<FakeUdpPort> {
        let index = fake_port.map_or(-1, i32::from);
        steam_only::create_fake_udp_port(self.api(), index).map(|raw| FakeUdpPort { raw })
    }

    /// Whether `ip` lies in a range the library uses for FakeIPs. A quick test of the address
    /// alone: it does not check that the FakeIP is assigned.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn is_fake_ipv4(&self, ip: Ipv4Addr) -> Result<bool> {
        // Host byte order, which `u32::from` gives.
        steam_only::is_fake_ipv4(self.api(), u32::from(ip))
    }

    /// What kind of address `ip` is: real, or a global or local FakeIP.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on the `gns` backend.
    pub fn fake_ip_type(&self, ip: Ipv4Addr) -> Result<FakeIpType> {
        steam_only::ipv4_fake_ip_type(self.api(), u32::from(ip))
    }

    /// The real identity behind a FakeIP (address and port) that this host has seen.
    ///
    /// # Errors
    /// [`Error::Library`] with function `"GetRealIdentityForFakeIP"` and the library's code:
    /// `InvalidParam` if the address is not a FakeIP, `NoMatch` if the library does not know
    /// it. [`Error::Unsupported`] on the `gns` backend.
    pub fn real_identity_for_fake_ip(&self, fake_ip: SocketAddr) -> Result<NetworkIdentity> {
        steam_only::real_identity_for_fake_ip(self.api(), fake_ip)
    }
}

impl Connection {
    /// The FakeIP the peer of this connection uses, if it connected through FakeIP.
    ///
    /// # Errors
    /// [`Error::Library`] (`IPNotFound`) if it did not; [`Error::Unsupported`] on GNS.
    pub fn remote_fake_ip(&self) -> Result<SocketAddr> {
        steam_only::remote_fake_ip(self.api(), self.raw().handle)
    }
}

/// A UDP-style port on this host's FakeIP (Steam only): send datagrams to FakeIP addresses and
/// receive them, without connections. Destroyed when dropped.
pub struct FakeUdpPort {
    raw: RawFakeUdpPort,
}

impl FakeUdpPort {
    /// Sends a datagram to a FakeIP address.
    ///
    /// # Errors
    /// [`Error::MessageTooLarge`] above [`MAX_MESSAGE_SIZE`]; [`Error::Unsupported`] on GNS;
    /// otherwise the library's result.
    pub fn send_to(&self, to: SocketAddr, data: &[u8], flags: SendFlags) -> Result<()> {
        if data.len() > MAX_MESSAGE_SIZE {
            return Err(Error::MessageTooLarge { size: data.len(), max: MAX_MESSAGE_SIZE });
        }
        steam_only::fake_udp_send(self.raw, to, data, flags.bits())
    }

    /// Appends up to `max` received datagrams to `buf` and returns how many.
    ///
    /// Each datagram's sender (its FakeIP) is [`Message::peer`]: answer it with
    /// [`send_to`](FakeUdpPort::send_to).
    ///
    /// # Errors
    /// [`Error::Unsupported`] on GNS.
    pub fn receive(&self, buf: &mut Vec<Message>, max: usize) -> Result<usize> {
        steam_only::fake_udp_receive(self.raw, buf, max)
    }

    /// Lets the library forget the state it keeps for traffic with `peer` once it is idle.
    ///
    /// # Errors
    /// [`Error::Unsupported`] on GNS.
    pub fn schedule_cleanup(&self, peer: SocketAddr) -> Result<()> {
        steam_only::fake_udp_schedule_cleanup(self.raw, peer)
    }
}

impl fmt::Debug for FakeUdpPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeUdpPort").finish_non_exhaustive()
    }
}

impl Drop for FakeUdpPort {
    fn drop(&mut self) {
        // Only Steam makes ports, so this cannot fail where one exists.
        let _ = steam_only::fake_udp_destroy(self.raw);
    }
}
