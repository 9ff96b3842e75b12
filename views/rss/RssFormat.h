#pragma once

// How the RSS pane writes flows, rates and shares, and the colour it gives each core: a flow,
// its queue's band and its core's bar and graph share one colour, so that the eye can follow
// a packet from the Sankey diagram to the load bars and the time series.

#include "rss/Simulation.h"

#include <QColor>
#include <QString>
#include <cstdint>

namespace vmwb {

// "66.9.149.187" or "3ffe:2501:200:3::1".
QString addressText(const std::array<std::uint8_t, 16> &bytes, bool ipv6);
// "66.9.149.187:2794", "[3ffe:2501:200:3::1]:2794", or the address alone without a port.
QString endpointText(const std::array<std::uint8_t, 16> &bytes, bool ipv6,
                     std::optional<std::uint16_t> port);
// "66.9.149.187:2794 → 161.142.100.80:1766".
QString tupleText(const rss::FlowTuple &tuple);
// The flow's label if the generator gave it one, else its tuple; the SYN flood's row says so.
QString flowTitle(const rss::FlowStats &flow);

// "950", "12.3k", "4.00M": few digits, readable from the back of a lecture hall.
QString compactNumber(double value);
// "93 %", "0.4 %", "< 0.1 %".
QString percentText(double fraction);

// The colour of core `core` on a light or a dark background: twelve hues that stay apart,
// then lighter and darker variants of them for machines with more cores. No red: red means
// overload in this pane.
QColor coreColor(int core, bool dark);
// Bands and shares that belong to no single core (the SYN flood before RPS, "other flows").
QColor neutralColor(bool dark);

} // namespace vmwb
