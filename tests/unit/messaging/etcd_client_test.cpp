// EtcdClient without an etcd: failures are values that name the endpoint, bounded in time,
// and every endpoint is tried once. (Talking to a real etcd: tests/integration/cluster_etcd_test.)

#include <chrono>

#include <gtest/gtest.h>

#include "messaging/etcd_client.hpp"

namespace agenthost::messaging::etcd {
namespace {

using namespace std::chrono_literals;

// Port 1 on loopback: nothing listens there, the connection is refused at once.
TEST(EtcdClientTest, AnUnreachableEndpointIsAnErrorNamingItAndTheNextOneIsTried) {
  EtcdClient client({"127.0.0.1:1", "127.0.0.2:1"}, 500ms);
  const auto begin = std::chrono::steady_clock::now();
  auto result = client.call("/v3/kv/range", {{"key", "YQ=="}});
  EXPECT_FALSE(result);
  EXPECT_NE(result.error.find("127.0.0.2:1"), std::string::npos) << result.error;  // the last one tried
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 1500ms);
  EXPECT_EQ(client.current_endpoint(), "127.0.0.1:1");  // both failed: round and back
}

TEST(EtcdClientTest, AStreamThatCannotConnectSaysWhy) {
  EtcdClient client({"127.0.0.1:1"}, 500ms);
  int messages = 0;
  const auto why = client.stream(
      "/v3/watch", {{"create_request", {{"key", "YQ=="}}}},
      [&](const nlohmann::json&) { return ++messages, true; }, [] { return true; });
  EXPECT_NE(why.find("127.0.0.1:1"), std::string::npos) << why;
  EXPECT_EQ(messages, 0);
}

}  // namespace
}  // namespace agenthost::messaging::etcd
