//! Creation options: the configuration values given to the call that creates a listen socket
//! or connection.

use super::codec::{RawValue, Refusal};
use super::{ConfigKey, ConfigValue};
use crate::error::{Error, Result};
use crate::raw::callbacks;
use crate::raw::utils::RawOptions;

/// Converts options for a creation call, adding the connection-status handler every object
/// this crate creates carries (see `raw/callbacks.rs`).
///
/// Global values are refused here: the library would fail the whole creation with no reason.
pub(crate) fn creation_options(options: &[ConfigValue]) -> Result<RawOptions> {
    let values = options
        .iter()
        .map(|option| {
            let key = option.key();
            check_writable(key)?;
            // Creation options apply to the new listen socket or connection, never globally.
            if key.is_global_only() {
                return Err(Error::WrongScope { key, used: "as a creation option" });
            }
            Ok((key, encode(option)?))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RawOptions::new(values, callbacks::connection_status_callback()))
}

/// Converts `value` for the library, or says why not, naming its key.
pub(crate) fn encode(value: &ConfigValue) -> Result<RawValue> {
    let key = value.key();
    value.to_raw_value().map_err(|refusal| match refusal {
        Refusal::OutOfRange(detail) => Error::OutOfRange { what: key.name(), detail },
        Refusal::InteriorNul(position) => Error::InteriorNul { what: key.name(), position },
    })
}

/// Refuses the read-only values.
pub(crate) fn check_writable(key: ConfigKey) -> Result<()> {
    if key == ConfigKey::MtuDataSize {
        return Err(Error::ReadOnly { key, hint: "set MtuPacketSize instead" });
    }
    Ok(())
}
