//! The Actor_State / Partner_State octet (IEEE 802.1AX-2014 §6.4.2.3, Figure 6-8).

bitflags::bitflags! {
    /// The eight state bits a LACPDU carries for the actor and for the partner.
    ///
    /// Bit 0 is the least significant bit. The names are the standard's.
    #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct PortState: u8 {
        /// LACP_Activity: 1 = Active LACP, 0 = Passive.
        const LACP_ACTIVITY = 0x01;
        /// LACP_Timeout: 1 = Short Timeout, 0 = Long Timeout.
        const LACP_TIMEOUT = 0x02;
        /// Aggregation: 1 = Aggregatable, 0 = Individual.
        const AGGREGATION = 0x04;
        /// Synchronization: the link is IN_SYNC (attached to the right aggregator).
        const SYNCHRONIZATION = 0x08;
        /// Collecting: collection of incoming frames is enabled.
        const COLLECTING = 0x10;
        /// Distributing: distribution of outgoing frames is enabled.
        const DISTRIBUTING = 0x20;
        /// Defaulted: the Receive machine uses defaulted partner information.
        const DEFAULTED = 0x40;
        /// Expired: the Receive machine is in the EXPIRED state.
        const EXPIRED = 0x80;
    }
}

impl PortState {
    /// The snake_case names of the standard's eight bits, least significant first.
    pub const NAMES: [(&'static str, Self); 8] = [
        ("lacp_activity", Self::LACP_ACTIVITY),
        ("lacp_timeout", Self::LACP_TIMEOUT),
        ("aggregation", Self::AGGREGATION),
        ("synchronization", Self::SYNCHRONIZATION),
        ("collecting", Self::COLLECTING),
        ("distributing", Self::DISTRIBUTING),
        ("defaulted", Self::DEFAULTED),
        ("expired", Self::EXPIRED),
    ];

    /// True when the LACP_Activity bit says Active.
    pub const fn is_active(self) -> bool {
        self.contains(Self::LACP_ACTIVITY)
    }

    /// True when the LACP_Timeout bit says Short Timeout.
    pub const fn is_short_timeout(self) -> bool {
        self.contains(Self::LACP_TIMEOUT)
    }

    /// True when the Aggregation bit says Aggregatable.
    pub const fn is_aggregatable(self) -> bool {
        self.contains(Self::AGGREGATION)
    }

    /// Sets or clears `flag`, returning whether the octet changed.
    pub fn assign(&mut self, flag: Self, on: bool) -> bool {
        let before = *self;
        self.set(flag, on);
        before != *self
    }

    /// Wireshark's compact form, bits 7→0 as `EFDCSGSA` with `*` for a clear bit.
    pub fn compact(self) -> [u8; 8] {
        const LETTERS: [u8; 8] = *b"EFDCSGSA";
        let mut out = [b'*'; 8];
        for (i, (slot, letter)) in out.iter_mut().zip(LETTERS).enumerate() {
            if self.bits() & (0x80 >> i) != 0 {
                *slot = letter;
            }
        }
        out
    }
}

impl core::fmt::Debug for PortState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let c = self.compact();
        // `compact` only ever holds ASCII letters and '*'.
        let s = core::str::from_utf8(&c).unwrap_or("????????");
        write!(f, "PortState(0x{:02x} {s})", self.bits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_matches_wireshark() {
        // 0x85 = Activity + Aggregation + Expired (tcpdump LACP.pcap frame 1).
        assert_eq!(&PortState::from_bits_retain(0x85).compact(), b"E****G*A");
        assert_eq!(&PortState::from_bits_retain(0x3f).compact(), b"**DCSGSA");
        assert_eq!(&PortState::empty().compact(), b"********");
    }

    #[test]
    fn assign_reports_change() {
        let mut s = PortState::empty();
        assert!(s.assign(PortState::SYNCHRONIZATION, true));
        assert!(!s.assign(PortState::SYNCHRONIZATION, true));
        assert!(s.assign(PortState::SYNCHRONIZATION, false));
    }
}
