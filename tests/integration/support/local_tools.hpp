#pragma once
// The outside programs some tests drive (promtool, prometheus, chromium): found on PATH, or
// the test skips; and a free loopback port to give one of them.

#include <optional>
#include <string>

namespace agenthost::testing {

// The full path of `name` on PATH, if it is there and executable.
std::optional<std::string> find_program(const std::string& name);

// A TCP port on `ip` that nothing listens on right now (the kernel's choice for port 0). For
// a program that wants a port on its command line; use an address no other test binds, so the
// moment between this answer and the program's bind is safe.
int free_tcp_port(const std::string& ip);

// `text` as one word for /bin/sh.
std::string shell_quote(const std::string& text);

}  // namespace agenthost::testing
