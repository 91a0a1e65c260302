//! Real-peer test: FRR's `ldpd` (Debian package `frr`) as an LDP peer without ICCP.
//!
//! Two network namespaces joined by a veth pair; FRR's zebra and ldpd run in one, this test
//! (re-executed inside the other with `ip netns exec`) speaks LDP with this crate's codec: a
//! link Hello, the TCP session (we are the active side: higher transport address), an
//! Initialization message carrying the ICCP Capability TLV, KeepAlives, then RG Connect and
//! RG Application Data.
//!
//! What RFC 5036/5561/7275 prescribe for a peer without ICCP, and what is checked:
//! * the ICCP Capability TLV has U = 1, so the peer ignores it and the session comes up
//!   (RFC 5561 §3, RFC 5036 §3.3);
//! * ICC messages are sent with U = 0, so the peer answers each with a Notification "Unknown
//!   Message Type" (status 0x00000004, an advisory notification: E = 0) naming our message ID
//!   and type, and keeps the session (RFC 5036 §3.5.1.2.2, §3.9);
//! * every PDU the peer sends decodes with this crate's deframer and LDP codec;
//! * then, on a second connection, the full `iccp::Session` over LDP (`Session::new_ldp`): the
//!   LDP session comes up, the peer's Initialization has no ICCP Capability, so the session
//!   stays in CAPSENT (RFC 7275 §4.2.1, §6.1) and sends no ICC message at all; ldpd keeps the
//!   session; closing it sends a Shutdown notification.
//!
//! Skips with a printed reason when not root or when FRR/iproute2 are missing, unless
//! `MLAG_REQUIRE_REAL_PEERS=1`, which makes that a failure.

use core::net::{Ipv4Addr, SocketAddrV4};
use core::time::Duration;
use iccp::ldp_session::{LdpCloseReason, LdpEvent, LdpSession, LdpSessionConfig, LdpState};
use iccp::wire::ldp::{self, Deframer, LdpMessage, LdpTlv};
use iccp::wire::message::{self, MessageType};
use iccp::wire::param::Param;
use iccp::wire::tlv::Tlv;
use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const CHILD_ENV: &str = "ICCP_FRR_CHILD";
const LOCAL: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const PEER: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const LDPD: &str = "/usr/lib/frr/ldpd";
const ZEBRA: &str = "/usr/lib/frr/zebra";

fn skip(why: &str) -> bool {
    if std::env::var("MLAG_REQUIRE_REAL_PEERS").as_deref() == Ok("1") {
        panic!("MLAG_REQUIRE_REAL_PEERS=1 but {why}");
    }
    println!("SKIP: {why}");
    false
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn can_run() -> bool {
    if !is_root() {
        return skip("not root (network namespaces need root)");
    }
    if !Path::new(LDPD).exists() || !Path::new(ZEBRA).exists() {
        return skip("FRR (ldpd, zebra) is not installed: apt-get install frr");
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return skip("iproute2 (ip) is not installed");
    }
    true
}

fn sh(args: &[&str]) {
    let st = Command::new(args[0])
        .args(&args[1..])
        .status()
        .expect("spawn");
    assert!(st.success(), "command failed: {args:?}");
}

/// Namespaces, daemons and files of one run; removed on drop (daemons killed by PID).
struct Lab {
    ns: [String; 2],
    dir: PathBuf,
    pids: Vec<u32>,
    children: Vec<Child>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for pid in self.pids.iter().rev() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        std::thread::sleep(Duration::from_millis(300));
        for pid in self.pids.iter().rev() {
            let _ = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        for ns in &self.ns {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wait_for(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

fn read_pid(p: &Path) -> Option<u32> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

#[test]
fn frr_ldpd_session_and_reaction_to_iccp() {
    if std::env::var(CHILD_ENV).is_ok() || !can_run() {
        return;
    }
    let id = std::process::id();
    let ns = [format!("iccp-l1-{id}"), format!("iccp-l2-{id}")];
    let dir = std::env::temp_dir().join(format!("iccp-frr-{id}"));
    let mut lab = Lab {
        ns: ns.clone(),
        dir: dir.clone(),
        pids: Vec::new(),
        children: Vec::new(),
    };
    for n in &ns {
        sh(&["ip", "netns", "add", n]);
        sh(&["ip", "-n", n, "link", "set", "lo", "up"]);
    }
    let (if1, if2) = (
        format!("f1-{}", id % 100_000),
        format!("f2-{}", id % 100_000),
    );
    sh(&[
        "ip", "link", "add", &if1, "netns", &ns[0], "type", "veth", "peer", "name", &if2, "netns",
        &ns[1],
    ]);
    sh(&[
        "ip",
        "-n",
        &ns[0],
        "addr",
        "add",
        "192.0.2.1/24",
        "dev",
        &if1,
    ]);
    sh(&[
        "ip",
        "-n",
        &ns[1],
        "addr",
        "add",
        "192.0.2.2/24",
        "dev",
        &if2,
    ]);
    sh(&["ip", "-n", &ns[0], "link", "set", &if1, "up"]);
    sh(&["ip", "-n", &ns[1], "link", "set", &if2, "up"]);
    sh(&[
        "ip",
        "-n",
        &ns[1],
        "route",
        "add",
        "224.0.0.0/4",
        "dev",
        &if2,
    ]);

    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("zebra.conf"), "hostname l1\n").unwrap();
    std::fs::write(
        dir.join("ldpd.conf"),
        format!(
            "hostname l1\nmpls ldp\n router-id 192.0.2.1\n address-family ipv4\n  discovery transport-address 192.0.2.1\n  interface {if1}\n  exit\n exit-address-family\nexit\n"
        ),
    )
    .unwrap();
    sh(&["chown", "-R", "frr:frr", dir.to_str().unwrap()]);
    let d = dir.to_str().unwrap();
    let zserv = format!("{d}/zserv.api");
    let common = ["-z", &zserv, "--vty_socket", d];
    let zebra_pid = dir.join("zebra.pid");
    let st = Command::new("ip")
        .args(["netns", "exec", &ns[0], ZEBRA, "-d", "-f"])
        .arg(dir.join("zebra.conf"))
        .arg("-i")
        .arg(&zebra_pid)
        .args(common)
        .args(["--log", &format!("file:{d}/zebra.log")])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "zebra did not start");
    wait_for("zebra pid", 5, || read_pid(&zebra_pid).is_some());
    lab.pids.push(read_pid(&zebra_pid).unwrap());
    wait_for("zebra socket", 5, || Path::new(&zserv).exists());
    let ldpd_pid = dir.join("ldpd.pid");
    let st = Command::new("ip")
        .args(["netns", "exec", &ns[0], LDPD, "-d", "-f"])
        .arg(dir.join("ldpd.conf"))
        .arg("-i")
        .arg(&ldpd_pid)
        .args(common)
        .args(["--ctl_socket", d, "--log", &format!("file:{d}/ldpd.log")])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "ldpd did not start");
    wait_for("ldpd pid", 5, || read_pid(&ldpd_pid).is_some());
    lab.pids.push(read_pid(&ldpd_pid).unwrap());

    // Re-run this test binary inside the second namespace as the LDP/ICCP speaker.
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("ip")
        .args(["netns", "exec", &ns[1]])
        .arg(exe)
        .args([
            "--exact",
            "frr_child_speaker",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &if2)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let log = std::fs::read_to_string(dir.join("ldpd.log")).unwrap_or_default();
    println!(
        "ldpd log (tail):\n{}",
        log.lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(out.status.success(), "the speaker failed");
    assert!(stdout.contains("RESULT: session up"), "{stdout}");
    assert!(
        stdout.contains("RESULT: RG Connect -> Unknown Message Type"),
        "{stdout}"
    );
    assert!(
        stdout.contains("RESULT: RG Application Data -> Unknown Message Type"),
        "{stdout}"
    );
    assert!(stdout.contains("RESULT: session kept"), "{stdout}");
    assert!(
        stdout.contains("RESULT: iccp::Session over LDP waits in CAPSENT, sends no ICC message"),
        "{stdout}"
    );
    drop(lab);
}

/// The LDP/ICCP speaker; runs only when re-executed by the test above (inside the namespace).
#[test]
fn frr_child_speaker() {
    let Ok(iface) = std::env::var(CHILD_ENV) else {
        return;
    };
    let _ = iface;
    let lsr = LOCAL.octets();
    let pdu = |msgs: &[Vec<u8>]| {
        let body = msgs.concat();
        let mut b = vec![0; 10 + body.len()];
        ldp::emit_pdu(&mut b, lsr, 0, &body).unwrap();
        b
    };
    let ldp_msg = |m: &LdpMessage<'_>| {
        let mut b = vec![0; m.buffer_len()];
        m.emit(&mut b).unwrap();
        b
    };
    // 1. Link Hello (RFC 5036 §3.5.2): Common Hello Parameters (hold 15 s) and the IPv4
    //    transport address, to 224.0.0.2:646.
    let hold = [0u8, 15, 0, 0];
    let taddr = LOCAL.octets();
    let hello = LdpMessage {
        u_bit: false,
        msg_type: MessageType::HELLO,
        id: 1,
        tlvs: vec![
            LdpTlv::Other(Tlv {
                raw_type: ldp::TLV_COMMON_HELLO,
                value: &hold,
            }),
            LdpTlv::Other(Tlv {
                raw_type: ldp::TLV_IPV4_TRANSPORT,
                value: &taddr,
            }),
        ],
    };
    let hello = pdu(&[ldp_msg(&hello)]);
    let udp = UdpSocket::bind(SocketAddrV4::new(LOCAL, ldp::LDP_PORT)).expect("bind udp/646");
    udp.set_multicast_ttl_v4(1).unwrap();
    let all_routers = SocketAddrV4::new(Ipv4Addr::new(224, 0, 0, 2), ldp::LDP_PORT);
    for _ in 0..3 {
        udp.send_to(&hello, all_routers).expect("send hello");
        std::thread::sleep(Duration::from_millis(700));
    }
    // 2. TCP: we have the higher transport address, so we are active (RFC 5036 §2.5.2).
    let mut tcp = None;
    for _ in 0..20 {
        let sock = std::net::TcpStream::connect_timeout(
            &SocketAddrV4::new(PEER, ldp::LDP_PORT).into(),
            Duration::from_secs(1),
        );
        if let Ok(s) = sock {
            tcp = Some(s);
            break;
        }
        udp.send_to(&hello, all_routers).unwrap();
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut tcp: TcpStream = tcp.expect("TCP connection to ldpd");
    tcp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    // 3. The LDP session itself is this crate's sans-IO `LdpSession`; every PDU ldpd sends is
    //    also decoded independently with the codec (`Deframer` + `LdpMessage::parse`).
    let t0 = Instant::now();
    let vnow = || l2_types::Instant::from_nanos(t0.elapsed().as_nanos() as u64);
    let mut session = LdpSession::new(LdpSessionConfig::new(lsr, PEER.octets(), true));
    session.handle_connected(vnow());
    let mut check = Deframer::new(ldp::PDU_MAX_DEFAULT);
    let mut run = |session: &mut LdpSession, tcp: &mut TcpStream, wait: Duration| {
        let end = Instant::now() + wait;
        let mut events = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            while let Some(p) = session.poll_transmit() {
                tcp.write_all(&p).expect("write to ldpd");
            }
            events.extend(core::iter::from_fn(|| session.poll_event()));
            if Instant::now() >= end {
                break;
            }
            match tcp.read(&mut buf) {
                Ok(0) => {
                    events.push(LdpEvent::Closed(LdpCloseReason::Local));
                    break;
                }
                Ok(n) => {
                    check
                        .push(&buf[..n])
                        .expect("deframer accepts ldpd's stream");
                    while let Some(p) = check.next_pdu() {
                        let (_, msgs) = ldp::parse_pdu(p.expect("ldpd's PDU deframes"))
                            .expect("ldpd's PDU parses");
                        for m in msgs {
                            let m = m.expect("ldpd's message parses");
                            LdpMessage::parse(&m).expect("ldpd's TLVs decode");
                            println!("  <- {} id {}", m.msg_type, m.id);
                        }
                    }
                    session.handle_bytes(vnow(), &buf[..n]);
                }
                Err(_) => {}
            }
            session.handle_timeout(vnow());
            let _ = udp.send_to(&hello, all_routers);
        }
        for e in &events {
            println!("  event: {e:?}");
        }
        events
    };
    println!("-> Initialization with the ICCP Capability TLV (U=1), KeepAlive (LdpSession)");
    let ev = run(&mut session, &mut tcp, Duration::from_secs(3));
    assert!(
        ev.contains(&LdpEvent::Operational { peer_iccp: false }),
        "LDP session did not come up: {ev:?}"
    );
    assert_eq!(session.state(), LdpState::Operational);
    println!("RESULT: session up (peer without ICCP: peer_iccp = false)");

    let icc = |ty: MessageType, id: u32, params: &[Param<'_>]| {
        let mut b = vec![0; 512];
        let n = message::emit_icc(&mut b, ty, id, 42, params).unwrap();
        b.truncate(n);
        b
    };
    let unknown_type = |ev: &[LdpEvent], id: u32, ty: u16| {
        ev.iter().any(|e| {
            matches!(e, LdpEvent::Notification { status, msg_id, msg_type }
                if *status == ldp::STATUS_UNKNOWN_MESSAGE_TYPE && *msg_id == id && *msg_type == ty)
        })
    };
    let cid = 1000;
    println!("-> RG Connect (U=0) id {cid}");
    let connect = icc(
        MessageType::RG_CONNECT,
        cid,
        &[
            Param::SenderName("iccp-rs"),
            Param::MlacpConnect {
                version: 1,
                a_bit: false,
                sub_tlvs: &[],
            },
        ],
    );
    session.send_icc(&connect).unwrap();
    let ev = run(&mut session, &mut tcp, Duration::from_secs(2));
    assert!(
        unknown_type(&ev, cid, 0x0700),
        "no Unknown Message Type notification: {ev:?}"
    );
    println!("RESULT: RG Connect -> Unknown Message Type");
    let aid = 1001;
    println!("-> RG Application Data (U=0) id {aid}");
    let app = icc(
        MessageType::RG_APPLICATION_DATA,
        aid,
        &[Param::MlacpSystemConfig {
            system_id: l2_types::MacAddr([2, 0, 0, 0, 0x4d, 0x4c]),
            system_priority: 32768,
            node_id: iccp::wire::param::NodeId(1),
        }],
    );
    session.send_icc(&app).unwrap();
    let ev = run(&mut session, &mut tcp, Duration::from_secs(2));
    assert!(
        unknown_type(&ev, aid, 0x0703),
        "no Unknown Message Type notification: {ev:?}"
    );
    println!("RESULT: RG Application Data -> Unknown Message Type");
    let ev = run(&mut session, &mut tcp, Duration::from_secs(1));
    assert!(
        !ev.iter().any(|e| matches!(e, LdpEvent::Closed(_))),
        "session closed: {ev:?}"
    );
    assert_eq!(session.state(), LdpState::Operational);
    session.close();
    while let Some(p) = session.poll_transmit() {
        let _ = tcp.write_all(&p);
    }
    println!("RESULT: session kept");
    drop(tcp);

    // 4. The full ICCP session over LDP (`Session::new_ldp`) on a new connection.
    let mut cfg = iccp::SessionConfig::new(l2_types::MacAddr([2, 0, 0, 0, 0x4d, 0x4c]));
    cfg.heartbeat = Some(Duration::from_secs(1));
    let mut s =
        iccp::Session::new_ldp(cfg, LdpSessionConfig::new(lsr, PEER.octets(), true), vnow());
    // ldpd may still be tearing down the first session and refuse the new connection: the
    // host reconnects, as RFC 5036 §2.5.3 expects of the active side.
    let mut events = Vec::new();
    let mut closed = true;
    for _attempt in 0..5 {
        std::thread::sleep(Duration::from_secs(1));
        let mut tcp = None;
        for _ in 0..30 {
            let sock = std::net::TcpStream::connect_timeout(
                &SocketAddrV4::new(PEER, ldp::LDP_PORT).into(),
                Duration::from_secs(1),
            );
            if let Ok(t) = sock {
                tcp = Some(t);
                break;
            }
            udp.send_to(&hello, all_routers).unwrap();
            std::thread::sleep(Duration::from_millis(500));
        }
        let mut tcp: TcpStream = tcp.expect("second TCP connection to ldpd");
        tcp.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        s.handle_tcp_connected(vnow());
        let end = Instant::now() + Duration::from_secs(4);
        let mut buf = [0u8; 4096];
        closed = false;
        while Instant::now() < end {
            while let Some(p) = s.poll_tcp_transmit(vnow()) {
                let (_, msgs) = ldp::parse_pdu(&p).expect("our PDU parses");
                for m in msgs {
                    let m = m.expect("our message parses");
                    println!("  -> {} id {}", m.msg_type, m.id);
                    assert!(
                        !m.msg_type.is_icc(),
                        "ICC message sent to a peer without ICCP"
                    );
                }
                tcp.write_all(&p).expect("write to ldpd");
            }
            events.extend(core::iter::from_fn(|| s.poll_event()));
            match tcp.read(&mut buf) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => s.handle_tcp_bytes(vnow(), &buf[..n]),
                Err(_) => {}
            }
            s.handle_timeout(vnow());
            let _ = udp.send_to(&hello, all_routers);
        }
        if !closed {
            break;
        }
        println!("  ldpd closed the connection; reconnecting");
        s.handle_tcp_closed(vnow());
    }
    for e in &events {
        println!("  event: {e:?}");
    }
    assert!(!closed, "ldpd closed the connection");
    assert_eq!(s.ldp_state(), Some(LdpState::Operational));
    assert!(!s.ldp_peer_iccp());
    assert_eq!(s.state(), iccp::State::CapSent);
    assert_eq!(s.status(), iccp::Status::Connecting);
    assert!(!s.tcp_close_wanted());
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, iccp::Event::Disconnected(_))),
        "{events:?}"
    );
    println!("RESULT: iccp::Session over LDP waits in CAPSENT, sends no ICC message");
    s.handle_tcp_closed(vnow());
}
