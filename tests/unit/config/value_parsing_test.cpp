// Durations, "did you mean", literal IP detection and ${VAR} substitution on single scalars.

#include <gtest/gtest.h>

#include "config/duration.hpp"
#include "config/ip_literal.hpp"
#include "config/substitution.hpp"
#include "config/suggest.hpp"
#include "test_support.hpp"

namespace agenthost::config {
namespace {

using namespace std::chrono_literals;

Duration ok_duration(std::string_view text) {
  auto parsed = parse_duration(text);
  EXPECT_TRUE(std::holds_alternative<Duration>(parsed)) << text;
  return std::holds_alternative<Duration>(parsed) ? std::get<Duration>(parsed) : Duration{-1};
}

std::string duration_error(std::string_view text) {
  auto parsed = parse_duration(text);
  EXPECT_TRUE(std::holds_alternative<DurationError>(parsed)) << text;
  return std::holds_alternative<DurationError>(parsed) ? std::get<DurationError>(parsed).message : "";
}

TEST(DurationTest, AcceptsEveryUnit) {
  EXPECT_EQ(ok_duration("500ms"), 500ms);
  EXPECT_EQ(ok_duration("30s"), 30s);
  EXPECT_EQ(ok_duration("2m"), 2min);
  EXPECT_EQ(ok_duration("1h"), 1h);
  EXPECT_EQ(ok_duration("1.5s"), 1500ms);
  EXPECT_EQ(ok_duration("0ms"), 0ms);
}

TEST(DurationTest, BareNumberAsksForUnit) {
  EXPECT_EQ(duration_error("30"), "duration '30' has no unit (write 30s or 30ms)");
}

TEST(DurationTest, RejectsUnknownUnitsAndNegativeAndText) {
  EXPECT_EQ(duration_error("30sec"), "unknown unit 'sec' in duration '30sec' (use ms, s, m or h)");
  EXPECT_NE(duration_error("-5s").find("negative"), std::string::npos);
  EXPECT_NE(duration_error("soon").find("is not a duration"), std::string::npos);
}

TEST(DurationTest, Formats) {
  EXPECT_EQ(format_duration(350ms), "350 ms");
  EXPECT_EQ(format_duration(1200ms), "1.2 s");
}

TEST(SuggestTest, FindsCloseNamesOnly) {
  const std::vector<std::string> keys = {"name", "plugin", "dependencies", "port"};
  EXPECT_EQ(did_you_mean("dependecies", keys), "did you mean 'dependencies'?");
  EXPECT_EQ(did_you_mean("prot", keys), "did you mean 'port'?");
  EXPECT_EQ(did_you_mean("Plugin", keys), "did you mean 'plugin'?");
  EXPECT_EQ(did_you_mean("colour", keys), "");
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(IpLiteralTest, FindsRoutableAddressesOnly) {
  auto found = find_ip_literals("tcp://192.168.1.5:7000");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].address, "192.168.1.5");
  EXPECT_EQ(found[0].offset, 6u);
  EXPECT_EQ(find_ip_literals("[fe80::1]:80").at(0).address, "fe80::1");
  EXPECT_EQ(find_ip_literals("2001:db8::7").size(), 1u);
  EXPECT_TRUE(find_ip_literals("127.0.0.1:9464").empty());
  EXPECT_TRUE(find_ip_literals("[::1]:9464").empty());
  EXPECT_TRUE(find_ip_literals("0.0.0.0").empty());
  EXPECT_TRUE(find_ip_literals("version 1.2.3").empty());
  EXPECT_TRUE(find_ip_literals("12:30:00").empty());
  EXPECT_TRUE(find_ip_literals("lib1.2.3.4x").empty());
}

class SubstitutionTest : public ::testing::Test {
 protected:
  std::optional<std::string> run(std::string_view text) { return substitute(text, where_, env_, diags_, done_); }

  SourceLocation where_{"a.yaml", 3, 9};
  Environment env_ = testing::fake_env({{"HOST", "pc2"}, {"EMPTY", ""}, {"PORT", "7000"}});
  Diagnostics diags_;
  std::vector<Substitution> done_;
};

TEST_F(SubstitutionTest, ReplacesSetVariable) {
  EXPECT_EQ(run("${HOST}"), "pc2");
  ASSERT_EQ(done_.size(), 1u);
  EXPECT_EQ(done_[0].variable, "HOST");
  EXPECT_EQ(done_[0].value, "pc2");
  EXPECT_FALSE(done_[0].from_default);
  EXPECT_EQ(done_[0].where.to_string(), "a.yaml:3:9");
}

TEST_F(SubstitutionTest, UsesDefaultWhenUnsetOrEmpty) {
  EXPECT_EQ(run("${NOPE:-localhost}"), "localhost");
  EXPECT_EQ(run("${EMPTY:-x}"), "x");
  EXPECT_EQ(run("${EMPTY-x}"), "");  // without ':' an empty value counts as set, like sh
  EXPECT_EQ(run("${HOST:-x}"), "pc2");
  EXPECT_TRUE(done_[0].from_default);
  EXPECT_TRUE(diags_.empty());
}

TEST_F(SubstitutionTest, SeveralReferencesMixedWithText) {
  EXPECT_EQ(run("tcp://${HOST}:${PORT}/x${NOPE:-}y"), "tcp://pc2:7000/xy");
  EXPECT_EQ(done_.size(), 3u);
}

TEST_F(SubstitutionTest, DollarDollarIsLiteral) {
  EXPECT_EQ(run("cost $$5 and $${HOST} and 5$"), "cost $5 and ${HOST} and 5$");
  EXPECT_TRUE(done_.empty());
}

TEST_F(SubstitutionTest, UnsetWithoutDefaultIsAnError) {
  EXPECT_EQ(run("${PC2_IP}"), std::nullopt);
  EXPECT_EQ(testing::formatted(diags_),
            "a.yaml:3:9: error: environment variable 'PC2_IP' is not set (set it, or write ${PC2_IP:-default})\n");
}

TEST_F(SubstitutionTest, RequiredVariableMessage) {
  EXPECT_EQ(run("${TOKEN:?set TOKEN to the API token}"), std::nullopt);
  EXPECT_EQ(testing::formatted(diags_),
            "a.yaml:3:9: error: environment variable 'TOKEN' is not set: set TOKEN to the API token\n");
  EXPECT_EQ(run("${HOST:?needed}"), "pc2");
}

TEST_F(SubstitutionTest, ReportsEveryProblemOfOneScalar) {
  EXPECT_EQ(run("${A}-${B}"), std::nullopt);
  EXPECT_EQ(diags_.error_count(), 2u);
}

TEST_F(SubstitutionTest, MalformedReferences) {
  EXPECT_EQ(run("${HOST"), std::nullopt);
  EXPECT_EQ(run("${1X}"), std::nullopt);
  EXPECT_EQ(run("${HOST:x}"), std::nullopt);
  EXPECT_EQ(diags_.error_count(), 3u);
  EXPECT_NE(diags_.items()[0].message.find("unterminated"), std::string::npos);
}

}  // namespace
}  // namespace agenthost::config
