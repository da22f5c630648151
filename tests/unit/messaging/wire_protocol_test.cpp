// The AH1 framing (docs/PROTOCOL.md): parse_request on what a ROUTER socket delivers,
// make_reply, and the caller's make_request / parse_reply.

#include "messaging/wire_protocol.hpp"

#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "messaging_test_support.hpp"

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;
using msgtest::frames;
using msgtest::str;
using msgtest::strings;
using Strings = std::vector<std::string>;

WireRequest expect_request(Frames in) {
  auto parsed = parse_request(in);
  if (auto* bad = std::get_if<Malformed>(&parsed)) {
    ADD_FAILURE() << "malformed: " << bad->reason;
    return {};
  }
  return std::move(std::get<WireRequest>(parsed));
}

Malformed expect_malformed(Frames in) {
  auto parsed = parse_request(in);
  if (std::holds_alternative<WireRequest>(parsed)) {
    ADD_FAILURE() << "parsed as a request";
    return {};
  }
  return std::move(std::get<Malformed>(parsed));
}

TEST(WireProtocolTest, ReqEnvelopeWithoutOptionalFrames) {
  auto request = expect_request(frames({"id1", "", "AH1", "echo", "{\"x\":1}"}));
  EXPECT_EQ(strings(request.envelope), (Strings{"id1", ""}));
  EXPECT_EQ(request.method, "echo");
  EXPECT_EQ(request.payload, "{\"x\":1}");
  EXPECT_FALSE(request.deadline);
  EXPECT_FALSE(request.correlation);
}

TEST(WireProtocolTest, ReqEnvelopeWithDeadlineAndCorrelation) {
  auto request = expect_request(frames({"id1", "", "AH1", "echo", "p", "250", "c7"}));
  EXPECT_EQ(strings(request.envelope), (Strings{"id1", ""}));
  ASSERT_TRUE(request.deadline);
  EXPECT_EQ(*request.deadline, 250ms);
  ASSERT_TRUE(request.correlation);
  EXPECT_EQ(*request.correlation, "c7");
}

TEST(WireProtocolTest, DeadlineFrameAlone) {
  auto request = expect_request(frames({"id1", "", "AH1", "echo", "", "0"}));
  ASSERT_TRUE(request.deadline);
  EXPECT_EQ(*request.deadline, 0ms);
  EXPECT_FALSE(request.correlation);
  EXPECT_EQ(request.payload, "");
}

TEST(WireProtocolTest, EmptyDeadlineMeansNoneAndEmptyCorrelationIsKept) {
  auto request = expect_request(frames({"id1", "", "AH1", "echo", "p", "", ""}));
  EXPECT_FALSE(request.deadline);
  ASSERT_TRUE(request.correlation);
  EXPECT_EQ(*request.correlation, "");
}

TEST(WireProtocolTest, DealerWithoutDelimiter) {
  auto request = expect_request(frames({"id1", "AH1", "echo", "p"}));
  EXPECT_EQ(strings(request.envelope), (Strings{"id1"}));
  EXPECT_EQ(request.method, "echo");
  EXPECT_EQ(request.payload, "p");

  auto with_extras = expect_request(frames({"id1", "AH1", "echo", "", "100", "cid"}));
  EXPECT_EQ(strings(with_extras.envelope), (Strings{"id1"}));
  EXPECT_EQ(with_extras.payload, "");
  ASSERT_TRUE(with_extras.deadline);
  EXPECT_EQ(*with_extras.deadline, 100ms);
  EXPECT_EQ(with_extras.correlation, std::optional<std::string>("cid"));
}

TEST(WireProtocolTest, ProxyEnvelopeKeepsEveryIdentity) {
  auto request = expect_request(frames({"id2", "id1", "", "AH1", "echo", ""}));
  EXPECT_EQ(strings(request.envelope), (Strings{"id2", "id1", ""}));
  EXPECT_EQ(request.method, "echo");
}

TEST(WireProtocolTest, MaxSizedMethodAndCorrelationAreAccepted) {
  const std::string method(kMaxMethodBytes, 'm');
  const std::string id(kMaxCorrelationBytes, 'c');
  auto request = expect_request(frames({"id1", "", "AH1", method, "", "", id}));
  EXPECT_EQ(request.method, method);
  EXPECT_EQ(request.correlation, std::optional<std::string>(id));
}

TEST(WireProtocolTest, WrongProtocolFrameIsAnswerable) {
  auto bad = expect_malformed(frames({"id1", "", "AH2", "echo", ""}));
  EXPECT_TRUE(bad.answerable);
  EXPECT_EQ(strings(bad.envelope), (Strings{"id1", ""}));
  EXPECT_NE(bad.reason.find("AH1"), std::string::npos) << bad.reason;
}

TEST(WireProtocolTest, TooFewFrames) {
  auto bad = expect_malformed(frames({"id1", "", "AH1", "echo"}));
  EXPECT_TRUE(bad.answerable);
  EXPECT_EQ(strings(bad.envelope), (Strings{"id1", ""}));
  EXPECT_FALSE(bad.correlation);

  auto only_envelope = expect_malformed(frames({"id1", ""}));
  EXPECT_TRUE(only_envelope.answerable);

  auto dealer = expect_malformed(frames({"id1", "AH1"}));
  EXPECT_TRUE(dealer.answerable);
  EXPECT_EQ(strings(dealer.envelope), (Strings{"id1"}));
}

TEST(WireProtocolTest, TooManyFrames) {
  auto bad = expect_malformed(frames({"id1", "", "AH1", "echo", "p", "10", "c", "extra"}));
  EXPECT_TRUE(bad.answerable);
  EXPECT_NE(bad.reason.find("at most 5"), std::string::npos) << bad.reason;
}

TEST(WireProtocolTest, EmptyMethod) {
  // An empty method right after AH1 (a DEALER without delimiter: no empty frame before it).
  auto bad = expect_malformed(frames({"id1", "AH1", "", "p"}));
  EXPECT_TRUE(bad.answerable);
  EXPECT_EQ(strings(bad.envelope), (Strings{"id1"}));
  auto with_delimiter = expect_malformed(frames({"id1", "", "AH1", "", "p"}));
  EXPECT_TRUE(with_delimiter.answerable);
}

TEST(WireProtocolTest, MethodOf129Bytes) {
  auto bad = expect_malformed(frames({"id1", "", "AH1", std::string(129, 'm'), "p"}));
  EXPECT_TRUE(bad.answerable);
  EXPECT_NE(bad.reason.find("128"), std::string::npos) << bad.reason;
}

TEST(WireProtocolTest, NonNumericDeadlinesAreRejectedAndTheCorrelationEchoed) {
  for (std::string deadline : {"12a", "abc", "-5", "+5", " 5", "5 ", "1.5", "10ms", "-0"}) {
    SCOPED_TRACE("deadline '" + deadline + "'");
    auto bad = expect_malformed(frames({"id1", "", "AH1", "echo", "p", deadline, "c1"}));
    EXPECT_TRUE(bad.answerable);
    EXPECT_EQ(bad.correlation, std::optional<std::string>("c1"));
    EXPECT_NE(bad.reason.find("deadline"), std::string::npos) << bad.reason;
  }
}

TEST(WireProtocolTest, AHugeDeadlineIsDigitsAndSoValid) {
  // Digits only, as the protocol says: a caller that is willing to wait (practically) forever
  // is not malformed, even beyond what a 64-bit count of milliseconds holds.
  auto request = expect_request(frames({"id1", "", "AH1", "echo", "p", "99999999999999999999999"}));
  ASSERT_TRUE(request.deadline);
  EXPECT_GT(*request.deadline, std::chrono::hours(24 * 365 * 1000));
}

TEST(WireProtocolTest, CorrelationOf65BytesIsRejectedAndNotEchoed) {
  auto bad = expect_malformed(frames({"id1", "", "AH1", "echo", "p", "", std::string(65, 'c')}));
  EXPECT_TRUE(bad.answerable);
  EXPECT_FALSE(bad.correlation);
  EXPECT_NE(bad.reason.find("64"), std::string::npos) << bad.reason;
}

TEST(WireProtocolTest, NoEnvelopeIsNotAnswerable) {
  auto single = expect_malformed(frames({"AH1"}));
  EXPECT_FALSE(single.answerable);
  auto none = expect_malformed(frames({}));
  EXPECT_FALSE(none.answerable);
  // Frame 1 is not AH1 and no later frame is empty: nowhere to send a reply.
  auto no_delimiter = expect_malformed(frames({"id1", "XYZ", "echo", "p"}));
  EXPECT_FALSE(no_delimiter.answerable);
}

TEST(WireProtocolTest, MakeReplyEchoesEnvelopeAndCorrelation) {
  auto reply = make_reply(frames({"id2", "id1", ""}), kOk, "body", std::string("c9"));
  EXPECT_EQ(strings(reply), (Strings{"id2", "id1", "", "AH1", "200", "body", "c9"}));

  auto no_id = make_reply(frames({"id1"}), kNoSuchMethod, "no such method", std::nullopt);
  EXPECT_EQ(strings(no_id), (Strings{"id1", "AH1", "404", "no such method"}));

  auto empty_id = make_reply(frames({"id1", ""}), kHandlerFailed, "", std::string());
  EXPECT_EQ(strings(empty_id), (Strings{"id1", "", "AH1", "500", "", ""}));
}

TEST(WireProtocolTest, ReplyToAParsedRequestRoundTrips) {
  auto request = expect_request(frames({"id1", "", "AH1", "echo", "p", "5", "c1"}));
  auto reply = make_reply(std::move(request.envelope), kOk, "p", request.correlation);
  EXPECT_EQ(strings(reply), (Strings{"id1", "", "AH1", "200", "p", "c1"}));
}

TEST(WireProtocolTest, MakeRequestParsesOnTheHostSide) {
  Frames request = make_request("echo", "payload", 750ms, "corr");
  EXPECT_EQ(strings(request), (Strings{"", "AH1", "echo", "payload", "750", "corr"}));

  // What the host's ROUTER sees: the caller's identity in front.
  Frames arrived = frames({"peer"});
  for (auto& frame : request) arrived.push_back(std::move(frame));
  auto parsed = expect_request(std::move(arrived));
  EXPECT_EQ(parsed.method, "echo");
  EXPECT_EQ(parsed.payload, "payload");
  EXPECT_EQ(parsed.deadline, std::optional<std::chrono::milliseconds>(750ms));
  EXPECT_EQ(parsed.correlation, std::optional<std::string>("corr"));

  EXPECT_EQ(strings(make_request("m", "", std::nullopt, "")), (Strings{"", "AH1", "m", "", "", ""}));
  EXPECT_EQ(strings(make_request("m", "", -5ms, "")), (Strings{"", "AH1", "m", "", "0", ""}));
}

TEST(WireProtocolTest, MakeReplyParseReplyRoundTrip) {
  auto reply = make_reply(frames({"id1", ""}), kNotServing, "agent stopping", std::string("c3"));
  // The caller's DEALER receives everything after the identity.
  Frames received;
  for (std::size_t i = 1; i < reply.size(); ++i) received.push_back(std::move(reply[i]));
  auto parsed = parse_reply(received);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->status, 503);
  EXPECT_EQ(parsed->body, "agent stopping");
  EXPECT_EQ(parsed->correlation, "c3");

  // Without a delimiter (a REQ socket strips it) and without a correlation id.
  Frames req_side = frames({"AH1", "200", "ok"});
  auto plain = parse_reply(req_side);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->body, "ok");
  EXPECT_EQ(plain->correlation, "");
}

TEST(WireProtocolTest, ParseReplyRejectsGarbage) {
  const std::vector<Strings> cases = {{},
                                      {""},
                                      {"", "AH1", "200"},
                                      {"AH1", "200"},
                                      {"", "AH2", "200", "x"},
                                      {"", "AH1", "2x0", "x"},
                                      {"", "AH1", "", "x"},
                                      {"", "AH1", "200 ", "x"},
                                      {"hello", "world", "again"}};
  for (const auto& parts : cases) {
    SCOPED_TRACE(::testing::PrintToString(parts));
    Frames bad;
    for (const auto& part : parts) bad.emplace_back(part.data(), part.size());
    EXPECT_FALSE(parse_reply(bad));
  }
}

}  // namespace
}  // namespace agenthost::messaging
