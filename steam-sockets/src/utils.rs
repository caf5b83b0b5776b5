//! `ISteamNetworkingUtils`: clocks, relay network, ping locations, data centers, debug output.
