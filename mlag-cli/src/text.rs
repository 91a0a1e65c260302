//! The `--text` view: a readable, indented rendering of a frame object, in the spirit of
//! `tshark -V`.
//!
//! It renders the JSON object [`crate::decode::decode_frame`] produces, so both views always show
//! the same fields.

use core::fmt::Write as _;
use serde_json::{Map, Value};

const INDENT: &str = "    ";

/// "system_priority" → "System priority"; a few acronyms stay upper case.
fn label(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for (i, word) in key.split('_').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match word {
            "lacp" | "tlv" | "tlvs" | "pdu" | "id" | "vlan" | "tci" | "pcp" | "llc" | "dsap"
            | "ssap" | "eth" | "bpdu" | "mst" | "msti" | "cist" | "mstid" | "tc" | "pvst" => {
                out.push_str(&word.to_uppercase())
            }
            _ if i == 0 => {
                let mut c = word.chars();
                if let Some(f) = c.next() {
                    out.extend(f.to_uppercase());
                    out.push_str(c.as_str());
                }
            }
            _ => out.push_str(word),
        }
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn line(out: &mut String, depth: usize, text: &str) {
    for _ in 0..depth {
        out.push_str(INDENT);
    }
    out.push_str(text);
    out.push('\n');
}

/// A one-line summary for an object shown as a subtree heading, if it has an obvious one.
fn summary(key: &str, m: &Map<String, Value>) -> String {
    match key {
        "state" => format!(
            ": 0x{:02x} ({})",
            m.get("raw").and_then(Value::as_u64).unwrap_or(0),
            m.get("compact").map(scalar).unwrap_or_default()
        ),
        "actor" | "partner" => format!(
            ": {} port {} key {}",
            m.get("system").map(scalar).unwrap_or_default(),
            m.get("port").map(scalar).unwrap_or_default(),
            m.get("key").map(scalar).unwrap_or_default()
        ),
        "root_id"
        | "bridge_id"
        | "cist_regional_root_id"
        | "cist_bridge_id"
        | "regional_root_id" => format!(
            ": {}/{}/{}",
            m.get("priority").map(scalar).unwrap_or_default(),
            m.get("system_id_extension").map(scalar).unwrap_or_default(),
            m.get("address").map(scalar).unwrap_or_default()
        ),
        "port_id" => format!(
            ": {}.{}",
            m.get("priority").map(scalar).unwrap_or_default(),
            m.get("number").map(scalar).unwrap_or_default()
        ),
        "flags" => {
            let set: Vec<&str> = m
                .iter()
                .filter(|(_, v)| **v == Value::Bool(true))
                .map(|(k, _)| k.as_str())
                .collect();
            let role = m
                .get("port_role")
                .map(|r| format!(", role {}", scalar(r)))
                .unwrap_or_default();
            format!(
                ": 0x{:02x} ({}{role})",
                m.get("raw").and_then(Value::as_u64).unwrap_or(0),
                if set.is_empty() {
                    "none".to_string()
                } else {
                    set.join(", ")
                }
            )
        }
        "reencode" => match (m.get("identical"), m.get("normalised")) {
            (Some(Value::Bool(true)), _) => ": identical".into(),
            (_, Some(Value::Bool(true))) => ": normalised (the standard's encoding)".into(),
            _ => ": DIFFERENT".into(),
        },
        _ => String::new(),
    }
}

fn object(out: &mut String, depth: usize, m: &Map<String, Value>, skip: &[&str]) {
    for (k, v) in m {
        if skip.contains(&k.as_str()) {
            continue;
        }
        match v {
            Value::Object(inner) => {
                line(out, depth, &format!("{}{}", label(k), summary(k, inner)));
                let skip: &[&str] = match k.as_str() {
                    "state" => &["raw", "compact"],
                    "root_id"
                    | "bridge_id"
                    | "cist_regional_root_id"
                    | "cist_bridge_id"
                    | "regional_root_id" => &["priority", "system_id_extension", "address"],
                    "port_id" => &["priority", "number"],
                    "flags" => &["raw"],
                    "reencode" => &["identical", "normalised"],
                    _ => &[],
                };
                object(out, depth + 1, inner, skip);
            }
            Value::Array(items) if items.is_empty() => {
                line(out, depth, &format!("{}: none", label(k)));
            }
            Value::Array(items) => {
                line(out, depth, &format!("{} ({})", label(k), items.len()));
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(inner) => {
                            let name = inner.get("name").or_else(|| inner.get("kind"));
                            let head = match (name, inner.get("mstid")) {
                                (Some(n), _) => scalar(n),
                                (None, Some(id)) => format!("MSTI {}", scalar(id)),
                                (None, None) => format!("#{i}"),
                            };
                            line(out, depth + 1, &format!("[{i}] {head}"));
                            object(out, depth + 2, inner, &["name", "kind", "mstid"]);
                        }
                        other => line(out, depth + 1, &format!("[{i}] {}", scalar(other))),
                    }
                }
            }
            other => line(out, depth, &format!("{}: {}", label(k), scalar(other))),
        }
    }
}

/// Renders one frame object as indented text, ending with a blank line.
pub fn render(frame: &Value) -> String {
    let mut out = String::new();
    let Some(m) = frame.as_object() else {
        line(&mut out, 0, &scalar(frame));
        return out;
    };
    let get = |k: &str| m.get(k).map(scalar).unwrap_or_default();
    let _ = writeln!(
        out,
        "Frame {}: {} bytes on wire, {} captured, at {}, {}",
        get("frame"),
        get("length"),
        get("captured_length"),
        get("timestamp"),
        get("protocol"),
    );
    if let Some(e) = m.get("error") {
        line(&mut out, 1, &format!("ERROR: {}", scalar(e)));
    }
    if let Some(Value::Object(eth)) = m.get("eth") {
        line(&mut out, 1, "Ethernet");
        object(&mut out, 2, eth, &[]);
    }
    for (key, title) in [
        ("lacp", "Link Aggregation Control Protocol (LACPDU)"),
        ("marker", "Marker Protocol"),
        ("slow", "Slow Protocols"),
        ("stp", "Spanning Tree Protocol (BPDU)"),
        ("pvst", "Cisco PVST+ (not an IEEE BPDU)"),
    ] {
        if let Some(Value::Object(pdu)) = m.get(key) {
            line(&mut out, 1, title);
            object(&mut out, 2, pdu, &[]);
        }
    }
    out.push('\n');
    out
}
