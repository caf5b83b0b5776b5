//! IP addresses: [`NetworkAddress`], the safe form of the library's `SteamNetworkingIPAddr`, its
//! text form, and conversion from and to `std::net`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::str::FromStr;

use crate::error::{Error, Result};

/// An IP address and port: the safe form of the library's `SteamNetworkingIPAddr`.
///
/// Like the library, it holds every address as IPv6, with IPv4 as the mapped address
/// `::ffff:a.b.c.d`. So `1.2.3.4` and `::ffff:1.2.3.4` are the same `NetworkAddress`, and
/// [`ip`](Self::ip) returns IPv4 for both. Converting from a [`SocketAddrV6`] drops its flow
/// info and scope id, which the library has no room for.
///
/// # Text form
/// `Display` writes what the library's `SteamNetworkingIPAddr::ToString` writes with the port:
/// `1.2.3.4:27015` for IPv4, and bracketed IPv6, `[2001:db8::1]:27015`, in lowercase hex with
/// the leftmost longest run of two or more zero groups written as `::` (RFC 5952). The port is
/// always written, even when it is 0.
///
/// `FromStr` reads that form, and, like the library's `ParseString`, an address without a
/// port, which means port 0: `1.2.3.4`, `2001:db8::1` or `[2001:db8::1]`. It is stricter than
/// the library, whose parser is built on `sscanf`: it refuses leading or trailing whitespace,
/// signs, leading zeros in IPv4 octets, text after the port (`1.2.3.4:80xyz`), scope ids
/// (`fe80::1%2`), other port separators (`::1 port 80`, `[::1]#80`) and unbracketed IPv6 with
/// a port. Checked against GameNetworkingSockets: every string it accepts, the library reads
/// as the same address, and it reads every string the library writes.
///
/// ```
/// use steam_sockets::NetworkAddress;
///
/// let server: NetworkAddress = "[2001:0db8:0:0:0:0:0:0001]:27015".parse()?;
/// assert_eq!(server.to_string(), "[2001:db8::1]:27015");
/// let lan: NetworkAddress = "192.168.1.20".parse()?;
/// assert_eq!(lan.to_string(), "192.168.1.20:0");
/// assert_eq!(std::net::SocketAddr::from(lan), "192.168.1.20:0".parse().unwrap());
/// # Ok::<(), steam_sockets::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetworkAddress {
    /// The address in the library's form: IPv4 as mapped IPv6, so that equality and hashing
    /// agree with the library's byte comparison.
    ip: Ipv6Addr,
    port: u16,
}

impl NetworkAddress {
    /// An address from its IP and port.
    pub const fn new(ip: IpAddr, port: u16) -> NetworkAddress {
        let ip = match ip {
            IpAddr::V4(v4) => v4.to_ipv6_mapped(),
            IpAddr::V6(v6) => v6,
        };
        NetworkAddress { ip, port }
    }

    /// The IP address; IPv4 (including IPv4-mapped IPv6) comes back as [`IpAddr::V4`].
    pub const fn ip(&self) -> IpAddr {
        match self.ip.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(self.ip),
        }
    }

    /// The IPv4 address, if this is one.
    pub const fn ipv4(&self) -> Option<Ipv4Addr> {
        self.ip.to_ipv4_mapped()
    }

    /// The port.
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// Whether the IP is `::1` or `127.0.0.1`, as the library's `IsLocalHost` decides (exactly
    /// those two: not the rest of `127.0.0.0/8`). Any port.
    pub fn is_localhost(&self) -> bool {
        self.ip == Ipv6Addr::LOCALHOST || self.ipv4() == Some(Ipv4Addr::LOCALHOST)
    }

    /// The IP as the library stores it: 16 bytes, IPv4 mapped.
    pub(crate) fn octets(&self) -> [u8; 16] {
        self.ip.octets()
    }

    /// An address from the library's 16 bytes and port (every bit pattern is an address).
    pub(crate) fn from_octets(octets: [u8; 16], port: u16) -> NetworkAddress {
        NetworkAddress { ip: Ipv6Addr::from(octets), port }
    }

    /// Writes the address as the library's `ToString` does: with `with_port`, IPv4 as
    /// `a.b.c.d:port` and IPv6 as `[ip]:port`; without, the bare IP. Identities use the
    /// second form for port 0.
    pub(crate) fn write_text(&self, out: &mut fmt::Formatter<'_>, with_port: bool) -> fmt::Result {
        match (self.ipv4(), with_port) {
            (Some(v4), with_port) => {
                let [a, b, c, d] = v4.octets();
                write!(out, "{a}.{b}.{c}.{d}")?;
                if with_port { write!(out, ":{}", self.port) } else { Ok(()) }
            }
            (None, true) => {
                out.write_str("[")?;
                write_ipv6(out, self.ip)?;
                write!(out, "]:{}", self.port)
            }
            (None, false) => write_ipv6(out, self.ip),
        }
    }
}

/// IPv6 text exactly as the library writes it (`IPv6IPToString`): lowercase hex groups without
/// leading zeros; the longest run of at least two zero groups, the leftmost of equal runs,
/// becomes `::`; never dotted IPv4. Written here rather than left to `Ipv6Addr`'s `Display`,
/// whose choices std does not promise to keep.
fn write_ipv6(out: &mut fmt::Formatter<'_>, ip: Ipv6Addr) -> fmt::Result {
    let groups = ip.segments();
    // (start, length) of the run to compress; a single zero group is never compressed.
    let mut compressed: Option<(usize, usize)> = None;
    let mut run_length = 0;
    for (index, &group) in groups.iter().enumerate() {
        if group != 0 {
            run_length = 0;
            continue;
        }
        run_length += 1;
        let longest_so_far = compressed.map_or(1, |(_, length)| length);
        if run_length > longest_so_far {
            compressed = Some((index + 1 - run_length, run_length));
        }
    }
    let mut index = 0;
    let mut needs_separator = false;
    while index < groups.len() {
        match compressed {
            Some((start, length)) if start == index => {
                out.write_str("::")?;
                needs_separator = false;
                index += length;
            }
            _ => {
                if needs_separator {
                    out.write_str(":")?;
                }
                write!(out, "{:x}", groups[index])?;
                needs_separator = true;
                index += 1;
            }
        }
    }
    Ok(())
}

impl fmt::Display for NetworkAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_text(f, true)
    }
}

/// The text form, as for `SocketAddr`.
impl fmt::Debug for NetworkAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for NetworkAddress {
    type Err = Error;

    /// Parses the text form described on [`NetworkAddress`].
    ///
    /// # Errors
    /// [`Error::AddrParse`] if `text` is not an IP address with an optional port in that form.
    fn from_str(text: &str) -> Result<NetworkAddress> {
        parse_address(text).ok_or_else(|| Error::AddrParse { input: text.to_owned() })
    }
}

fn parse_address(text: &str) -> Option<NetworkAddress> {
    if let Some(bracketed) = text.strip_prefix('[') {
        let (ip, after) = bracketed.split_once(']')?;
        let port = match after {
            "" => 0,
            _ => parse_port(after.strip_prefix(':')?)?,
        };
        return Some(NetworkAddress::new(IpAddr::V6(ip.parse().ok()?), port));
    }
    // A bare IPv6 address has no port: a trailing `:digits` would be read as one more group.
    if let Ok(v6) = text.parse::<Ipv6Addr>() {
        return Some(NetworkAddress::new(IpAddr::V6(v6), 0));
    }
    let (ip, port) = match text.split_once(':') {
        Some((ip, port)) => (ip, parse_port(port)?),
        None => (text, 0),
    };
    // std refuses leading zeros in octets, which some parsers read as octal.
    Some(NetworkAddress::new(IpAddr::V4(ip.parse().ok()?), port))
}

/// Decimal digits only (`u16::from_str` would also take a `+`), at most 65535.
fn parse_port(text: &str) -> Option<u16> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl From<SocketAddr> for NetworkAddress {
    /// Drops a [`SocketAddrV6`]'s flow info and scope id.
    fn from(addr: SocketAddr) -> NetworkAddress {
        NetworkAddress::new(addr.ip(), addr.port())
    }
}

impl From<NetworkAddress> for SocketAddr {
    /// IPv4 (held as mapped IPv6) comes back as [`SocketAddr::V4`].
    fn from(addr: NetworkAddress) -> SocketAddr {
        SocketAddr::new(addr.ip(), addr.port)
    }
}

/// Anything that names one IP address and port: a [`SocketAddr`] (or its V4/V6 forms), a
/// [`NetworkAddress`], an `(IpAddr, u16)` pair, or a string such as `"127.0.0.1:27015"` or
/// `"[::1]:27015"`.
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
impl IntoSocketAddr for NetworkAddress {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::convert::{
        address_from_raw as from_raw, address_from_raw_nonzero as from_raw_nonzero,
        address_to_raw as to_raw,
    };
    use std::collections::HashSet;
    use steam_sockets_sys as sys;

    fn addr(text: &str) -> NetworkAddress {
        text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

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

    #[test]
    fn ipv4_is_held_as_mapped_ipv6_and_comes_back_as_ipv4() {
        let v4 = NetworkAddress::new(Ipv4Addr::new(10, 0, 0, 1).into(), 7);
        let mapped = NetworkAddress::new(Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped().into(), 7);
        assert_eq!(v4, mapped);
        assert_eq!(HashSet::from([v4, mapped]).len(), 1);
        assert_eq!(v4.ip(), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(v4.ipv4(), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(SocketAddr::from(mapped), "10.0.0.1:7".parse::<SocketAddr>().unwrap());
        assert_eq!(to_raw(v4.into()).m_ipv6, Ipv4Addr::new(10, 0, 0, 1).to_ipv6_mapped().octets());

        let v6 = NetworkAddress::from("[2001:db8::1]:9".parse::<SocketAddr>().unwrap());
        assert_eq!(v6.ipv4(), None);
        assert_eq!(v6.port(), 9);
        assert_eq!(NetworkAddress::from(from_raw(&to_raw(v6.into()))), v6);
        // IPv4-compatible (::a.b.c.d) is not IPv4 for the library either.
        assert_eq!(addr("::1.2.3.4").ipv4(), None);
    }

    #[test]
    fn socket_addr_v6_loses_only_flow_info_and_scope_id() {
        let scoped = SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 5, 3);
        let back = SocketAddr::from(NetworkAddress::from(SocketAddr::V6(scoped)));
        assert_eq!(back, SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, 0)));
    }

    #[test]
    fn network_address_is_an_into_socket_addr() {
        let a = addr("[::1]:27015");
        assert_eq!(a.into_socket_addr(), Ok("[::1]:27015".parse().unwrap()));
        assert_eq!(addr("1.2.3.4:5").into_socket_addr(), Ok("1.2.3.4:5".parse().unwrap()));
    }

    #[test]
    fn localhost_is_exactly_the_two_loopback_addresses() {
        assert!(addr("[::1]:80").is_localhost());
        assert!(addr("127.0.0.1").is_localhost());
        assert!(!addr("127.0.0.2").is_localhost());
        assert!(!addr("::2").is_localhost());
        assert!(!addr("::").is_localhost());
    }

    #[test]
    fn display_matches_the_library_format() {
        let cases = [
            ("1.2.3.4", "1.2.3.4:0"),
            ("255.255.255.255:65535", "255.255.255.255:65535"),
            ("0.0.0.0:1", "0.0.0.0:1"),
            ("::", "[::]:0"),
            ("::1", "[::1]:0"),
            ("[2001:0DB8:0000:0000:0000:0000:0000:0001]:27015", "[2001:db8::1]:27015"),
            // Equal runs: the leftmost is compressed. A lone zero group never is.
            ("[1:0:0:2:0:0:3:4]:1", "[1::2:0:0:3:4]:1"),
            ("[1:0:0:2:0:0:0:4]:1", "[1:0:0:2::4]:1"),
            ("[1:0:2:3:4:5:6:7]:1", "[1:0:2:3:4:5:6:7]:1"),
            ("[0:0:1:2:3:4:5:6]:1", "[::1:2:3:4:5:6]:1"),
            ("[1:2:3:4:5:6:0:0]:1", "[1:2:3:4:5:6::]:1"),
            ("[ffff:fff:ff:f:1:10:100:1000]:2", "[ffff:fff:ff:f:1:10:100:1000]:2"),
            // Mapped IPv4 is IPv4; other embedded IPv4 forms are written in hex.
            ("[::ffff:1.2.3.4]:5", "1.2.3.4:5"),
            ("::1.2.3.4", "[::102:304]:0"),
            ("64:ff9b::192.0.2.33", "[64:ff9b::c000:221]:0"),
        ];
        for (input, expected) in cases {
            assert_eq!(addr(input).to_string(), expected, "{input}");
            assert_eq!(format!("{:?}", addr(input)), expected, "Debug of {input}");
        }
    }

    #[test]
    fn the_port_is_optional_when_parsing() {
        assert_eq!(addr("10.1.2.3"), addr("10.1.2.3:0"));
        assert_eq!(addr("2001:db8::5"), addr("[2001:db8::5]:0"));
        assert_eq!(addr("[2001:db8::5]"), addr("[2001:db8::5]:0"));
        assert_eq!(addr("1:2:3:4:5:6:7:8"), addr("[1:2:3:4:5:6:7:8]:0"));
        assert_eq!(addr("1.2.3.4:00080").port(), 80);
    }

    #[test]
    fn what_the_library_would_guess_at_is_refused() {
        for bad in [
            "",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1.2.3.4:",
            "1.2.3.4:+80",
            "1.2.3.4:-1",
            "1.2.3.4:65536",
            "1.2.3.4:80xyz",
            "1.2.3.4.5",
            "01.2.3.4",
            "256.1.1.1",
            "1.2.3",
            "+1.2.3.4",
            "[1.2.3.4]:80",
            "[::1]:",
            "[::1]80",
            "[::1",
            "::1]",
            "[[::1]]",
            "[::1]:80:80",
            "::1:80:",
            "1:2:3:4:5:6:7:8:9",
            "fe80::1%2",
            "[fe80::1%2]:80",
            "::1 port 80",
            "[::1]#80",
            "[::1].80",
            "::1p80",
            "[ ::1 ]:80",
            "1.2.3.4\0",
            "localhost:80",
            "１.２.３.４",
        ] {
            assert_eq!(
                bad.parse::<NetworkAddress>(),
                Err(Error::AddrParse { input: bad.into() }),
                "{bad:?}"
            );
        }
    }
}

/// A deterministic generator of hostile text for the parser tests of this module and of
/// `identity`: random strings, and valid ones mutated. No dependency, no randomness between
/// runs, so a failure always reproduces.
#[cfg(test)]
pub(crate) mod hostile_text {
    /// xorshift64*: small, fast, and good enough to spread mutations around.
    pub(crate) struct Rng(u64);

    impl Rng {
        pub(crate) fn new(seed: u64) -> Rng {
            Rng(seed | 1)
        }

        pub(crate) fn next_u64(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        /// Uniform-enough in `0..n`; `n` must not be 0.
        pub(crate) fn below(&mut self, n: usize) -> usize {
            (self.next_u64() % n as u64) as usize
        }

        pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    /// Valid and nearly valid text of every kind: identities and addresses.
    const SEEDS: &[&str] = &[
        "invalid",
        "steamid:76561197960287930",
        "steamid:90071996842377216",
        "steamid:0",
        "steamid:18446744073709551615",
        "psn:0",
        "psn:18446744073709551615",
        "ip:1.2.3.4",
        "ip:1.2.3.4:27015",
        "ip:::1",
        "ip:[::1]:80",
        "ip:2001:db8::1",
        "ip:[2001:db8::1]:65535",
        "ip:::ffff:10.0.0.1",
        "ip:127.0.0.1:0",
        "str:",
        "str:hello world",
        "str:0123456789012345678901234567890",
        "str:héllo wörld ☃",
        "gen:00",
        "gen:00ff10ab",
        "gen:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "gen:FFfe",
        "xboxpwid:x",
        "xboxpwid:01234567890123456789012345678901",
        "bad_type:7",
        "future_kind:anything: goes",
        "a:",
        "abcdefghijklmnop:x",
        "1.2.3.4",
        "1.2.3.4:0",
        "255.255.255.255:65535",
        "0.0.0.0",
        "::",
        "[::]",
        "[::]:0",
        "::1",
        "[::1]:27015",
        "fe80::1%2",
        "[fe80::1%2]:80",
        "1:2:3:4:5:6:7:8",
        "[1:2:3:4:5:6:7:8]:9",
        "1:2:3:4:5:6:7:8:9",
        "::ffff:1.2.3.4",
        "[::ffff:1.2.3.4]:5",
        "64:ff9b::192.0.2.33",
        "1::2:3:4:5:6:7",
        "::1 port 80",
        "[::1]#80",
        "[::1].80",
        "::1p80",
        "01.2.3.4",
        "1.2.3.4:80xyz",
        " 1.2.3.4",
        "1.2.3.4.5",
    ];

    /// Pieces that parsers trip over: prefixes, separators, numbers just past their limits.
    const FRAGMENTS: &[&str] = &[
        "steamid:",
        "psn:",
        "ip:",
        "str:",
        "gen:",
        "xboxpwid:",
        "invalid",
        "bad_type:",
        "[",
        "]",
        "::",
        ":::",
        "]:",
        "%",
        "%4294967296",
        ".",
        "..",
        "::ffff:",
        "255",
        "256",
        "65535",
        "65536",
        "4294967295",
        "99999999999999999999999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "-1",
        "+1",
        "0x",
        "ffff",
        "fffff",
        " port ",
        "\0",
        "\u{feff}",
        "é",
        "\u{10ffff}",
        "\u{fffd}",
    ];

    /// Single characters, heavy on the ones that mean something to the parsers.
    const ALPHABET: &[char] = &[
        '0',
        '1',
        '2',
        '5',
        '9',
        'a',
        'f',
        'g',
        'x',
        'z',
        'A',
        'F',
        ':',
        ':',
        '.',
        '.',
        '[',
        ']',
        '%',
        '#',
        'p',
        'P',
        ' ',
        '\t',
        '\n',
        '\0',
        '-',
        '+',
        '_',
        '/',
        '\\',
        '"',
        '\u{1}',
        '\u{7f}',
        '\u{80}',
        'é',
        'ÿ',
        '\u{fffd}',
        '\u{10ffff}',
        '😀',
        '１',
    ];

    fn random_text(rng: &mut Rng, max_len: usize) -> Vec<char> {
        let len = rng.below(max_len + 1);
        (0..len).map(|_| *rng.pick(ALPHABET)).collect()
    }

    fn mutate(rng: &mut Rng, text: &mut Vec<char>) {
        let at = |rng: &mut Rng, text: &Vec<char>| rng.below(text.len() + 1);
        match rng.below(9) {
            0 => {
                let i = at(rng, text);
                text.insert(i, *rng.pick(ALPHABET));
            }
            1 if !text.is_empty() => {
                let i = rng.below(text.len());
                text.remove(i);
            }
            2 if !text.is_empty() => {
                let i = rng.below(text.len());
                text[i] = *rng.pick(ALPHABET);
            }
            3 => {
                let i = at(rng, text);
                let fragment: Vec<char> = rng.pick(FRAGMENTS).chars().collect();
                text.splice(i..i, fragment);
            }
            4 => {
                let i = at(rng, text);
                text.truncate(i);
            }
            5 if !text.is_empty() => {
                // Repeat a slice: long inputs, repeated separators.
                let start = rng.below(text.len());
                let end = start + 1 + rng.below(text.len() - start);
                let max_copies = if rng.below(20) == 0 { 100 } else { 3 };
                let copies = 1 + rng.below(max_copies);
                let slice: Vec<char> = text[start..end].to_vec();
                for _ in 0..copies {
                    text.splice(end..end, slice.iter().copied());
                }
            }
            6 if text.len() >= 2 => {
                let (i, j) = (rng.below(text.len()), rng.below(text.len()));
                text.swap(i, j);
            }
            7 => {
                // Another kind's prefix in front of this kind's data.
                let data_start = text.iter().position(|&c| c == ':').map_or(0, |i| i + 1);
                let prefix: Vec<char> = rng.pick(FRAGMENTS).chars().collect();
                text.splice(..data_start, prefix);
            }
            _ => {
                let garbage = random_text(rng, 8);
                text.extend(garbage);
            }
        }
    }

    /// `count` strings from `seed`: a fifth random characters, a fifth a fragment followed by
    /// garbage, the rest mutated seeds (plus `extra_seeds`, such as text the library wrote).
    pub(crate) fn corpus(seed: u64, count: usize, extra_seeds: &[String]) -> Vec<String> {
        let mut rng = Rng::new(seed);
        let mut seeds: Vec<&str> = SEEDS.to_vec();
        seeds.extend(extra_seeds.iter().map(String::as_str));
        (0..count)
            .map(|_| {
                let text: Vec<char> = match rng.below(5) {
                    0 => random_text(&mut rng, 48),
                    1 => {
                        let mut text: Vec<char> = rng.pick(FRAGMENTS).chars().collect();
                        text.extend(random_text(&mut rng, 40));
                        text
                    }
                    _ => {
                        let mut text: Vec<char> = rng.pick(&seeds).chars().collect();
                        for _ in 0..1 + rng.below(4) {
                            mutate(&mut rng, &mut text);
                        }
                        text
                    }
                };
                text.into_iter().collect()
            })
            .collect()
    }

    /// Runs `f` on `input`; if it panics, fails with the input that made it panic.
    pub(crate) fn without_panic<T>(input: &str, f: impl FnOnce() -> T) -> T {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .unwrap_or_else(|_| panic!("parsing {input:?} panicked"))
    }
}

/// Checks against GameNetworkingSockets' own `ToString` and `ParseString`.
#[cfg(all(test, feature = "gns"))]
pub(crate) mod library_cross_check {
    use super::hostile_text::{self, Rng};
    use super::*;
    use crate::raw::convert::address_to_raw;
    use std::ffi::{CString, c_char};
    use steam_sockets_sys as sys;

    fn library_text(addr: NetworkAddress, with_port: bool) -> String {
        let raw = address_to_raw(addr.into());
        let mut buf: [c_char; sys::k_cchSteamNetworkingIPAddrMaxString] =
            [0; sys::k_cchSteamNetworkingIPAddrMaxString];
        // SAFETY: `raw` is a valid address and `buf` is writable for `buf.len()` bytes, which
        // the library does not exceed (it truncates and NUL-terminates within `cbBuf`).
        unsafe {
            sys::SteamAPI_SteamNetworkingIPAddr_ToString(
                &raw,
                buf.as_mut_ptr(),
                buf.len(),
                with_port,
            );
        }
        crate::raw::ffi::string_from_buf(&buf)
    }

    fn library_parse(text: &str) -> Option<NetworkAddress> {
        let text = CString::new(text).ok()?;
        let mut raw = sys::SteamNetworkingIPAddr::default();
        // SAFETY: `raw` is writable; `text` is NUL-terminated and outlives the call.
        let ok =
            unsafe { sys::SteamAPI_SteamNetworkingIPAddr_ParseString(&mut raw, text.as_ptr()) };
        ok.then(|| NetworkAddress::from(crate::raw::convert::address_from_raw(&raw)))
    }

    /// Edge cases, then random addresses whose groups are often zero (to exercise `::`),
    /// often small (leading-zero omission), and often IPv4.
    pub(crate) fn sample_addresses() -> Vec<NetworkAddress> {
        let mut addrs: Vec<NetworkAddress> = [
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "127.0.0.1:1",
            "[::]:0",
            "[::1]:0",
            "[::1]:65535",
            "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
            "[1:0:0:2:0:0:3:4]:1",
            "[::1.2.3.4]:2",
            "[::ffff:0:0]:3",
        ]
        .iter()
        .map(|text| text.parse().unwrap())
        .collect();
        let mut rng = Rng::new(0x5eed_add7);
        for _ in 0..20_000 {
            let port = match rng.below(4) {
                0 => 0,
                1 => u16::MAX,
                _ => rng.next_u64() as u16,
            };
            let ip = if rng.below(3) == 0 {
                IpAddr::V4(Ipv4Addr::from(rng.next_u64() as u32))
            } else {
                let mut groups = [0u16; 8];
                for group in &mut groups {
                    *group = match rng.below(4) {
                        0 | 1 => 0,
                        2 => (rng.next_u64() % 0x100) as u16,
                        _ => rng.next_u64() as u16,
                    };
                }
                IpAddr::V6(Ipv6Addr::from(groups))
            };
            addrs.push(NetworkAddress::new(ip, port));
        }
        addrs
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn display_is_the_library_to_string() {
        for addr in sample_addresses() {
            assert_eq!(addr.to_string(), library_text(addr, true), "{addr:?}");
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn the_library_parses_our_text_into_the_same_address() {
        for addr in sample_addresses() {
            assert_eq!(library_parse(&addr.to_string()), Some(addr), "{addr}");
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn we_parse_the_library_text_with_and_without_port() {
        for addr in sample_addresses() {
            assert_eq!(library_text(addr, true).parse(), Ok(addr));
            let without_port = NetworkAddress::new(addr.ip(), 0);
            assert_eq!(library_text(addr, false).parse(), Ok(without_port));
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "calls the C library")]
    fn on_hostile_text_we_accept_only_what_the_library_reads_the_same_way() {
        let extra: Vec<String> = sample_addresses()[..200].iter().map(|a| a.to_string()).collect();
        let mut accepted_by_both = 0;
        for text in hostile_text::corpus(0xadd7, 100_000, &extra) {
            let ours = hostile_text::without_panic(&text, || text.parse::<NetworkAddress>());
            let library = library_parse(&text);
            if let Ok(addr) = ours {
                assert_eq!(library, Some(addr), "we read {text:?} as {addr}");
                accepted_by_both += 1;
            }
            if let Some(addr) = library {
                assert_eq!(library_text(addr, true).parse(), Ok(addr), "from {text:?}");
            }
        }
        assert!(accepted_by_both > 1_000, "the corpus barely reaches valid text");
    }
}
