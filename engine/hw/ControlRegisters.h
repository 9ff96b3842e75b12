#pragma once

// Control registers CR0 and CR4 (Intel SDM Vol. 3A, 2.5, Figure 2-7).
//
//  CR0:  31 30 29        18    16           5  4  3  2  1  0
//       +--+--+--+-...-+--+-..-+--+-......-+--+--+--+--+--+--+
//       |PG|CD|NW|     |AM|    |WP|        |NE|ET|TS|EM|MP|PE|
//       +--+--+--+-...-+--+-..-+--+-......-+--+--+--+--+--+--+
//  CR4 (low bits): 0 VME, 1 PVI, 2 TSD, 3 DE, 4 PSE, 5 PAE, 6 MCE, 7 PGE, 8 PCE, 9 OSFXSR,
//       10 OSXMMEXCPT, 11 UMIP, 13 VMXE, 16 FSGSBASE, 17 PCIDE, 18 OSXSAVE, 20 SMEP, 21 SMAP

#include <cstdint>

namespace vmwb::cr0 {
inline constexpr std::uint64_t kPE = 1ULL << 0;
inline constexpr std::uint64_t kMP = 1ULL << 1;
inline constexpr std::uint64_t kEM = 1ULL << 2;
inline constexpr std::uint64_t kTS = 1ULL << 3;
inline constexpr std::uint64_t kET = 1ULL << 4;
inline constexpr std::uint64_t kNE = 1ULL << 5;
inline constexpr std::uint64_t kWP = 1ULL << 16;
inline constexpr std::uint64_t kAM = 1ULL << 18;
inline constexpr std::uint64_t kNW = 1ULL << 29;
inline constexpr std::uint64_t kCD = 1ULL << 30;
inline constexpr std::uint64_t kPG = 1ULL << 31;
// MOV to CR0 with any of these set raises #GP(0) (SDM Vol. 2B, MOV to/from Control Registers).
inline constexpr std::uint64_t kReserved =
    ~(kPE | kMP | kEM | kTS | kET | kNE | kWP | kAM | kNW | kCD | kPG);
} // namespace vmwb::cr0

namespace vmwb::cr4 {
inline constexpr std::uint64_t kVME = 1ULL << 0;
inline constexpr std::uint64_t kPVI = 1ULL << 1;
inline constexpr std::uint64_t kTSD = 1ULL << 2;
inline constexpr std::uint64_t kDE = 1ULL << 3;
inline constexpr std::uint64_t kPSE = 1ULL << 4;
inline constexpr std::uint64_t kPAE = 1ULL << 5;
inline constexpr std::uint64_t kMCE = 1ULL << 6;
inline constexpr std::uint64_t kPGE = 1ULL << 7;
inline constexpr std::uint64_t kPCE = 1ULL << 8;
inline constexpr std::uint64_t kOSFXSR = 1ULL << 9;
inline constexpr std::uint64_t kOSXMMEXCPT = 1ULL << 10;
inline constexpr std::uint64_t kUMIP = 1ULL << 11;
inline constexpr std::uint64_t kLA57 = 1ULL << 12;
inline constexpr std::uint64_t kVMXE = 1ULL << 13;
inline constexpr std::uint64_t kSMXE = 1ULL << 14;
inline constexpr std::uint64_t kFSGSBASE = 1ULL << 16;
inline constexpr std::uint64_t kPCIDE = 1ULL << 17;
inline constexpr std::uint64_t kOSXSAVE = 1ULL << 18;
inline constexpr std::uint64_t kSMEP = 1ULL << 20;
inline constexpr std::uint64_t kSMAP = 1ULL << 21;
inline constexpr std::uint64_t kPKE = 1ULL << 22;
inline constexpr std::uint64_t kReserved =
    ~(kVME | kPVI | kTSD | kDE | kPSE | kPAE | kMCE | kPGE | kPCE | kOSFXSR | kOSXMMEXCPT | kUMIP |
      kLA57 | kVMXE | kSMXE | kFSGSBASE | kPCIDE | kOSXSAVE | kSMEP | kSMAP | kPKE);
} // namespace vmwb::cr4

namespace vmwb::efer {
// IA32_EFER (SDM Vol. 3A, 2.2.1, Table 2-1)
inline constexpr std::uint32_t kMsr = 0xC0000080;
inline constexpr std::uint64_t kSCE = 1ULL << 0;
inline constexpr std::uint64_t kLME = 1ULL << 8;
inline constexpr std::uint64_t kLMA = 1ULL << 10;
inline constexpr std::uint64_t kNXE = 1ULL << 11;
} // namespace vmwb::efer
