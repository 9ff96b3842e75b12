#pragma once

// Packet captures in the classic pcap format, read and written with libpcap. Only what RSS
// hashes is kept: IPv4 or IPv6 over Ethernet (an 802.1Q VLAN tag is skipped), and the ports of
// TCP and UDP. A fragment of an IPv4 datagram, or an IPv6 packet whose first next-header is not
// TCP or UDP, is hashed on its addresses alone, as NICs do.
//
// Times are kept to the nanosecond (a microsecond capture's are scaled up) and count from the
// capture's first record, whether or not that record is kept.

#include "rss/Toeplitz.h"

#include <QString>
#include <QStringList>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace vmwb::rss {

struct CapturedPacket
{
    std::uint64_t timeNs = 0;     // from the capture's first packet
    FlowTuple tuple;              // ports only for unfragmented TCP and UDP
    std::uint8_t protocol = 0;    // IP protocol number: 6 TCP, 17 UDP, ...
    bool tcpSyn = false;          // a TCP SYN without ACK
    std::uint32_t wireLength = 0; // bytes on the wire (the pcap record's original length)
};

struct Capture
{
    std::vector<CapturedPacket> packets;
    std::uint64_t skipped = 0; // records not IPv4 or IPv6 over Ethernet, truncated or malformed
    QStringList notes;         // one line per kind of record skipped, with the first record number
};

class CaptureError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Reads a capture. Throws CaptureError naming the file (and the record, when one is broken)
// for a missing file, a file that is not a pcap capture, or a link type other than Ethernet.
Capture readCapture(const QString &path);

// Writes packets as Ethernet + IPv4/IPv6 + TCP/UDP frames (headers only, each record's
// original length set to wireLength), atomically: a temporary file renamed into place.
// Throws CaptureError naming the file; the target is then untouched.
// Timestamps are timeNs after the epoch, at nanosecond resolution. A tuple with ports is
// written as UDP when protocol is 17 and as TCP otherwise; a TCP or UDP packet without ports
// as a fragment that is not the first (an IPv6 Fragment header), so that it reads back alike.
void writeCapture(const QString &path, std::span<const CapturedPacket> packets);

} // namespace vmwb::rss
