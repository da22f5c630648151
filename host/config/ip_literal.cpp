#include "config/ip_literal.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>

namespace agenthost::config {

namespace {

bool address_char(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

// Letters other than hex digits around a run mean it is part of a word ("deadbeef:cafe" in a
// path is not an address we want to flag).
bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool is_ipv4(const std::string& s, in_addr* out) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3 && inet_pton(AF_INET, s.c_str(), out) == 1;
}

bool ipv4_is_local(const in_addr& a) {
  const auto first = static_cast<unsigned char>(ntohl(a.s_addr) >> 24);
  return first == 127 || a.s_addr == 0;
}

bool ipv6_is_local(const in6_addr& a) {
  static const in6_addr loopback = IN6ADDR_LOOPBACK_INIT;
  static const in6_addr any = IN6ADDR_ANY_INIT;
  return std::memcmp(&a, &loopback, sizeof a) == 0 || std::memcmp(&a, &any, sizeof a) == 0;
}

void scan_run(std::string_view text, std::size_t begin, std::size_t end, std::vector<IpLiteral>& out) {
  const std::string run(text.substr(begin, end - begin));
  in6_addr v6{};
  if (run.find(':') != std::string::npos && inet_pton(AF_INET6, run.c_str(), &v6) == 1) {
    if (!ipv6_is_local(v6)) out.push_back({run, begin});
    return;
  }
  // "192.168.1.5:7000" is one run: look at the pieces between colons.
  std::size_t piece = 0;
  while (piece <= run.size()) {
    std::size_t colon = run.find(':', piece);
    if (colon == std::string::npos) colon = run.size();
    const std::string part = run.substr(piece, colon - piece);
    in_addr v4{};
    if (is_ipv4(part, &v4) && !ipv4_is_local(v4)) out.push_back({part, begin + piece});
    piece = colon + 1;
  }
}

}  // namespace

std::vector<IpLiteral> find_ip_literals(std::string_view text) {
  std::vector<IpLiteral> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!address_char(text[i])) { ++i; continue; }
    std::size_t end = i;
    while (end < text.size() && address_char(text[end])) ++end;
    const bool in_word = (i > 0 && word_char(text[i - 1])) || (end < text.size() && word_char(text[end]));
    if (!in_word) scan_run(text, i, end, out);
    i = end;
  }
  return out;
}

}  // namespace agenthost::config
