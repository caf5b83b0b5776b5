//! Peer-to-peer connections (by identity and virtual port), custom signaling, FakeIP, and
//! Valve-hosted dedicated servers.
//!
//! Steam routes P2P traffic over the Steam Datagram Relay; GameNetworkingSockets has no relay
//! and connects peers directly (ICE) once they have exchanged signals through a channel the
//! application provides ([`Sockets::connect_p2p_custom_signaling`]). FakeIP and hosted
//! dedicated servers need Steam's backend: on GNS they return [`Error::Unsupported`].

use std::ffi::{c_int, c_void};

use crossbeam_channel::Sender;
use steam_sockets_sys as sys;

use crate::config::ConfigValue;
use crate::connection::{Connection, ConnectionId, ConnectionInfo};
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;
use crate::socket::ListenSocket;
use crate::sockets::Sockets;

/// A signaling message the library wants delivered to a peer, through whatever channel the
/// application uses to reach it (a matchmaking server, a lobby, ...). The peer passes `data`
/// to [`Sockets::received_p2p_custom_signal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A message of an ongoing connection attempt.
    Connection {
        /// The local connection it belongs to.
        connection: ConnectionId,
        /// The peer to deliver it to.
        peer: NetworkIdentity,
        /// The message.
        data: Vec<u8>,
    },
    /// A rejection of a request `peer` sent us; deliver it so they stop trying.
    Rejection {
        /// The peer to deliver it to.
        peer: NetworkIdentity,
        /// The message.
        data: Vec<u8>,
    },
}

impl Sockets {
    /// Listens for P2P connections on a virtual port (Steam: through the relay network).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an out-of-range option; [`Error::Failed`] if the library
    /// refuses (for example, the port is taken).
    pub fn listen_p2p(&self, virtual_port: i32, options: &[ConfigValue]) -> Result<ListenSocket> {
        self.new_listen_socket("CreateListenSocketP2P", options, |api, options| {
            // SAFETY: live interface; `options` is valid for the call.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_CreateListenSocketP2P(
                    api.sockets(),
                    virtual_port,
                    options.len(),
                    options.as_ptr(),
                )
            }
        })
    }

    /// Connects to a peer by identity and virtual port, using the platform's rendezvous
    /// service (Steam: the relay network). GameNetworkingSockets has no rendezvous service of
    /// its own: use [`connect_p2p_custom_signaling`](Sockets::connect_p2p_custom_signaling).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an identity or option that cannot be represented;
    /// [`Error::Failed`] if the library refuses.
    pub fn connect_p2p(
        &self,
        peer: &NetworkIdentity,
        virtual_port: i32,
        options: &[ConfigValue],
    ) -> Result<Connection> {
        let peer = peer.to_raw()?;
        self.new_connection("ConnectP2P", options, |api, options| {
            // SAFETY: live interface; `peer` and `options` are valid for the call.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ConnectP2P(
                    api.sockets(),
                    &peer,
                    virtual_port,
                    options.len(),
                    options.as_ptr(),
                )
            }
        })
    }

    /// Connects to a peer by identity, exchanging the connection's signaling messages through
    /// the application: every [`Signal`] the library produces for this connection is sent on
    /// `outbox`, for the application to deliver to the peer, who hands it to
    /// [`received_p2p_custom_signal`](Sockets::received_p2p_custom_signal). The peer's replies
    /// come back the same way. Once the peers can reach each other the connection proceeds as
    /// usual ([`Event::ConnectionStatus`](crate::Event::ConnectionStatus)).
    ///
    /// The library may produce signals from any thread, before this function returns; they only
    /// go onto `outbox` (no application code runs inside the library).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an identity or option that cannot be represented;
    /// [`Error::Failed`] if the library refuses; [`Error::Unsupported`] on 32-bit Windows.
    pub fn connect_p2p_custom_signaling(
        &self,
        peer: &NetworkIdentity,
        virtual_port: i32,
        options: &[ConfigValue],
        outbox: Sender<Signal>,
    ) -> Result<Connection> {
        let peer = peer.to_raw()?;
        // Checked before the signaling object exists, so an error cannot leak it.
        crate::config::to_raw_options(options)?;
        let signaling = signaling::new(outbox)?;
        self.new_connection("ConnectP2PCustomSignaling", options, |api, options| {
            // SAFETY: live interface; `signaling` is a valid signaling object whose ownership
            // passes to the library (it releases it, even on failure); `peer` and `options` are
            // valid for the call.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ConnectP2PCustomSignaling(
                    api.sockets(),
                    signaling,
                    &peer,
                    virtual_port,
                    options.len(),
                    options.as_ptr(),
                )
            }
        })
    }

    /// Hands the library a signaling message that a peer's
    /// [`connect_p2p_custom_signaling`](Sockets::connect_p2p_custom_signaling) produced. A
    /// connection request becomes an [`Event::Incoming`](crate::Event::Incoming) on the P2P
    /// listen socket of its virtual port (see [`listen_p2p`](Sockets::listen_p2p)); the signals
    /// this side must send back, or a rejection, go to `outbox`.
    ///
    /// # Errors
    /// [`Error::Failed`] if the library found the message malformed or unexpected;
    /// [`Error::Unsupported`] on 32-bit Windows.
    pub fn received_p2p_custom_signal(&self, data: &[u8], outbox: &Sender<Signal>) -> Result<()> {
        let len = c_int::try_from(data.len())
            .map_err(|_| Error::InvalidArgument(format!("signal of {} bytes", data.len())))?;
        let ok = signaling::with_recv_context(outbox, |context| {
            // SAFETY: live interface; `data` is readable for `len` bytes; `context` is a valid
            // receive context for the duration of the call, which the library does not keep.
            unsafe {
                sys::SteamAPI_ISteamNetworkingSockets_ReceivedP2PCustomSignal(
                    self.api().sockets(),
                    data.as_ptr().cast(),
                    len,
                    context,
                )
            }
        })?;
        if ok { Ok(()) } else { Err(Error::Failed { function: "ReceivedP2PCustomSignal" }) }
    }
}

/// Rust objects that the library sees as the C++ interfaces `ISteamNetworkingConnectionSignaling`
/// and `ISteamNetworkingSignalingRecvContext`.
///
/// Neither interface has a virtual destructor, so an object is a pointer to a table of its
/// virtual functions in declaration order, each taking the object as its first argument: the
/// layout and calling convention of the Itanium C++ ABI (Linux, macOS) and of MSVC on x86-64
/// and ARM64. 32-bit Windows passes `this` differently (`thiscall`) and is refused.
mod signaling {
    use super::*;

    #[repr(C)]
    struct SignalingVtable {
        send_signal: unsafe extern "C" fn(
            *mut Signaling,
            sys::HSteamNetConnection,
            *const sys::SteamNetConnectionInfo_t,
            *const c_void,
            c_int,
        ) -> bool,
        release: unsafe extern "C" fn(*mut Signaling),
    }

    /// One connection's signaling object; owned by the library from creation until `release`.
    #[repr(C)]
    struct Signaling {
        vtable: &'static SignalingVtable,
        outbox: Sender<Signal>,
    }

    static SIGNALING_VTABLE: SignalingVtable = SignalingVtable { send_signal, release };

    const UNSUPPORTED: bool = cfg!(all(windows, target_arch = "x86"));

    /// A new signaling object, to be handed to the library (which releases it).
    pub(super) fn new(
        outbox: Sender<Signal>,
    ) -> Result<*mut sys::ISteamNetworkingConnectionSignaling> {
        if UNSUPPORTED {
            return Err(Error::unsupported("ConnectP2PCustomSignaling (32-bit Windows)"));
        }
        let object = Box::new(Signaling { vtable: &SIGNALING_VTABLE, outbox });
        Ok(Box::into_raw(object).cast())
    }

    fn bytes(data: *const c_void, len: c_int) -> Vec<u8> {
        match usize::try_from(len) {
            Ok(len) if len > 0 && !data.is_null() => {
                // SAFETY: the library passes `len` readable bytes at `data` for the call.
                unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }.to_vec()
            }
            _ => Vec::new(),
        }
    }

    unsafe extern "C" fn send_signal(
        this: *mut Signaling,
        connection: sys::HSteamNetConnection,
        info: *const sys::SteamNetConnectionInfo_t,
        data: *const c_void,
        len: c_int,
    ) -> bool {
        crate::ffi::no_unwind(false, || {
            // SAFETY: the library calls this only on objects from `new` that it has not
            // released yet.
            let this = unsafe { &*this };
            // SAFETY: `info` is null or valid for the call.
            let info = unsafe { info.as_ref() };
            let peer = info.map_or(NetworkIdentity::Invalid, |info| {
                ConnectionInfo::from_raw(info).remote_identity
            });
            let signal = Signal::Connection {
                connection: ConnectionId(connection),
                peer,
                data: bytes(data, len),
            };
            this.outbox.send(signal).is_ok()
        })
    }

    unsafe extern "C" fn release(this: *mut Signaling) {
        crate::ffi::no_unwind((), || {
            // SAFETY: `this` came from `Box::into_raw` in `new`; the library releases it once.
            drop(unsafe { Box::from_raw(this) });
        });
    }

    #[repr(C)]
    struct RecvContextVtable {
        on_connect_request: unsafe extern "C" fn(
            *mut RecvContext,
            sys::HSteamNetConnection,
            *const sys::SteamNetworkingIdentity,
            c_int,
        )
            -> *mut sys::ISteamNetworkingConnectionSignaling,
        send_rejection_signal: unsafe extern "C" fn(
            *mut RecvContext,
            *const sys::SteamNetworkingIdentity,
            *const c_void,
            c_int,
        ),
    }

    /// Lives on the stack for one `ReceivedP2PCustomSignal` call.
    #[repr(C)]
    struct RecvContext {
        vtable: &'static RecvContextVtable,
        outbox: Sender<Signal>,
    }

    static RECV_CONTEXT_VTABLE: RecvContextVtable =
        RecvContextVtable { on_connect_request, send_rejection_signal };

    /// Runs `f` with a receive context that routes replies and rejections to `outbox`.
    pub(super) fn with_recv_context<R>(
        outbox: &Sender<Signal>,
        f: impl FnOnce(*mut sys::ISteamNetworkingSignalingRecvContext) -> R,
    ) -> Result<R> {
        if UNSUPPORTED {
            return Err(Error::unsupported("ReceivedP2PCustomSignal (32-bit Windows)"));
        }
        let mut context = RecvContext { vtable: &RECV_CONTEXT_VTABLE, outbox: outbox.clone() };
        Ok(f((&mut context as *mut RecvContext).cast()))
    }

    unsafe extern "C" fn on_connect_request(
        this: *mut RecvContext,
        _connection: sys::HSteamNetConnection,
        _peer: *const sys::SteamNetworkingIdentity,
        _local_virtual_port: c_int,
    ) -> *mut sys::ISteamNetworkingConnectionSignaling {
        // Accepting the signaling here only lets the request proceed: it still arrives as an
        // incoming connection that the application accepts or rejects.
        crate::ffi::no_unwind(std::ptr::null_mut(), || {
            // SAFETY: `this` is the context of the ongoing `with_recv_context` call.
            let this = unsafe { &*this };
            new(this.outbox.clone()).unwrap_or(std::ptr::null_mut())
        })
    }

    unsafe extern "C" fn send_rejection_signal(
        this: *mut RecvContext,
        peer: *const sys::SteamNetworkingIdentity,
        data: *const c_void,
        len: c_int,
    ) {
        crate::ffi::no_unwind((), || {
            // SAFETY: `this` is the context of the ongoing call.
            let this = unsafe { &*this };
            // SAFETY: `peer` is null or valid for the call.
            let peer = unsafe { peer.as_ref() };
            let peer = peer.map_or(NetworkIdentity::Invalid, NetworkIdentity::from_raw);
            let _ = this.outbox.send(Signal::Rejection { peer, data: bytes(data, len) });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signaling_object_forwards_signals_and_is_released_once() {
        let (outbox, inbox) = crossbeam_channel::unbounded();
        let object = signaling::new(outbox).unwrap();
        // Call it the way the library does: through the table its first word points to.
        #[repr(C)]
        struct Table {
            send: unsafe extern "C" fn(
                *mut c_void,
                u32,
                *const sys::SteamNetConnectionInfo_t,
                *const c_void,
                c_int,
            ) -> bool,
            release: unsafe extern "C" fn(*mut c_void),
        }
        // SAFETY: `object` is a live signaling object whose first field is its table pointer.
        let table_ptr = unsafe { *object.cast::<*const Table>() };
        // SAFETY: that pointer is the static table of `Signaling`, laid out as `Table`.
        let table = unsafe { &*table_ptr };
        let payload = [1u8, 2, 3];
        // SAFETY: as the library would call it: valid object, null info, readable payload.
        let sent =
            unsafe { (table.send)(object.cast(), 7, std::ptr::null(), payload.as_ptr().cast(), 3) };
        assert!(sent);
        assert_eq!(
            inbox.try_recv().unwrap(),
            Signal::Connection {
                connection: ConnectionId(7),
                peer: NetworkIdentity::Invalid,
                data: vec![1, 2, 3]
            }
        );
        // SAFETY: empty payload with a null pointer must be handled, not read.
        assert!(unsafe { (table.send)(object.cast(), 7, std::ptr::null(), std::ptr::null(), 0) });
        // SAFETY: released exactly once, as the library does.
        unsafe { (table.release)(object.cast()) };
        assert!(matches!(inbox.try_recv(), Ok(Signal::Connection { data, .. }) if data.is_empty()));
        assert!(inbox.try_recv().is_err(), "nothing else was sent");
    }
}
