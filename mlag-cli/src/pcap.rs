//! Reading capture files and writing them from virtual time.
//!
//! * [`read`] loads every frame of a classic pcap file (either byte order, micro- or nanosecond
//!   timestamps) together with its link type.
//! * [`PcapSink`] records frames a simulation sends into a pcap file with the Ethernet link type;
//!   timestamps are the simulation's virtual [`Instant`]s (nanoseconds since the virtual origin),
//!   so the file opens in Wireshark/tshark with the origin shown as 1970-01-01 00:00:00.

use core::fmt;
use core::time::Duration;
use l2_types::Instant;
use pcap_file::pcap::{PcapHeader, PcapReader};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

pub use pcap_file::DataLink as LinkType;

/// Why a capture could not be read or written.
#[derive(Debug)]
pub enum Error {
    /// Opening, reading or writing the file failed.
    Io(std::io::Error),
    /// The file is not a readable pcap file (bad magic, truncated record, …).
    Pcap(PcapError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "I/O error: {e}"),
            Self::Pcap(PcapError::IoError(e)) => write!(f, "I/O error: {e}"),
            Self::Pcap(e) => write!(f, "not a readable pcap file: {e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Pcap(e) => Some(e),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<PcapError> for Error {
    fn from(e: PcapError) -> Self {
        Self::Pcap(e)
    }
}

/// One captured frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Frame number, counted from 1 as Wireshark does.
    pub number: usize,
    /// Capture timestamp since the Unix epoch (or since the virtual origin for simulated captures).
    pub timestamp: Duration,
    /// Length of the frame on the wire.
    pub orig_len: u32,
    /// The captured octets (may be shorter than `orig_len` when the snap length cut it).
    pub data: Vec<u8>,
}

/// A whole capture file.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The link type from the file header; only [`LinkType::ETHERNET`] frames are decoded.
    pub link_type: LinkType,
    /// The frames in file order.
    pub frames: Vec<Frame>,
}

impl Capture {
    /// True when the frames start with an Ethernet header.
    pub fn is_ethernet(&self) -> bool {
        self.link_type == DataLink::ETHERNET
    }
}

/// Reads a classic pcap file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened, [`Error::Pcap`] when it is not a pcap file or a
/// record is cut short.
pub fn read(path: impl AsRef<Path>) -> Result<Capture, Error> {
    let file = File::open(path)?;
    let mut reader = PcapReader::new(BufReader::new(file))?;
    let link_type = reader.header().datalink;
    let mut frames = Vec::new();
    while let Some(packet) = reader.next_packet() {
        let packet = packet?;
        frames.push(Frame {
            number: frames.len() + 1,
            timestamp: packet.timestamp,
            orig_len: packet.orig_len,
            data: packet.data.into_owned(),
        });
    }
    Ok(Capture { link_type, frames })
}

/// Records frames into a pcap file (Ethernet link type, nanosecond timestamps from virtual time).
///
/// ```no_run
/// use l2_types::Instant;
/// let mut sink = mlag_cli::pcap::PcapSink::create("demo.pcap")?;
/// sink.write(Instant::from_millis(1500), &[0u8; 60])?;
/// sink.flush()?;
/// # Ok::<(), mlag_cli::pcap::Error>(())
/// ```
///
/// Buffered: call [`PcapSink::flush`] (or drop the sink) to get everything on disk. Dropping
/// flushes but cannot report an error.
pub struct PcapSink<W: Write = BufWriter<File>> {
    writer: W,
    frames: usize,
}

impl fmt::Debug for PcapSink<BufWriter<File>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PcapSink")
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl PcapSink<BufWriter<File>> {
    /// Creates (or truncates) `path` and writes the pcap file header.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be created.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::new(BufWriter::new(File::create(path)?))
    }
}

impl<W: Write> PcapSink<W> {
    /// A sink over any writer (a `Vec<u8>` in tests); writes the pcap file header.
    ///
    /// # Errors
    /// [`Error::Pcap`] when writing the header fails.
    pub fn new(writer: W) -> Result<Self, Error> {
        let header = PcapHeader {
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::NanoSecond,
            snaplen: 65535,
            endianness: Endianness::Little,
            ..PcapHeader::default()
        };
        let mut writer = writer;
        header.write_to(&mut writer)?;
        Ok(Self { writer, frames: 0 })
    }

    /// Appends one Ethernet frame (without FCS) sent or received at virtual time `now`.
    ///
    /// # Errors
    /// [`Error::Io`] when writing fails, [`Error::Pcap`] when the frame is longer than 4 GiB or
    /// `now` is past the year 2106 (the pcap format's 32-bit seconds).
    pub fn write(&mut self, now: Instant, frame: &[u8]) -> Result<(), Error> {
        let len = u32::try_from(frame.len())
            .map_err(|_| Error::Pcap(PcapError::InvalidField("frame longer than u32::MAX")))?;
        let ts = Duration::from_nanos(now.as_nanos());
        // Record header (ts seconds, ts nanoseconds, captured length, original length) in the
        // little-endian order the file header announced.
        let secs = u32::try_from(ts.as_secs())
            .map_err(|_| Error::Pcap(PcapError::InvalidField("timestamp past year 2106")))?;
        let mut record = [0u8; 16];
        for (slot, v) in record
            .chunks_exact_mut(4)
            .zip([secs, ts.subsec_nanos(), len, len])
        {
            slot.copy_from_slice(&v.to_le_bytes());
        }
        self.writer.write_all(&record)?;
        self.writer.write_all(frame)?;
        self.frames += 1;
        Ok(())
    }

    /// Frames written so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Flushes buffered frames to the underlying writer.
    ///
    /// # Errors
    /// [`Error::Io`] when flushing fails.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.writer.flush()?;
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    ///
    /// # Errors
    /// [`Error::Io`] when flushing fails.
    pub fn into_inner(mut self) -> Result<W, Error> {
        self.flush()?;
        Ok(self.writer)
    }
}
