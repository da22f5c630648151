#include "errors/error_wire.hpp"
#include "observability/utc_time.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace agenthost::errors {
namespace {

TEST(ErrorWire, ABatchSurvivesTheRoundTrip) {
  ErrorEvent e;
  e.seq = 7;
  e.time_ms = 1'790'000'000'123;
  e.machine = "pc2";
  e.agent = "SpeechAgent";
  e.method = "transcribe";
  e.severity = Severity::critical;
  e.message = "GPU lost \"0\"";
  e.fields = {{"gpu", "0"}, {"model", "whisper"}};
  const ErrorBatch batch{"pc2", "boot-1", 3, {e}};

  const ErrorBatch back = decode_batch(encode_batch(batch));
  EXPECT_EQ(back.machine, "pc2");
  EXPECT_EQ(back.boot, "boot-1");
  EXPECT_EQ(back.dropped, 3u);
  ASSERT_EQ(back.events.size(), 1u);
  const auto& b = back.events[0];
  EXPECT_EQ(b.seq, 7u);
  EXPECT_EQ(b.time_ms, e.time_ms);
  EXPECT_EQ(b.agent, e.agent);
  EXPECT_EQ(b.method, e.method);
  EXPECT_EQ(b.severity, Severity::critical);
  EXPECT_EQ(b.message, e.message);
  EXPECT_EQ(b.fields, e.fields);
  EXPECT_FALSE(b.remote) << "the receiver decides that";
}

TEST(ErrorWire, MalformedBatchesAreRefusedWithAReason) {
  EXPECT_THROW(decode_batch("not json"), std::invalid_argument);
  EXPECT_THROW(decode_batch(R"({"machine": "pc2"})"), std::invalid_argument);
  try {
    decode_batch(R"({"machine":"m","boot":"b","events":[{"seq":1,"time_ms":1,"machine":"m","agent":"a",)"
                 R"("severity":"fatal","message":"x"}]})");
    FAIL() << "an unknown severity was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fatal"), std::string::npos) << e.what();
  }
}

TEST(ErrorWire, Acknowledgements) {
  EXPECT_EQ(decode_ack(encode_ack(42)), 42u);
  EXPECT_EQ(decode_ack("{}"), std::nullopt);
  EXPECT_EQ(decode_ack("garbage"), std::nullopt);
}

TEST(ErrorEvent, SeverityNamesAndUtcTimes) {
  for (auto s : {Severity::info, Severity::warning, Severity::error, Severity::critical})
    EXPECT_EQ(parse_severity(to_string(s)), s);
  EXPECT_EQ(parse_severity("fatal"), std::nullopt);
  EXPECT_EQ(observability::format_utc_time_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(observability::format_utc_time_ms(1'795'000'000'042), "2026-11-18T11:06:40.042Z");
  // Before 1970 the seconds round down, not towards zero.
  EXPECT_EQ(observability::format_utc_time_ms(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace agenthost::errors
