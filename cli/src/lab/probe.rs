//! Real connections between the lab's hosts, from one thread: listeners in every destination's
//! namespace, clients made in each source's namespace, all driven by one `poll` loop with a
//! bounded number of probes in flight and a deadline each.
//!
//! A TCP probe passes when the handshake completes (the SYN crossed the router and the SYN-ACK
//! came back as part of an accepted connection); a UDP probe when the listener's echo of its
//! datagram comes back. Silence until the deadline is a drop. A reset or an ICMP error is
//! neither, and is reported as such.

use std::collections::BTreeMap;
use std::io::{self, ErrorKind, Read};
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use netpol::Protocol;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use socket2::{Domain, Socket, Type};

use super::topology::Topology;

/// One connection to try: from `src`'s address to `dst`'s, on a port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Probe {
    /// Source host (index into the topology's hosts) and address.
    pub src: (usize, IpAddr),
    /// Destination host and address.
    pub dst: (usize, IpAddr),
    /// Port and protocol.
    pub port: u16,
    /// Protocol: TCP or UDP (SCTP sockets may be missing from the kernel; see `sctp_available`).
    pub protocol: Protocol,
}

/// What a probe saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// The connection was made (TCP) or the echo came back (UDP).
    Passed,
    /// Nothing came back before the deadline: dropped.
    Dropped,
    /// Something else: a reset, an ICMP error, a socket error.
    Failed(String),
}

/// Listeners and what the loop needs of them.
enum Listener {
    Stream(TcpListener),
    Datagram(UdpSocket),
}

/// A probe in flight.
struct Flight {
    probe: usize,
    socket: Socket,
    started: Instant,
    deadline: Instant,
}

/// Probes started between two polls.
const START_BATCH: usize = 32;

/// Whether this kernel makes SCTP sockets.
pub fn sctp_available() -> bool {
    Socket::new(Domain::IPV4, Type::STREAM, Some(socket2::Protocol::from(libc_sctp()))).is_ok()
}

/// IPPROTO_SCTP.
const fn libc_sctp() -> i32 {
    132
}

fn socket_protocol(protocol: Protocol) -> (Type, socket2::Protocol) {
    match protocol {
        Protocol::Tcp => (Type::STREAM, socket2::Protocol::TCP),
        Protocol::Udp => (Type::DGRAM, socket2::Protocol::UDP),
        _ => (Type::STREAM, socket2::Protocol::from(libc_sctp())),
    }
}

/// Runs `probes` with at most `window` in flight, each given `timeout`; `seen[i]` is what
/// `probes[i]` saw, and `took[i]` how long it took to see it (from the first packet's send).
pub fn run(
    topology: &Topology,
    probes: &[Probe],
    window: usize,
    timeout: Duration,
) -> io::Result<(Vec<Seen>, Vec<Duration>)> {
    raise_file_limit(window);
    // One listener per destination address, port and protocol, made in its host's namespace.
    let mut listeners: BTreeMap<(usize, IpAddr, u16, Protocol), Listener> = BTreeMap::new();
    for p in probes {
        let key = (p.dst.0, p.dst.1, p.port, p.protocol);
        if listeners.contains_key(&key) {
            continue;
        }
        let listener = topology.within(p.dst.0, || listen(p.dst.1, p.port, p.protocol))?;
        listeners.insert(key, listener);
    }
    let listeners: Vec<Listener> = listeners.into_values().collect();

    let mut seen: Vec<Option<Seen>> = vec![None; probes.len()];
    let mut took: Vec<Duration> = vec![Duration::ZERO; probes.len()];
    let mut flights: Vec<Flight> = Vec::with_capacity(window);
    let mut next = 0;
    let mut buffer = [0u8; 64];
    while next < probes.len() || !flights.is_empty() {
        // Start a few at a time, then poll: a probe's time then counts from its own start, not
        // from the start of a whole window, and listeners are served in between.
        let mut started_now = 0;
        while flights.len() < window && next < probes.len() && started_now < START_BATCH {
            started_now += 1;
            let probe = &probes[next];
            match topology.within(probe.src.0, || start(probe, next)) {
                Ok(socket) => {
                    let started = Instant::now();
                    flights.push(Flight { probe: next, socket, started, deadline: started + timeout })
                }
                // A packet filter on the source's own output hook (self traffic evaluated)
                // drops a locally sent packet by failing the send with EPERM: a drop.
                Err(e) if e.raw_os_error() == Some(nix::libc::EPERM) => seen[next] = Some(Seen::Dropped),
                Err(e) => seen[next] = Some(Seen::Failed(format!("cannot start: {e}"))),
            }
            next += 1;
        }
        let earliest = flights.iter().map(|f| f.deadline).min();
        let wait = earliest.map_or(Duration::from_millis(50), |d| d.saturating_duration_since(Instant::now()));
        let more = flights.len() < window && next < probes.len();
        let wait = if more { Duration::ZERO } else { wait.min(Duration::from_millis(100)) };
        let wait = PollTimeout::try_from(wait).unwrap_or(PollTimeout::ZERO);
        let (listener_ready, flight_ready) = {
            let mut fds: Vec<PollFd<'_>> = listeners
                .iter()
                .map(|l| match l {
                    Listener::Stream(s) => PollFd::new(s.as_fd(), PollFlags::POLLIN),
                    Listener::Datagram(s) => PollFd::new(s.as_fd(), PollFlags::POLLIN),
                })
                .collect();
            fds.extend(flights.iter().map(|f| {
                let wanted =
                    if probes[f.probe].protocol == Protocol::Udp { PollFlags::POLLIN } else { PollFlags::POLLOUT };
                PollFd::new(f.socket.as_fd(), wanted)
            }));
            match poll(&mut fds, wait) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
            let ready: Vec<bool> = fds.iter().map(|fd| fd.revents().is_some_and(|r| !r.is_empty())).collect();
            let (l, f) = ready.split_at(listeners.len());
            (l.to_vec(), f.to_vec())
        };
        for (listener, _) in listeners.iter().zip(&listener_ready).filter(|(_, &ready)| ready) {
            serve(listener, &mut buffer);
        }
        let now = Instant::now();
        let mut index = 0;
        flights.retain(|flight| {
            let ready = flight_ready[index];
            index += 1;
            let outcome = if ready {
                finish(&flight.socket, probes[flight.probe].protocol, flight.probe)
            } else if now >= flight.deadline {
                Some(Seen::Dropped)
            } else {
                None
            };
            match outcome {
                Some(outcome) => {
                    seen[flight.probe] = Some(outcome);
                    took[flight.probe] = now - flight.started;
                    false
                }
                None => true,
            }
        });
    }
    Ok((seen.into_iter().map(|s| s.unwrap_or(Seen::Failed("never ran".into()))).collect(), took))
}

/// A listener on `ip`:`port`, non-blocking.
fn listen(ip: IpAddr, port: u16, protocol: Protocol) -> io::Result<Listener> {
    let address = SocketAddr::new(ip, port);
    let (kind, proto) = socket_protocol(protocol);
    let socket = Socket::new(Domain::for_address(address), kind, Some(proto))?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    if protocol == Protocol::Udp {
        return Ok(Listener::Datagram(socket.into()));
    }
    socket.listen(4096)?;
    Ok(Listener::Stream(socket.into()))
}

/// Accepts and closes every waiting connection, or echoes every waiting datagram.
fn serve(listener: &Listener, buffer: &mut [u8]) {
    match listener {
        Listener::Stream(l) => while l.accept().is_ok() {},
        Listener::Datagram(s) => {
            while let Ok((n, from)) = s.recv_from(buffer) {
                let _ = s.send_to(&buffer[..n], from);
            }
        }
    }
}

/// Starts probe `probe` (number `index`): a socket bound to the source address, connecting.
fn start(probe: &Probe, index: usize) -> io::Result<Socket> {
    let (kind, proto) = socket_protocol(probe.protocol);
    let src = SocketAddr::new(probe.src.1, 0);
    let dst = SocketAddr::new(probe.dst.1, probe.port);
    let socket = Socket::new(Domain::for_address(dst), kind, Some(proto))?;
    socket.set_nonblocking(true)?;
    socket.bind(&src.into())?;
    match socket.connect(&dst.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(nix::libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    if probe.protocol == Protocol::Udp {
        socket.send(&(index as u64).to_le_bytes())?;
    }
    Ok(socket)
}

/// What a ready probe saw, or `None` to keep waiting (a stray datagram).
fn finish(socket: &Socket, protocol: Protocol, index: usize) -> Option<Seen> {
    if let Ok(Some(error)) = socket.take_error() {
        if error.raw_os_error() == Some(nix::libc::EPERM) {
            return Some(Seen::Dropped); // The output hook dropped it (see `run`).
        }
        return Some(Seen::Failed(describe(&error)));
    }
    if protocol != Protocol::Udp {
        // Writable without an error: the handshake completed.
        return Some(Seen::Passed);
    }
    let mut reply = [0u8; 16];
    match (&*socket).read(&mut reply) {
        Ok(8) => (reply[..8] == (index as u64).to_le_bytes()).then_some(Seen::Passed),
        Ok(_) => None,
        Err(e) if e.kind() == ErrorKind::WouldBlock => None,
        Err(e) => Some(Seen::Failed(describe(&e))),
    }
}

/// A short description of a socket error: "connection refused (a reset)", "host unreachable".
fn describe(error: &io::Error) -> String {
    match error.kind() {
        ErrorKind::ConnectionRefused => "refused (a reset or an ICMP port unreachable)".to_owned(),
        _ => error.to_string(),
    }
}

/// Raises the open-files limit to what `window` probes plus listeners need, up to the hard limit.
fn raise_file_limit(window: usize) {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let wanted = (window as u64 + 8192).min(hard);
        if wanted > soft {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, wanted, hard);
        }
    }
}
