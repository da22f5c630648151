// open_tcp_listener: the listening socket the host makes for an agent's tcp endpoint.

#include "messaging/tcp_listener.hpp"

#include <sys/socket.h>

#include <gtest/gtest.h>

namespace agenthost::messaging {
namespace {

TcpListener listen_on(const std::string& host, int port) {
  auto result = open_tcp_listener(host, port);
  if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << *error;
  return std::get_if<TcpListener>(&result) ? std::move(std::get<TcpListener>(result))
                                           : TcpListener{};
}

int port_of(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

TEST(TcpListenerTest, PortZeroPicksAFreePortAndTheAddressSaysWhich) {
  auto listener = listen_on("127.0.0.1", 0);
  ASSERT_TRUE(listener.fd);
  EXPECT_TRUE(listener.address.starts_with("tcp://127.0.0.1:")) << listener.address;
  EXPECT_GT(port_of(listener.address), 0);
  int accepting = 0;
  socklen_t len = sizeof accepting;
  ASSERT_EQ(::getsockopt(listener.fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len), 0);
  EXPECT_EQ(accepting, 1);
}

TEST(TcpListenerTest, SpellingsOfTheBindAddress) {
  EXPECT_TRUE(listen_on("localhost", 0).address.starts_with("tcp://127.0.0.1:"));
  EXPECT_TRUE(listen_on("::1", 0).address.starts_with("tcp://[::1]:"));
  EXPECT_TRUE(listen_on("::", 0).address.starts_with("tcp://[::]:"));
  EXPECT_TRUE(listen_on("0.0.0.0", 0).address.starts_with("tcp://0.0.0.0:"));
  EXPECT_TRUE(listen_on("*", 0).address.starts_with("tcp://0.0.0.0:"));
}

TEST(TcpListenerTest, ATakenPortIsAClearError) {
  auto first = listen_on("127.0.0.1", 0);
  const int port = port_of(first.address);
  auto second = open_tcp_listener("127.0.0.1", port);
  ASSERT_TRUE(std::holds_alternative<std::string>(second));
  const auto& error = std::get<std::string>(second);
  EXPECT_NE(error.find("tcp://127.0.0.1:" + std::to_string(port)), std::string::npos) << error;
  EXPECT_NE(error.find("taken by another program"), std::string::npos) << error;
}

TEST(TcpListenerTest, AHostNameIsRefusedWithoutALookup) {
  auto name = open_tcp_listener("example.org", 0);
  ASSERT_TRUE(std::holds_alternative<std::string>(name));
  EXPECT_NE(std::get<std::string>(name).find("must be an IP address"), std::string::npos)
      << std::get<std::string>(name);
}

}  // namespace
}  // namespace agenthost::messaging
