//! Setting and reading configuration values at global, listen-socket and connection scope
//! (`SetConfigValue` / `GetConfigValue`), with the checks that turn the library's bare
//! refusals into errors that say why.

use super::codec::RawValue;
use super::modes::ConfigSource;
use super::options::{check_writable, encode};
use super::{ConfigKey, ConfigValue};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::listen_socket::ListenSocket;
use crate::raw::api::Api;
use crate::raw::utils::{self, Found, Scope};
use crate::sockets::Sockets;

/// Configuration values at global scope.
impl Sockets {
    /// Sets a value at global scope: a global value, or the process-wide default of a
    /// connection value (for listen sockets and connections created afterwards, and existing
    /// ones that have not set it). It affects every interface in the process (on Steam, both
    /// the client's and the game server's).
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// use std::time::Duration;
    /// use steam_sockets::{ConfigKey, ConfigValue, Sockets};
    ///
    /// let sockets = Sockets::init_gns()?;
    /// sockets.set_global_config(&ConfigValue::FakePacketLagSend(Duration::from_millis(50)))?;
    /// assert_eq!(
    ///     sockets.global_config(ConfigKey::FakePacketLagSend)?,
    ///     ConfigValue::FakePacketLagSend(Duration::from_millis(50)),
    /// );
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::OutOfRange`] or [`Error::ReadOnly`] for an out-of-range or read-only value;
    /// [`Error::InteriorNul`] for a string containing NUL; [`Error::Unsupported`] if this
    /// backend does not have the value; [`Error::Failed`] if the library refuses it otherwise.
    /// Nothing is changed on error.
    pub fn set_global_config(&self, value: &ConfigValue) -> Result<()> {
        set_config(self.api(), Scope::Global, value)
    }

    /// The value of `key` at global scope (for a connection value: the default that listen
    /// sockets and connections inherit).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if this backend does not have the value;
    /// [`Error::UnexpectedConfigValue`] if the library returns something this crate cannot
    /// represent.
    pub fn global_config(&self, key: ConfigKey) -> Result<ConfigValue> {
        get_config(self.api(), Scope::Global, key).map(|(value, _)| value)
    }

    /// Restores the library's default for `key` at global scope.
    ///
    /// # Errors
    /// [`Error::ReadOnly`] for a read-only value; [`Error::Unsupported`] if this
    /// backend does not have the value; [`Error::Failed`] if the library refuses.
    pub fn reset_global_config(&self, key: ConfigKey) -> Result<()> {
        reset_config(self.api(), Scope::Global, key)
    }
}

/// Configuration values on a listen socket.
impl ListenSocket {
    /// Sets a connection value on this listen socket: the connections accepted on it inherit
    /// it (those already accepted too), unless they set their own.
    ///
    /// # Errors
    /// [`Error::WrongScope`] for a global value (use [`Sockets::set_global_config`]),
    /// [`Error::OutOfRange`] or [`Error::ReadOnly`] for an out-of-range or read-only value;
    /// [`Error::InteriorNul`] for a string containing NUL; [`Error::Unsupported`] if this backend
    /// does not have the value; [`Error::InvalidHandle`] if the library no longer knows the socket;
    /// [`Error::Failed`] if it refuses the value otherwise. Nothing is changed on error.
    pub fn set_config(&self, value: &ConfigValue) -> Result<()> {
        set_config(self.api(), self.scope(), value)
    }

    /// The effective value of `key` on this listen socket: set on it, or else inherited from
    /// global scope.
    ///
    /// # Errors
    /// [`Error::WrongScope`] for a global value (use [`Sockets::global_config`]);
    /// [`Error::Unsupported`] if this backend does not have the value;
    /// [`Error::InvalidHandle`] if the library no longer knows the socket;
    /// [`Error::UnexpectedConfigValue`] if the library returns something this crate cannot
    /// represent.
    pub fn config(&self, key: ConfigKey) -> Result<ConfigValue> {
        self.config_with_source(key).map(|(value, _)| value)
    }

    /// Like [`config`](ListenSocket::config), also saying whether the value was set on this
    /// socket or inherited.
    ///
    /// # Errors
    /// As for [`config`](ListenSocket::config).
    pub fn config_with_source(&self, key: ConfigKey) -> Result<(ConfigValue, ConfigSource)> {
        get_config(self.api(), self.scope(), key)
    }

    /// Removes this socket's own setting of `key`, so that it inherits the global value again.
    ///
    /// # Errors
    /// As for [`set_config`](ListenSocket::set_config).
    pub fn reset_config(&self, key: ConfigKey) -> Result<()> {
        reset_config(self.api(), self.scope(), key)
    }
}

/// Configuration values on a connection.
impl Connection {
    /// Sets a connection value on this connection. Most values take effect at once; set the
    /// ones that matter while connecting (timeouts, symmetric mode, P2P settings) as creation
    /// options instead, because packets can arrive before this call.
    ///
    /// ```no_run
    /// # fn main() -> steam_sockets::Result<()> {
    /// use steam_sockets::{ConfigValue, Sockets};
    ///
    /// let sockets = Sockets::init_gns()?;
    /// let conn = sockets.connect_ip("127.0.0.1:27015", &[])?;
    /// conn.set_config(&ConfigValue::SendRateMax(4 << 20))?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::WrongScope`] for a global value (use [`Sockets::set_global_config`]),
    /// [`Error::OutOfRange`] or [`Error::ReadOnly`] for an out-of-range or read-only value;
    /// [`Error::InteriorNul`] for a string containing NUL; [`Error::Unsupported`] if this backend
    /// does not have the value; [`Error::InvalidHandle`] if the library has destroyed the
    /// connection; [`Error::Failed`] if it refuses the value otherwise (some values are locked once
    /// a connection uses them). Nothing is changed on error.
    pub fn set_config(&self, value: &ConfigValue) -> Result<()> {
        set_config(self.api(), self.scope(), value)
    }

    /// The effective value of `key` on this connection: set on it, or else inherited from the
    /// listen socket it was accepted on, or from global scope.
    ///
    /// # Errors
    /// [`Error::WrongScope`] for a global value (use [`Sockets::global_config`]);
    /// [`Error::Unsupported`] if this backend does not have the value;
    /// [`Error::InvalidHandle`] if the library has destroyed the connection;
    /// [`Error::UnexpectedConfigValue`] if the library returns something this crate cannot
    /// represent.
    pub fn config(&self, key: ConfigKey) -> Result<ConfigValue> {
        self.config_with_source(key).map(|(value, _)| value)
    }

    /// Like [`config`](Connection::config), also saying whether the value was set on this
    /// connection or inherited.
    ///
    /// # Errors
    /// As for [`config`](Connection::config).
    pub fn config_with_source(&self, key: ConfigKey) -> Result<(ConfigValue, ConfigSource)> {
        get_config(self.api(), self.scope(), key)
    }

    /// Removes this connection's own setting of `key`, so that it inherits again.
    ///
    /// # Errors
    /// As for [`set_config`](Connection::set_config); [`Error::CannotReset`] for
    /// [`ConfigKey::ConnectionUserData`], which a connection keeps once it has one.
    pub fn reset_config(&self, key: ConfigKey) -> Result<()> {
        reset_config(self.api(), self.scope(), key)
    }
}

/// Where a scope is, for error messages.
fn describe(scope: Scope) -> &'static str {
    match scope {
        Scope::Global => "at global scope",
        Scope::ListenSocket(_) => "on a listen socket",
        Scope::Connection(_) => "on a connection",
    }
}

/// Converts what the library returned for `key`.
fn decode(key: ConfigKey, raw: RawValue) -> Result<ConfigValue> {
    ConfigValue::from_raw_value(key, raw)
        .map_err(|detail| Error::UnexpectedConfigValue { key, detail })
}

/// Refuses, before calling the library, what it would refuse without saying why.
fn check_settable(key: ConfigKey, scope: Scope) -> Result<()> {
    check_writable(key)?;
    check_scope(key, scope)
}

fn check_scope(key: ConfigKey, scope: Scope) -> Result<()> {
    if key.is_global_only() && scope != Scope::Global {
        return Err(Error::WrongScope { key, used: describe(scope) });
    }
    Ok(())
}

fn set_config(api: Api, scope: Scope, value: &ConfigValue) -> Result<()> {
    let key = value.key();
    check_settable(key, scope)?;
    let raw = encode(value)?;
    if utils::set_config_value(api, key, scope, Some(&raw)) {
        Ok(())
    } else {
        Err(refusal(api, scope, key))
    }
}

fn reset_config(api: Api, scope: Scope, key: ConfigKey) -> Result<()> {
    check_settable(key, scope)?;
    if key == ConfigKey::ConnectionUserData && matches!(scope, Scope::Connection(_)) {
        // Not only refused: GNS handles this value on connections separately and reads the
        // null argument, which crashes the process.
        return Err(Error::CannotReset { key, scope: describe(scope) });
    }
    if utils::set_config_value(api, key, scope, None) {
        Ok(())
    } else {
        Err(refusal(api, scope, key))
    }
}

fn get_config(api: Api, scope: Scope, key: ConfigKey) -> Result<(ConfigValue, ConfigSource)> {
    check_scope(key, scope)?;
    let (found, raw) = utils::get_config_value(api, key, scope, key.data_type())
        .map_err(|detail| Error::UnexpectedConfigValue { key, detail })?;
    let source = match found {
        Found::Explicit => ConfigSource::Explicit,
        Found::Inherited => ConfigSource::Inherited,
        Found::BadValue => return Err(unsupported(key)),
        // The library says this for a value of another scope and for a stale handle alike.
        Found::BadScopeObject => {
            return Err(match utils::config_key_is_global(api, key) {
                None => unsupported(key),
                Some(true) if scope != Scope::Global => {
                    Error::WrongScope { key, used: describe(scope) }
                }
                Some(_) => Error::InvalidHandle { function: "GetConfigValue" },
            });
        }
    };
    let raw = raw.ok_or_else(|| Error::UnexpectedConfigValue {
        key,
        detail: "the library returned no value".into(),
    })?;
    Ok((decode(key, raw)?, source))
}

/// Explains why `SetConfigValue` returned false, which it does for every kind of refusal.
fn refusal(api: Api, scope: Scope, key: ConfigKey) -> Error {
    const FUNCTION: &str = "SetConfigValue";
    match utils::config_key_is_global(api, key) {
        None => unsupported(key),
        Some(true) if scope != Scope::Global => Error::WrongScope { key, used: describe(scope) },
        Some(_) if utils::config_object_is_gone(api, key, scope) => {
            Error::InvalidHandle { function: FUNCTION }
        }
        // Known value, right scope, live object: the library refused the value itself (for
        // example one a connection has locked).
        Some(_) => Error::Failed { function: FUNCTION },
    }
}

fn unsupported(key: ConfigKey) -> Error {
    Error::unsupported(utils::config_key_name(key))
}
