//! Rust objects that the library sees as the C++ interfaces `ISteamNetworkingConnectionSignaling`
//! and `ISteamNetworkingSignalingRecvContext`, for custom P2P signaling.
//!
//! Neither interface has a virtual destructor, so an object is a pointer to a table of its
//! virtual functions in declaration order, each taking the object as its first argument: the
//! layout and calling convention of the Itanium C++ ABI (Linux, macOS) and of MSVC on x86-64
//! and ARM64. 32-bit Windows passes `this` differently (`thiscall`) and is refused.

use std::ffi::{c_int, c_void};
use std::sync::Arc;

use steam_sockets_sys as sys;

use super::convert::identity_from_raw;
use super::ffi::no_unwind;
use super::types::ConnectionHandle;
use crate::error::{Error, Result};
use crate::identity::NetworkIdentity;

/// A signal the library wants delivered: for a connection attempt, or (no connection) a
/// rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawSignal {
    pub(crate) connection: Option<ConnectionHandle>,
    pub(crate) peer: NetworkIdentity,
    pub(crate) data: Vec<u8>,
}

/// Where signals go; whether it took the signal. Called on any of the library's threads: it
/// must not block or run user code (`p2p.rs` puts signals on a channel).
pub(crate) type SignalSink = Arc<dyn Fn(RawSignal) -> bool + Send + Sync>;

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
    sink: SignalSink,
}

static SIGNALING_VTABLE: SignalingVtable = SignalingVtable { send_signal, release };

const UNSUPPORTED: bool = cfg!(all(windows, target_arch = "x86"));

/// A new signaling object, to be handed to the library (which releases it).
pub(crate) fn new(sink: SignalSink) -> Result<*mut sys::ISteamNetworkingConnectionSignaling> {
    if UNSUPPORTED {
        return Err(Error::unsupported("ConnectP2PCustomSignaling (32-bit Windows)"));
    }
    let object = Box::new(Signaling { vtable: &SIGNALING_VTABLE, sink });
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
    no_unwind(false, || {
        // SAFETY: the library calls this only on objects from `new` that it has not
        // released yet.
        let this = unsafe { &*this };
        // SAFETY: `info` is null or valid for the call.
        let info = unsafe { info.as_ref() };
        let peer = info.map_or(NetworkIdentity::Invalid, |info| {
            let remote = info.m_identityRemote;
            identity_from_raw(&remote)
        });
        (this.sink)(RawSignal { connection: Some(connection), peer, data: bytes(data, len) })
    })
}

unsafe extern "C" fn release(this: *mut Signaling) {
    no_unwind((), || {
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
    ) -> *mut sys::ISteamNetworkingConnectionSignaling,
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
    sink: SignalSink,
}

static RECV_CONTEXT_VTABLE: RecvContextVtable =
    RecvContextVtable { on_connect_request, send_rejection_signal };

/// Runs `f` with a receive context that routes replies and rejections to `sink`.
pub(crate) fn with_recv_context<R>(
    sink: SignalSink,
    f: impl FnOnce(*mut sys::ISteamNetworkingSignalingRecvContext) -> R,
) -> Result<R> {
    if UNSUPPORTED {
        return Err(Error::unsupported("ReceivedP2PCustomSignal (32-bit Windows)"));
    }
    let mut context = RecvContext { vtable: &RECV_CONTEXT_VTABLE, sink };
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
    no_unwind(std::ptr::null_mut(), || {
        // SAFETY: `this` is the context of the ongoing `with_recv_context` call.
        let this = unsafe { &*this };
        new(Arc::clone(&this.sink)).unwrap_or(std::ptr::null_mut())
    })
}

unsafe extern "C" fn send_rejection_signal(
    this: *mut RecvContext,
    peer: *const sys::SteamNetworkingIdentity,
    data: *const c_void,
    len: c_int,
) {
    no_unwind((), || {
        // SAFETY: `this` is the context of the ongoing call.
        let this = unsafe { &*this };
        // SAFETY: `peer` is null or valid for the call.
        let peer = unsafe { peer.as_ref() };
        let peer = peer.map_or(NetworkIdentity::Invalid, identity_from_raw);
        (this.sink)(RawSignal { connection: None, peer, data: bytes(data, len) });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signaling_object_forwards_signals_and_is_released_once() {
        let (outbox, inbox) = crossbeam_channel::unbounded();
        let sink: SignalSink = Arc::new(move |signal| outbox.send(signal).is_ok());
        let object = new(sink).unwrap();
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
            RawSignal { connection: Some(7), peer: NetworkIdentity::Invalid, data: vec![1, 2, 3] }
        );
        // SAFETY: empty payload with a null pointer must be handled, not read.
        assert!(unsafe { (table.send)(object.cast(), 7, std::ptr::null(), std::ptr::null(), 0) });
        // SAFETY: released exactly once, as the library does.
        unsafe { (table.release)(object.cast()) };
        assert!(matches!(inbox.try_recv(), Ok(RawSignal { data, .. }) if data.is_empty()));
        assert!(inbox.try_recv().is_err(), "nothing else was sent");
    }
}
