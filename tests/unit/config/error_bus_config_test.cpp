// host.error_bus: keep, buffer, listen, forward_to.

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using testing::fake_env;
using testing::formatted;

LoadResult load(const std::string& text, std::map<std::string, std::string> env = {}) {
  return load_config_text(text, "c.yaml", fake_env(std::move(env)));
}

std::string problems(const std::string& text) { return formatted(load(text).diagnostics); }

TEST(ErrorBusConfigTest, DefaultsKeepAThousandAndForwardNowhere) {
  auto result = load("agents:\n  - { name: A, plugin: p }\n");
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& bus = result.config.host.error_bus;
  EXPECT_EQ(bus.keep, 1000);
  EXPECT_EQ(bus.buffer, 10000);
  EXPECT_FALSE(bus.listen);
  EXPECT_FALSE(bus.forward_to);
}

TEST(ErrorBusConfigTest, ReadsEveryKeyWithSubstitution) {
  auto result = load(R"(host:
  error_bus:
    keep: 50
    buffer: 200
    listen: "0.0.0.0:7410"
    forward_to: "${COLLECTOR:-main-pc}:7410"
agents:
  - { name: A, plugin: p }
)",
                     {{"COLLECTOR", "10.1.2.3"}});
  ASSERT_TRUE(result.ok()) << formatted(result.diagnostics);
  const auto& bus = result.config.host.error_bus;
  EXPECT_EQ(bus.keep, 50);
  EXPECT_EQ(bus.buffer, 200);
  ASSERT_TRUE(bus.listen);
  EXPECT_EQ(bus.listen->host, "0.0.0.0");
  EXPECT_EQ(bus.listen->port, 7410);
  ASSERT_TRUE(bus.forward_to);
  EXPECT_EQ(bus.forward_to->host, "10.1.2.3");
}

TEST(ErrorBusConfigTest, BadValuesNameTheKeyAndWhatToWrite) {
  EXPECT_EQ(problems("host:\n  error_bus: { forward_to: \"0.0.0.0:7410\" }\n"),
            "c.yaml:2:28: error: host.error_bus.forward_to '0.0.0.0:7410' has a wildcard address, which cannot "
            "be connected to (write the central host's address or name)\n");
  EXPECT_NE(problems("host:\n  error_bus: { forward_to: \"main-pc:0\" }\n").find("has port 0"), std::string::npos);
  EXPECT_NE(problems("host:\n  error_bus: { keep: 0 }\n").find("host.error_bus.keep"), std::string::npos);
  EXPECT_NE(problems("host:\n  error_bus: { forward: \"a:1\" }\n").find("forward_to"), std::string::npos)
      << "an unknown key suggests the right one";
}

TEST(ErrorBusConfigTest, TheCentralHostOfASharedConfigDoesNotForwardToItself) {
  HostSpec host;
  host.advertise = "10.0.0.1";
  host.error_bus.listen = ListenAddress{"0.0.0.0", 7410, {}};
  host.error_bus.forward_to = ListenAddress{"10.0.0.1", 7410, {}};
  EXPECT_TRUE(forwards_to_itself(host)) << "forward_to is its own advertise address";
  host.advertise = "10.0.0.2";
  EXPECT_FALSE(forwards_to_itself(host)) << "another host of the same config forwards";
  host.error_bus.listen = ListenAddress{"127.0.0.1", 7410, {}};
  host.error_bus.forward_to = ListenAddress{"127.0.0.1", 7410, {}};
  EXPECT_TRUE(forwards_to_itself(host));
  host.error_bus.listen.reset();
  EXPECT_FALSE(forwards_to_itself(host));
}

}  // namespace
}  // namespace agenthost::config
