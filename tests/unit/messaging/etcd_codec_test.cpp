// The etcd backend's data layout: base64, keys, range ends, entry JSON, etcd's int64 strings.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "messaging/etcd_codec.hpp"

namespace agenthost::messaging::etcd {
namespace {

TEST(EtcdCodecTest, Base64RoundTripsEveryLengthAndByte) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all += char(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const auto text = all.substr(0, n) + all.substr(256 - n % 3);
    EXPECT_EQ(base64_decode(base64_encode(text)), text);
  }
}

TEST(EtcdCodecTest, Base64RejectsWhatIsNotBase64) {
  EXPECT_EQ(base64_decode("Zm9"), std::nullopt);    // not a multiple of 4
  EXPECT_EQ(base64_decode("Zm9*"), std::nullopt);   // not in the alphabet
  EXPECT_EQ(base64_decode("Z=9v"), std::nullopt);   // padding in the middle
  EXPECT_EQ(base64_decode("Zg=A"), std::nullopt);   // "x=y" padding
  EXPECT_EQ(base64_decode("Zg==Zm8="), std::nullopt);
  EXPECT_EQ(base64_decode("YQ=="), "a");
}

TEST(EtcdCodecTest, KeysAndRangeEnd) {
  RegistryEntry entry{"Speech", "pc2", "tcp://10.0.0.2:7100", true};
  EXPECT_EQ(agents_prefix("/agenthost"), "/agenthost/agents/");
  EXPECT_EQ(agents_prefix("/agenthost/"), "/agenthost/agents/");
  EXPECT_EQ(agent_key("/agenthost/lab", entry), "/agenthost/lab/agents/pc2/Speech");
  EXPECT_EQ(prefix_range_end("/a/agents/"), "/a/agents0");  // '/' + 1 == '0'
  EXPECT_EQ(prefix_range_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(split_agent_key("/agenthost", "/agenthost/agents/pc2/Speech"),
            (std::pair<std::string, std::string>{"pc2", "Speech"}));
  EXPECT_EQ(split_agent_key("/agenthost", "/agenthost/agents/pc2"), std::nullopt);
  EXPECT_EQ(split_agent_key("/agenthost", "/agenthost/agents/pc2/"), std::nullopt);
  EXPECT_EQ(split_agent_key("/agenthost", "/agenthost/agents/pc2/a/b"), std::nullopt);
  EXPECT_EQ(split_agent_key("/agenthost", "/other/agents/pc2/Speech"), std::nullopt);
}

TEST(EtcdCodecTest, EntryRoundTripsAndTheKeyNamesIt) {
  RegistryEntry entry{"Speech", "pc2", "tcp://10.0.0.2:7100", true};
  const auto value = encode_entry(entry);
  EXPECT_EQ(decode_entry("/agenthost", agent_key("/agenthost", entry), value), entry);
  // The key wins over what the value says: a delete names only the key.
  auto moved = decode_entry("/agenthost", "/agenthost/agents/pc3/Speech", value);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->machine, "pc3");
  EXPECT_EQ(decode_entry("/agenthost", "/agenthost/agents/pc2/Speech", "not json"), std::nullopt);
  EXPECT_EQ(decode_entry("/agenthost", "/agenthost/agents/pc2/Speech", "[1]"), std::nullopt);
  auto sparse = decode_entry("/agenthost", "/agenthost/agents/pc2/Speech", "{}");
  ASSERT_TRUE(sparse);
  EXPECT_FALSE(sparse->ready);
  EXPECT_EQ(sparse->endpoint, "");
}

TEST(EtcdCodecTest, Int64AsEtcdWritesIt) {
  const auto json = nlohmann::json::parse(R"({"ID": "7587870125112395786", "TTL": 2, "bad": "x", "f": 1.5})");
  EXPECT_EQ(json_int64(json, "ID"), 7587870125112395786LL);
  EXPECT_EQ(json_int64(json, "TTL"), 2);
  EXPECT_EQ(json_int64(json, "bad"), 0);
  EXPECT_EQ(json_int64(json, "f"), 0);
  EXPECT_EQ(json_int64(json, "missing"), 0);
  EXPECT_EQ(json_int64(nlohmann::json::array(), "ID"), 0);
}

}  // namespace
}  // namespace agenthost::messaging::etcd
