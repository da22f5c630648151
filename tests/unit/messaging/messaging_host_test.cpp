// MessagingHost, AgentClient and the socket loop together, without plugins: endpoints are
// created and served directly, callers are AgentClients or raw ZeroMQ sockets on inproc:// and
// tcp://127.0.0.1.

#include "messaging/messaging_host.hpp"

#include <pthread.h>

#include <future>
#include <mutex>
#include <memory>
#include <stdexcept>
#include <variant>

#include <gtest/gtest.h>

#include "messaging/agent_client.hpp"
#include "messaging/tcp_listener.hpp"
#include "messaging/wire_protocol.hpp"
#include "messaging_test_support.hpp"

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;
using msgtest::eventually;
using msgtest::receive;
using msgtest::send_all;
using Strings = std::vector<std::string>;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

MessagingOptions options_for(const std::string& machine) {
  MessagingOptions options;
  options.machine = machine;
  options.workers = 4;
  options.client.retry_backoff = 5ms;
  options.client.retry_backoff_max = 20ms;
  return options;
}

// A tcp address on 127.0.0.1 that nobody listens on: bound by the kernel, then closed.
std::string dead_tcp_endpoint() {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::router);
  socket.set(zmq::sockopt::linger, 0);
  socket.bind("tcp://127.0.0.1:*");
  return socket.get(zmq::sockopt::last_endpoint);
}

// Host "m1" with agent "B" (concurrency 1) bound on inproc and an ephemeral tcp port, ready.
class HostFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = std::make_unique<MessagingHost>(options_for("m1"));
    ASSERT_EQ(host_->start(), std::nullopt);
    b_ = host_->endpoint("B", 1);
    b_->serve("echo", [](Request& request) { return request.payload; });
    b_->serve("caller", [](Request& request) { return std::string(request.caller); });
    b_->serve("fail", [](Request&) -> std::string { throw std::runtime_error("kaputt"); });
    ASSERT_EQ(host_->bind("B", std::nullopt, /*port_auto=*/true), std::nullopt);
    host_->agent_ready("B");
  }
  void TearDown() override {
    b_.reset();
    host_.reset();
  }

  zmq::socket_t dealer(const std::string& endpoint) {
    zmq::socket_t socket(host_->context(), zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(endpoint);
    return socket;
  }

  std::unique_ptr<MessagingHost> host_;
  std::shared_ptr<AgentEndpoint> b_;
};

// --- MessagingHost ---

class MessagingHostTest : public HostFixture {};

TEST_F(MessagingHostTest, EndpointIsCreatedOnceAndFound) {
  EXPECT_EQ(host_->endpoint("B", 5), b_);
  EXPECT_EQ(host_->find_endpoint("B"), b_);
  EXPECT_EQ(host_->find_endpoint("Nobody"), nullptr);
  auto c = host_->endpoint("C", 2);
  EXPECT_FALSE(c->is_open());  // created held
  EXPECT_EQ(c->name(), "C");
}

TEST_F(MessagingHostTest, ReadyPublishesTheTcpEndpointAndGoneWithdrawsReadiness) {
  const std::string tcp = host_->tcp_endpoint("B");
  ASSERT_TRUE(tcp.starts_with("tcp://127.0.0.1:")) << tcp;
  EXPECT_FALSE(contains(tcp, "*")) << tcp;
  EXPECT_EQ(host_->tcp_endpoint("Nobody"), "");
  auto entry = host_->registry().find("B");
  ASSERT_TRUE(entry);
  EXPECT_EQ(*entry, (RegistryEntry{"B", "m1", tcp, true}));
  EXPECT_TRUE(b_->is_open());

  host_->agent_gone("B", "stopping", 1s);
  entry = host_->registry().find("B");
  ASSERT_TRUE(entry);
  EXPECT_FALSE(entry->ready);
  EXPECT_FALSE(b_->is_open());
}

TEST_F(MessagingHostTest, BindErrorsNameTheProblem) {
  auto missing = host_->bind("Nobody", std::nullopt, false);
  ASSERT_TRUE(missing);
  EXPECT_TRUE(contains(*missing, "Nobody")) << *missing;

  // Binding B again (a restarted agent) keeps the sockets it has: endpoints persist.
  const std::string before = host_->tcp_endpoint("B");
  EXPECT_FALSE(host_->bind("B", std::nullopt, false));
  EXPECT_EQ(host_->tcp_endpoint("B"), before);

  // A fixed port that is in use (B's).
  const std::string tcp = host_->tcp_endpoint("B");
  const int port = std::stoi(tcp.substr(tcp.rfind(':') + 1));
  host_->endpoint("D", 1);
  auto taken = host_->bind("D", port, false);
  ASSERT_TRUE(taken);
  EXPECT_TRUE(contains(*taken, std::to_string(port))) << *taken;
  EXPECT_TRUE(contains(*taken, "taken by another program")) << *taken;
  EXPECT_EQ(host_->tcp_endpoint("D"), "");
  // D failed to bind but has its endpoint: a second try with a free port succeeds.
  EXPECT_EQ(host_->bind("D", std::nullopt, true), std::nullopt);
  EXPECT_TRUE(host_->tcp_endpoint("D").starts_with("tcp://127.0.0.1:"));
}

TEST_F(MessagingHostTest, AnEndpointBoundAheadIsHiddenFromCallersUntilAStartClaimsIt) {
  host_->bind_ahead("E", 1, std::nullopt, /*port_auto=*/true);
  auto e = host_->find_endpoint("E");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(host_->tcp_endpoint("E").starts_with("tcp://127.0.0.1:"));
  EXPECT_EQ(host_->started_endpoint("E"), nullptr);
  // Not ready: an in-host caller hears so at once instead of waiting for it.
  const auto before = std::chrono::steady_clock::now();
  auto result = AgentClient(*host_, "A", "E").call("echo", "", 2s);
  EXPECT_EQ(result.status, CallStatus::unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);

  EXPECT_EQ(host_->endpoint("E", 1), e);  // its start claims the same endpoint, bound
  EXPECT_EQ(host_->started_endpoint("E"), e);
  EXPECT_EQ(host_->bind("E", std::nullopt, true), std::nullopt);
}

TEST_F(MessagingHostTest, ABlockedAgentsEndpointBoundAheadAnswers503WithWhy) {
  host_->bind_ahead("F", 1, std::nullopt, /*port_auto=*/true);
  auto socket = dealer(host_->tcp_endpoint("F"));
  ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "x", "5000", "held"}));
  EXPECT_FALSE(receive(socket, 100ms));  // held: F may still start
  host_->close_unstarted("F", "blocked: dependency 'X' failed");
  auto reply = receive(socket);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[2], "503");
  EXPECT_TRUE(contains((*reply)[3], "blocked: dependency 'X' failed")) << (*reply)[3];

  host_->close_unstarted("B", "not meant for a started agent");
  EXPECT_TRUE(b_->is_open());
}

TEST_F(MessagingHostTest, AStartAndTheBindingAheadOfOneAgentAtOnceBindItOnce) {
  for (int i = 0; i < 20; ++i) {
    const std::string name = "G" + std::to_string(i);
    auto ahead = std::async(std::launch::async, [&] { host_->bind_ahead(name, 1, std::nullopt, true); });
    host_->endpoint(name, 1);
    EXPECT_EQ(host_->bind(name, std::nullopt, true), std::nullopt) << name;
    ahead.get();
    EXPECT_TRUE(host_->tcp_endpoint(name).starts_with("tcp://127.0.0.1:")) << name;
  }
}

TEST_F(MessagingHostTest, AReservedPortIsTakenAtOnceAndItsBindTakesItOver) {
  // A free port: bound by the kernel for a moment, then closed.
  const std::string dead = dead_tcp_endpoint();
  const int port = std::stoi(dead.substr(dead.rfind(':') + 1));
  host_->endpoint("R", 1);
  ASSERT_EQ(host_->reserve("R", port, false), std::nullopt);
  EXPECT_EQ(host_->tcp_endpoint("R"), "");  // reserved, not bound: not published yet
  EXPECT_EQ(host_->reserve("R", port, false), std::nullopt);  // once

  // Another agent on the same port hears so from its reserve(), before its code would run.
  host_->endpoint("S", 1);
  auto taken = host_->reserve("S", port, false);
  ASSERT_TRUE(taken);
  EXPECT_TRUE(contains(*taken, "taken by another program")) << *taken;

  ASSERT_EQ(host_->bind("R", port, false), std::nullopt);
  EXPECT_EQ(host_->tcp_endpoint("R"), "tcp://127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(host_->reserve("R", port, false), std::nullopt);  // bound: nothing to do
  auto r = host_->find_endpoint("R");
  r->serve("echo", [](Request& request) { return request.payload; });
  host_->agent_ready("R");
  auto socket = dealer(host_->tcp_endpoint("R"));
  ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "over the reserved port", "5000", "r1"}));
  auto reply = receive(socket);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[2], "200");
  EXPECT_EQ((*reply)[3], "over the reserved port");
}

TEST(MessagingHostLoopThreads, BindsAndCallsBeforeTheLoopThreadsAreServedOnceTheyStart) {
  MessagingHost host(options_for("m1"));
  ASSERT_EQ(host.start(MessagingHost::LoopThreads::later), std::nullopt);
  auto l = host.endpoint("L", 1);
  l->serve("echo", [](Request& request) { return request.payload; });
  ASSERT_EQ(host.bind("L", std::nullopt, /*port_auto=*/true), std::nullopt);
  host.agent_ready("L");
  zmq::socket_t socket(host.context(), zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(host.tcp_endpoint("L"));
  ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "early", "5000", "l1"}));
  EXPECT_FALSE(receive(socket, 100ms));  // no thread serves the socket yet
  host.start_loop();
  auto reply = receive(socket);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[2], "200");
  EXPECT_EQ((*reply)[3], "early");
  socket.close();
  host.stop();
}

TEST(MessagingHostLoopThreads, StoppedBeforeTheyStartedItStillClosesWhatWasBound) {
  const std::string dead = dead_tcp_endpoint();
  const int port = std::stoi(dead.substr(dead.rfind(':') + 1));
  {
    MessagingHost host(options_for("m1"));
    ASSERT_EQ(host.start(MessagingHost::LoopThreads::later), std::nullopt);
    host.endpoint("M", 1);
    ASSERT_EQ(host.bind("M", port, false), std::nullopt);
    const auto before = std::chrono::steady_clock::now();
    host.stop();  // closes M's sockets on a loop thread made for it, so the context ends at once
    EXPECT_LT(std::chrono::steady_clock::now() - before, 900ms);
  }
  // The port is free again.
  auto again = open_tcp_listener("127.0.0.1", port);
  EXPECT_TRUE(std::holds_alternative<TcpListener>(again))
      << std::get<std::string>(again);
}

TEST_F(MessagingHostTest, BreakerIsOnePerEndpoint) {
  auto& a = host_->breaker("tcp://127.0.0.1:1");
  auto& b = host_->breaker("tcp://127.0.0.1:2");
  EXPECT_EQ(&a, &host_->breaker("tcp://127.0.0.1:1"));
  EXPECT_NE(&a, &b);
}

TEST_F(MessagingHostTest, StartAndStopTwiceAreHarmless) {
  EXPECT_EQ(host_->start(), std::nullopt);
  host_->stop();
  host_->stop();
}

// --- AgentClient, in this host ---

class AgentClientTest : public HostFixture {};

TEST_F(AgentClientTest, SyncCallOk) {
  AgentClient client(*host_, "A", "B");
  EXPECT_EQ(client.target(), "B");
  auto result = client.call("echo", "hello", 2s);
  ASSERT_TRUE(result.ok()) << to_string(result.status) << ": " << result.error;
  EXPECT_EQ(result.payload, "hello");
  EXPECT_EQ(result.code, 200);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(client.call("caller", "", 2s).payload, "A");
}

TEST_F(AgentClientTest, CallAsyncWithCallback) {
  AgentClient client(*host_, "A", "B");
  std::promise<CallResult> promise;
  std::atomic<int> calls{0};
  client.call_async("echo", "async", 2s, [&](CallResult result) {
    ++calls;
    promise.set_value(std::move(result));
  });
  auto future = promise.get_future();
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  auto result = future.get();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.payload, "async");
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(AgentClientTest, CallAsyncFuture) {
  AgentClient client(*host_, "A", "B");
  auto future = client.call_async("echo", "future", 2s);
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  auto result = future.get();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.payload, "future");

  // Idempotent async calls take the worker path (they may be retried): same answer.
  auto retried = client.call_async("echo", "again", 2s, CallOptions{.idempotent = true});
  ASSERT_EQ(retried.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(retried.get().payload, "again");
}

TEST_F(AgentClientTest, HandlerErrorsAreRemoteErrors) {
  AgentClient client(*host_, "A", "B");
  auto failed = client.call("fail", "", 2s);
  EXPECT_EQ(failed.status, CallStatus::remote_error);
  EXPECT_EQ(failed.code, 500);
  EXPECT_EQ(failed.error, "kaputt");

  auto unknown = client.call("nope", "", 2s);
  EXPECT_EQ(unknown.status, CallStatus::remote_error);
  EXPECT_EQ(unknown.code, 404);
  EXPECT_TRUE(contains(unknown.error, "nope")) << unknown.error;
}

TEST_F(AgentClientTest, UnknownAgentIsUnavailable) {
  AgentClient client(*host_, "A", "Nobody");
  auto result = client.call("echo", "", 2s);
  EXPECT_EQ(result.status, CallStatus::unavailable);
  EXPECT_EQ(result.code, 0);
  EXPECT_TRUE(contains(result.error, "Nobody")) << result.error;

  auto future = client.call_async("echo", "", 2s);
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  auto async = future.get();
  EXPECT_EQ(async.status, CallStatus::unavailable);
  EXPECT_TRUE(contains(async.error, "Nobody")) << async.error;
}

TEST_F(AgentClientTest, PeerAgentsThatCannotBeCalledAreUnavailable) {
  host_->registry().replace_machine(
      "m9", {{"NotReady", "m9", "tcp://127.0.0.1:1", false}, {"NoPort", "m9", "", true}});
  auto not_ready = AgentClient(*host_, "A", "NotReady").call("echo", "", 2s);
  EXPECT_EQ(not_ready.status, CallStatus::unavailable);
  EXPECT_TRUE(contains(not_ready.error, "not ready")) << not_ready.error;
  auto no_port = AgentClient(*host_, "A", "NoPort").call("echo", "", 2s);
  EXPECT_EQ(no_port.status, CallStatus::unavailable);
  EXPECT_TRUE(contains(no_port.error, "no network endpoint")) << no_port.error;
}

TEST_F(AgentClientTest, AHeldAgentTimesOutAndLaterSkipsTheAbandonedCalls) {
  auto held = host_->endpoint("H", 1);
  std::atomic<int> ran{0};
  held->serve("echo", [&](Request& request) {
    ++ran;
    return request.payload;
  });
  AgentClient client(*host_, "A", "H");

  const auto start = Clock::now();
  auto result = client.call("echo", "x", 50ms);
  EXPECT_GE(Clock::now() - start, 50ms);
  EXPECT_EQ(result.status, CallStatus::timeout);
  EXPECT_EQ(result.code, 0);
  EXPECT_TRUE(contains(result.error, "H")) << result.error;

  // Asynchronously: the deadline watch answers it.
  auto future = client.call_async("echo", "y", 50ms);
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(future.get().status, CallStatus::timeout);

  host_->agent_ready("H");
  auto late = client.call("echo", "z", 2s);
  ASSERT_TRUE(late.ok()) << late.error;
  EXPECT_EQ(late.payload, "z");
  EXPECT_EQ(ran.load(), 1);  // the two abandoned calls never ran (they were ahead in the queue)
}

TEST_F(AgentClientTest, IdempotentCallsAreRetriedWhenUnavailable) {
  host_->agent_gone("B", "stopped for the test", 1s);
  AgentClient client(*host_, "A", "B");

  auto once = client.call("echo", "", 2s);
  EXPECT_EQ(once.status, CallStatus::unavailable);
  EXPECT_EQ(once.code, 503);
  EXPECT_TRUE(contains(once.error, "stopped for the test")) << once.error;
  EXPECT_EQ(b_->counters().rejected, 1u);

  auto retried = client.call("echo", "", 2s, CallOptions{.idempotent = true, .max_attempts = 3});
  EXPECT_EQ(retried.status, CallStatus::unavailable);
  EXPECT_EQ(b_->counters().rejected, 4u);  // three attempts

  auto single = client.call("echo", "", 2s, CallOptions{.idempotent = true, .max_attempts = 1});
  EXPECT_EQ(single.status, CallStatus::unavailable);
  EXPECT_EQ(b_->counters().rejected, 5u);

  auto future = client.call_async("echo", "", 2s, CallOptions{.idempotent = true, .max_attempts = 2});
  ASSERT_EQ(future.wait_for(2s), std::future_status::ready);
  EXPECT_EQ(future.get().status, CallStatus::unavailable);
  EXPECT_EQ(b_->counters().rejected, 7u);
}

TEST_F(AgentClientTest, RemoteErrorsAreNotRetried) {
  AgentClient client(*host_, "A", "B");
  auto result = client.call("fail", "", 2s, CallOptions{.idempotent = true, .max_attempts = 3});
  EXPECT_EQ(result.status, CallStatus::remote_error);
  EXPECT_EQ(b_->counters().failed, 1u);
}

TEST_F(AgentClientTest, RetriesStopAtTheDeadline) {
  // A backoff that does not fit in what is left of the deadline is not slept.
  host_->agent_gone("B", "stopped", 1s);
  AgentClient client(*host_, "A", "B");
  auto result = client.call("echo", "", 3ms, CallOptions{.idempotent = true, .max_attempts = 100});
  EXPECT_EQ(result.status, CallStatus::unavailable);
  EXPECT_LT(b_->counters().rejected, 100u);
}

TEST_F(AgentClientTest, HandlersCallingOtherAgentsDoNotDeadlockTheWorkers) {
  // Every worker busy in a handler that synchronously calls another agent: the blocked
  // workers get stand-ins, so the inner calls still run.
  auto inner = host_->endpoint("Inner", 1);
  inner->serve("echo", [](Request& request) { return request.payload; });
  host_->agent_ready("Inner");
  auto outer = host_->endpoint("Outer", 8);
  AgentClient to_inner(*host_, "Outer", "Inner");
  outer->serve("relay", [&](Request& request) {
    auto result = to_inner.call("echo", request.payload, 2s);
    if (!result.ok()) throw std::runtime_error(result.error);
    return result.payload;
  });
  host_->agent_ready("Outer");
  AgentClient client(*host_, "A", "Outer");
  std::vector<std::future<CallResult>> futures;
  for (int i = 0; i < 8; ++i) futures.push_back(client.call_async("relay", std::to_string(i), 3s));
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(futures[i].wait_for(4s), std::future_status::ready);
    auto result = futures[i].get();
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.payload, std::to_string(i));
  }
}

// --- AgentClient, to another host over tcp ---

TEST_F(AgentClientTest, RemoteCallOverTcp) {
  const std::string tcp = host_->tcp_endpoint("B");
  MessagingHost other(options_for("m2"));
  ASSERT_EQ(other.start(), std::nullopt);
  other.registry().replace_machine("m1", {{"B", "m1", tcp, true}});
  AgentClient client(other, "A", "B");

  auto result = client.call("echo", "over tcp", 2s);
  ASSERT_TRUE(result.ok()) << to_string(result.status) << ": " << result.error;
  EXPECT_EQ(result.payload, "over tcp");
  EXPECT_EQ(result.code, 200);
  EXPECT_EQ(client.call("caller", "", 2s).payload, "");  // a caller from outside this host

  auto failed = client.call("fail", "", 2s);
  EXPECT_EQ(failed.status, CallStatus::remote_error);
  EXPECT_EQ(failed.code, 500);
  EXPECT_EQ(failed.error, "kaputt");

  auto future = client.call_async("echo", "async over tcp", 2s);
  ASSERT_EQ(future.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(future.get().payload, "async over tcp");

  // One connection, leased and returned for each call.
  auto counts = other.sockets().counts();
  EXPECT_EQ(counts.created, 1u);
  EXPECT_EQ(counts.leased, 0u);
  EXPECT_EQ(counts.idle, 1u);
  EXPECT_EQ(other.breaker(tcp).state(Clock::now()), CircuitBreaker::State::closed);

  // The agent stops on m1 (its socket stays bound): remote callers are told 503.
  host_->agent_gone("B", "stopping", 1s);
  auto gone = client.call("echo", "", 2s);
  EXPECT_EQ(gone.status, CallStatus::unavailable);
  EXPECT_EQ(gone.code, 503);
  EXPECT_TRUE(contains(gone.error, "stopping")) << gone.error;
}

// A second host, bound on `bind`, serving `agent` with one method, echo, on an ephemeral port.
std::unique_ptr<MessagingHost> echo_host(const std::string& machine, const std::string& bind,
                                         const std::string& advertise, const std::string& agent) {
  auto options = options_for(machine);
  options.bind = bind;
  options.advertise = advertise;
  auto host = std::make_unique<MessagingHost>(options);
  EXPECT_EQ(host->start(), std::nullopt);
  host->endpoint(agent, 1)->serve("echo", [](Request& request) { return request.payload; });
  EXPECT_EQ(host->bind(agent, std::nullopt, true), std::nullopt);
  host->agent_ready(agent);
  return host;
}

TEST_F(AgentClientTest, RemoteCallOverIpv6Loopback) {
  auto six = echo_host("m6", "::1", "::1", "V6");
  const std::string tcp = six->tcp_endpoint("V6");
  ASSERT_TRUE(tcp.starts_with("tcp://[::1]:")) << tcp;

  host_->registry().replace_machine("m6", {{"V6", "m6", tcp, true}});
  AgentClient client(*host_, "A", "V6");
  auto result = client.call("echo", "over ::1", 2s);
  ASSERT_TRUE(result.ok()) << to_string(result.status) << ": " << result.error;
  EXPECT_EQ(result.payload, "over ::1");
}

TEST_F(AgentClientTest, AWildcardBindServesIpv4AndIpv6Callers) {
  auto both = echo_host("m7", "::", "localhost", "W");
  const std::string advertised = both->tcp_endpoint("W");
  const std::string port = advertised.substr(advertised.rfind(':') + 1);
  for (const std::string caller_sees : {"tcp://127.0.0.1:" + port, "tcp://[::1]:" + port}) {
    host_->registry().replace_machine("m7", {{"W", "m7", caller_sees, true}});
    AgentClient client(*host_, "A", "W");
    auto result = client.call("echo", caller_sees, 2s);
    ASSERT_TRUE(result.ok()) << caller_sees << ": " << to_string(result.status) << ": "
                             << result.error;
    EXPECT_EQ(result.payload, caller_sees);
  }
}

TEST_F(AgentClientTest, RemoteCallToAHeldAgentTimesOut) {
  auto held = host_->endpoint("H", 1);
  held->serve("echo", [](Request& request) { return request.payload; });
  ASSERT_EQ(host_->bind("H", std::nullopt, true), std::nullopt);
  const std::string tcp = host_->tcp_endpoint("H");
  MessagingHost other(options_for("m2"));
  ASSERT_EQ(other.start(), std::nullopt);
  other.registry().replace_machine("m1", {{"H", "m1", tcp, true}});
  AgentClient client(other, "A", "H");
  auto result = client.call("echo", "x", 50ms);
  EXPECT_EQ(result.status, CallStatus::timeout);

  // Once ready, the next call is answered (the late reply to the first is told apart by its
  // correlation id, if it comes at all).
  host_->agent_ready("H");
  auto ok = client.call("echo", "y", 2s);
  ASSERT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(ok.payload, "y");
}

TEST_F(AgentClientTest, CircuitOpensAfterRepeatedFailuresAndThenFailsFast) {
  const std::string dead = dead_tcp_endpoint();
  auto options = options_for("m2");
  options.client.breaker_failures = 2;
  options.client.breaker_open_for = 10s;
  MessagingHost other(options);
  ASSERT_EQ(other.start(), std::nullopt);
  other.registry().replace_machine("m3", {{"C", "m3", dead, true}});
  AgentClient client(other, "A", "C");

  for (int i = 0; i < 2; ++i) {
    auto result = client.call("echo", "", 50ms);
    EXPECT_TRUE(result.status == CallStatus::unavailable || result.status == CallStatus::timeout)
        << to_string(result.status) << ": " << result.error;
  }
  EXPECT_EQ(other.breaker(dead).state(Clock::now()), CircuitBreaker::State::open);

  const auto start = Clock::now();
  auto fast = client.call("echo", "", 2s);
  EXPECT_LT(Clock::now() - start, 1s);  // not sent: no waiting for the deadline
  EXPECT_EQ(fast.status, CallStatus::circuit_open);
  EXPECT_EQ(fast.code, 0);
  EXPECT_TRUE(contains(fast.error, "C")) << fast.error;
  EXPECT_TRUE(contains(fast.error, dead)) << fast.error;
}

// --- replicas: one agent on several machines ---

// Host `machine` serving `agent`: "where" answers the machine's name; "hold" does too, once
// `release` is set.
std::unique_ptr<MessagingHost> replica_host(const std::string& machine, const std::string& agent,
                                            std::shared_future<void> release) {
  auto host = std::make_unique<MessagingHost>(options_for(machine));
  EXPECT_EQ(host->start(), std::nullopt);
  auto endpoint = host->endpoint(agent, 4);
  endpoint->serve("where", [machine](Request&) { return machine; });
  endpoint->serve("hold", [machine, release](Request&) {
    release.wait_for(10s);
    return machine;
  });
  EXPECT_EQ(host->bind(agent, std::nullopt, true), std::nullopt);
  host->agent_ready(agent);
  return host;
}

class ReplicaTest : public AgentClientTest {
 protected:
  void SetUp() override {
    AgentClientTest::SetUp();
    release_ = released_.get_future().share();
    for (const char* machine : {"m2", "m3"}) {
      replicas_.push_back(replica_host(machine, "R", release_));
      host_->registry().replace_machine(machine, {{"R", machine, replicas_.back()->tcp_endpoint("R"), true}});
    }
  }
  void TearDown() override {
    released_.set_value();
    AgentClientTest::TearDown();
  }

  std::map<std::string, int> where(Client& client, int calls, CallOptions options = {}) {
    std::map<std::string, int> answered;
    for (int i = 0; i < calls; ++i) {
      auto result = client.call("where", "", 2s, options);
      ++answered[result.ok() ? result.payload : std::string(to_string(result.status))];
    }
    return answered;
  }

  std::promise<void> released_;
  std::shared_future<void> release_;
  std::vector<std::unique_ptr<MessagingHost>> replicas_;
};

TEST_F(ReplicaTest, CallsAreSpreadOverTheInstances) {
  EXPECT_TRUE(host_->registry().has_replicas());
  AgentClient client(*host_, "A", "R");
  EXPECT_EQ(where(client, 10), (std::map<std::string, int>{{"m2", 5}, {"m3", 5}}));
}

TEST_F(ReplicaTest, TheInstanceWithCallsOutstandingGetsNoMoreUntilTheyEnd) {
  AgentClient client(*host_, "A", "R");
  auto held = client.call_async("hold", "", 5s);
  // The held call is in flight (it leaves from a worker): every call now goes to the other one.
  ASSERT_TRUE(eventually([&] {
    return host_->called(replicas_[0]->tcp_endpoint("R")).outstanding + host_->called(replicas_[1]->tcp_endpoint("R")).outstanding == 1;
  }));
  auto answered = where(client, 6);
  ASSERT_EQ(answered.size(), 1u);
  const std::string idle = answered.begin()->first;
  EXPECT_EQ(answered.begin()->second, 6);
  released_.set_value();
  released_ = {};  // TearDown sets this one
  auto result = held.get();
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_NE(result.payload, idle);
  EXPECT_TRUE(idle == "m2" || idle == "m3") << idle;
}

TEST_F(ReplicaTest, AnIdleInstanceInThisHostIsPreferredAndABusyOneShared) {
  auto local = host_->endpoint("R", 4);
  local->serve("where", [](Request&) { return std::string("m1"); });
  local->serve("hold", [release = release_](Request&) {
    release.wait_for(10s);
    return std::string("m1");
  });
  host_->agent_ready("R");
  AgentClient client(*host_, "A", "R");
  EXPECT_EQ(where(client, 4), (std::map<std::string, int>{{"m1", 4}}));

  auto held = client.call_async("hold", "", 5s);  // to m1: it was idle
  auto answered = where(client, 4);
  EXPECT_EQ(answered.count("m1"), 0u);
  EXPECT_EQ(answered["m2"] + answered["m3"], 4);
}

TEST_F(ReplicaTest, AnInstanceThatIsGoneIsSkipped) {
  // m2's entry points at an address nobody listens on (its host died, the registry does not
  // know yet): idempotent calls fail over to m3 within their deadline; once m2's circuit is
  // open every call goes to m3 at once.
  const std::string dead = dead_tcp_endpoint();
  auto options = options_for("m4");
  options.client.breaker_failures = 2;
  options.client.breaker_open_for = 10s;
  options.client.connect_timeout = 100ms;
  MessagingHost caller(options);
  ASSERT_EQ(caller.start(), std::nullopt);
  caller.registry().replace_machine("m2", {{"R", "m2", dead, true}});
  caller.registry().replace_machine("m3", {{"R", "m3", replicas_[1]->tcp_endpoint("R"), true}});
  AgentClient client(caller, "A", "R");
  EXPECT_EQ(where(client, 4, CallOptions{.idempotent = true}), (std::map<std::string, int>{{"m3", 4}}));
  EXPECT_EQ(caller.breaker(dead).state(Clock::now()), CircuitBreaker::State::open);

  const auto start = Clock::now();
  EXPECT_EQ(where(client, 6), (std::map<std::string, int>{{"m3", 6}}));
  EXPECT_LT(Clock::now() - start, 1s);  // no call waited on the dead address

  // The registry learns that m2 is gone: m3 is the only instance.
  caller.registry().forget_machine("m2");
  EXPECT_EQ(caller.registry().instances("R").size(), 1u);
  EXPECT_EQ(where(client, 2), (std::map<std::string, int>{{"m3", 2}}));
}

// --- to_call_result ---

TEST(AgentClientResultTest, ToCallResultMapsEveryStatus) {
  auto ok = to_call_result(kOk, "payload");
  EXPECT_EQ(ok.status, CallStatus::ok);
  EXPECT_EQ(ok.payload, "payload");
  EXPECT_EQ(ok.error, "");
  EXPECT_EQ(ok.code, 200);

  struct Case {
    int status;
    CallStatus expected;
    int code;
  };
  for (auto [status, expected, code] : {Case{kBadRequest, CallStatus::remote_error, 400},
                                        Case{kNoSuchMethod, CallStatus::remote_error, 404},
                                        Case{kHandlerFailed, CallStatus::remote_error, 500},
                                        Case{kNotServing, CallStatus::unavailable, 503},
                                        Case{kDeadlineExpired, CallStatus::timeout, 504},
                                        Case{kCallerGaveUp, CallStatus::timeout, 0},
                                        Case{kCallerCannotSend, CallStatus::unavailable, 0},
                                        Case{418, CallStatus::remote_error, 418}}) {
    SCOPED_TRACE(status);
    auto result = to_call_result(status, "why");
    EXPECT_EQ(result.status, expected);
    EXPECT_EQ(result.code, code);
    EXPECT_EQ(result.error, "why");
    EXPECT_EQ(result.payload, "");
    EXPECT_FALSE(result.ok());
  }
}

TEST(AgentClientResultTest, StatusNames) {
  EXPECT_STREQ(to_string(CallStatus::ok), "ok");
  EXPECT_STREQ(to_string(CallStatus::timeout), "timeout");
  EXPECT_STREQ(to_string(CallStatus::unavailable), "unavailable");
  EXPECT_STREQ(to_string(CallStatus::circuit_open), "circuit_open");
  EXPECT_STREQ(to_string(CallStatus::remote_error), "remote_error");
}

// --- the socket loop, with raw ZeroMQ callers ---

class SocketLoopTest : public HostFixture {};

TEST_F(SocketLoopTest, MalformedRequestsGet400AndTheHostKeepsAnswering) {
  auto socket = dealer("inproc://agent/B");

  ASSERT_TRUE(send_all(socket, {"", "AH2", "echo", ""}));
  auto wrong_protocol = receive(socket);
  ASSERT_TRUE(wrong_protocol);
  ASSERT_EQ(wrong_protocol->size(), 4u);
  EXPECT_EQ((*wrong_protocol)[0], "");
  EXPECT_EQ((*wrong_protocol)[1], "AH1");  // even a 400 for a wrong protocol is AH1
  EXPECT_EQ((*wrong_protocol)[2], "400");

  ASSERT_TRUE(send_all(socket, {"AH1", "echo"}));  // no delimiter, too few frames
  auto too_few = receive(socket);
  ASSERT_TRUE(too_few);
  ASSERT_EQ(too_few->size(), 3u);
  EXPECT_EQ((*too_few)[0], "AH1");
  EXPECT_EQ((*too_few)[1], "400");

  ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "p", "soon", "cid-1"}));
  auto bad_deadline = receive(socket);
  ASSERT_TRUE(bad_deadline);
  ASSERT_EQ(bad_deadline->size(), 5u);
  EXPECT_EQ((*bad_deadline)[2], "400");
  EXPECT_EQ((*bad_deadline)[4], "cid-1");  // the correlation id is echoed

  ASSERT_TRUE(send_all(socket, {"", "AH1", std::string(129, 'm'), ""}));
  auto long_method = receive(socket);
  ASSERT_TRUE(long_method);
  EXPECT_EQ((*long_method)[2], "400");

  ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "hello", "1000", "c1"}));
  auto good = receive(socket);
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, (Strings{"", "AH1", "200", "hello", "c1"}));

  auto counters = host_->socket_counters();
  EXPECT_EQ(counters.malformed_answered, 4u);
  EXPECT_EQ(counters.malformed_dropped, 0u);
  EXPECT_EQ(counters.received, 5u);

  // No envelope to answer to (frame 1 is not AH1, no empty frame): dropped and counted.
  ASSERT_TRUE(send_all(socket, {"garbage", "more garbage"}));
  EXPECT_TRUE(eventually([&] { return host_->socket_counters().malformed_dropped == 1; }));
  ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "still here"}));
  auto after = receive(socket);
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, (Strings{"", "AH1", "200", "still here"}));
}

TEST_F(SocketLoopTest, DealerWithoutDelimiterAndReqSocket) {
  auto socket = dealer("inproc://agent/B");
  ASSERT_TRUE(send_all(socket, {"AH1", "echo", "plain"}));
  auto reply = receive(socket);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (Strings{"AH1", "200", "plain"}));

  zmq::socket_t req(host_->context(), zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.connect("inproc://agent/B");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(send_all(req, {"AH1", "echo", "req " + std::to_string(i)}));
    auto answer = receive(req);
    ASSERT_TRUE(answer);
    EXPECT_EQ(*answer, (Strings{"AH1", "200", "req " + std::to_string(i)}));
  }
}

TEST_F(SocketLoopTest, OverTcpWithCorrelationIds) {
  auto socket = dealer(host_->tcp_endpoint("B"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "n" + std::to_string(i), "2000",
                                  "id" + std::to_string(i)}));
  }
  for (int i = 0; i < 5; ++i) {
    auto reply = receive(socket);
    ASSERT_TRUE(reply);
    // Concurrency 1: in order.
    EXPECT_EQ(*reply, (Strings{"", "AH1", "200", "n" + std::to_string(i), "id" + std::to_string(i)}));
  }
}

TEST_F(SocketLoopTest, HandlerOutcomesOnTheWire) {
  auto socket = dealer("inproc://agent/B");
  ASSERT_TRUE(send_all(socket, {"", "AH1", "fail", ""}));
  auto failed = receive(socket);
  ASSERT_TRUE(failed);
  EXPECT_EQ(*failed, (Strings{"", "AH1", "500", "kaputt"}));

  ASSERT_TRUE(send_all(socket, {"", "AH1", "nope", ""}));
  auto unknown = receive(socket);
  ASSERT_TRUE(unknown);
  EXPECT_EQ((*unknown)[2], "404");

  ASSERT_TRUE(send_all(socket, {"", "AH1", "agenthost.nope", ""}));  // reserved, unknown
  auto reserved = receive(socket);
  ASSERT_TRUE(reserved);
  EXPECT_EQ((*reserved)[2], "404");

  ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "x", "0"}));  // no time left at all
  auto expired = receive(socket);
  ASSERT_TRUE(expired);
  EXPECT_EQ((*expired)[2], "504");
}

TEST_F(SocketLoopTest, AVeryLongDeadlineIsServed) {
  // 10^13 ms (about 317 years), and more than fits in 64 bits: a caller that waits
  // "forever" must be served, not told that its deadline has passed.
  auto socket = dealer("inproc://agent/B");
  for (std::string deadline : {"10000000000000", "9223372036854775807", "99999999999999999999999"}) {
    SCOPED_TRACE(deadline);
    ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", "patient", deadline, "c"}));
    auto reply = receive(socket);
    ASSERT_TRUE(reply);
    EXPECT_EQ(*reply, (Strings{"", "AH1", "200", "patient", "c"}));
  }
}

TEST_F(SocketLoopTest, HealthIsAnsweredFromTheStatusJson) {
  b_->set_status_json(R"({"agent": "B", "state": "ready", "health": "healthy", "detail": ""})");
  auto socket = dealer("inproc://agent/B");
  ASSERT_TRUE(send_all(socket, {"", "AH1", "agenthost.health", "ignored", "", "h1"}));
  auto reply = receive(socket);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (Strings{"", "AH1", "200",
                             R"({"agent": "B", "state": "ready", "health": "healthy", "detail": ""})",
                             "h1"}));

  // Also for an agent that is not serving: no agent code is involved.
  host_->agent_gone("B", "stopping", 1s);
  b_->set_status_json(R"({"agent": "B", "state": "stopped"})");
  ASSERT_TRUE(send_all(socket, {"", "AH1", "agenthost.health", ""}));
  auto stopped = receive(socket);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, (Strings{"", "AH1", "200", R"({"agent": "B", "state": "stopped"})"}));
  ASSERT_TRUE(send_all(socket, {"", "AH1", "echo", ""}));
  auto rejected = receive(socket);
  ASSERT_TRUE(rejected);
  EXPECT_EQ((*rejected)[2], "503");
}

TEST_F(SocketLoopTest, HealthOfAHeldAgent) {
  auto held = host_->endpoint("H", 1);
  held->set_status_json(R"({"agent": "H", "state": "starting"})");
  ASSERT_EQ(host_->bind("H", std::nullopt, false), std::nullopt);
  auto socket = dealer("inproc://agent/H");
  ASSERT_TRUE(send_all(socket, {"", "AH1", "agenthost.health", ""}));
  auto reply = receive(socket);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (Strings{"", "AH1", "200", R"({"agent": "H", "state": "starting"})"}));
}


// --- the socket loop's threads run handlers (leader/followers) ---

std::string thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

// Waits until the socket loop watches the agent's socket (it answers agenthost.health itself):
// a request that arrives before then is handed to the workers.
void wait_watched(zmq::socket_t& socket) {
  ASSERT_TRUE(send_all(socket, {"", "AH1", std::string(kHealthMethod), ""}));
  ASSERT_TRUE(receive(socket));
}

// Serves "block": says it began (and on which thread), waits for `release` (5 s at most),
// then says it left.
struct BlockingAgent {
  msgtest::Gate began, release, left;
  std::mutex mu;
  std::string thread;  // guarded by mu

  void serve(AgentEndpoint& endpoint) {
    endpoint.serve("block", [this](Request&) {
      {
        std::lock_guard lock(mu);
        thread = thread_name();
      }
      began.open();
      release.wait(5000ms);
      left.open();
      return std::string("released");
    });
  }
  std::string ran_on() {
    std::lock_guard lock(mu);
    return thread;
  }
};

TEST_F(SocketLoopTest, AHandlerRunsOnTheSocketThreadThatReceivedItAndOthersAreStillServed) {
  BlockingAgent s;
  auto endpoint = host_->endpoint("S", 1);
  s.serve(*endpoint);
  ASSERT_EQ(host_->bind("S", std::nullopt, false), std::nullopt);
  host_->agent_ready("S");

  auto to_s = dealer("inproc://agent/S");
  wait_watched(to_s);
  ASSERT_TRUE(send_all(to_s, {"", "AH1", "block", ""}));
  ASSERT_TRUE(s.began.wait());
  // Not handed to a worker: the thread that received it runs it, having handed the lead on.
  EXPECT_EQ(s.ran_on(), "agent-sockets");
  // While it blocks, another thread leads: B's callers are answered.
  auto to_b = dealer(host_->tcp_endpoint("B"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(send_all(to_b, {"", "AH1", "echo", "n" + std::to_string(i)}));
    auto reply = receive(to_b);
    ASSERT_TRUE(reply) << "B was not answered while S's handler blocked";
    EXPECT_EQ(*reply, (Strings{"", "AH1", "200", "n" + std::to_string(i)}));
  }
  s.release.open();
  auto released = receive(to_s);
  ASSERT_TRUE(released);
  EXPECT_EQ(*released, (Strings{"", "AH1", "200", "released"}));
  EXPECT_TRUE(s.left.wait());  // before `s` goes (ThreadSanitizer does not see into ZeroMQ)
}

TEST(SocketLoopThreads, HandlersBeyondTheCapRunOnTheWorkers) {
  auto options = options_for("m1");
  options.workers = 1;  // one socket thread in a handler at a time
  MessagingHost host(options);
  ASSERT_EQ(host.start(), std::nullopt);
  BlockingAgent first, second;
  auto e1 = host.endpoint("S1", 1);
  auto e2 = host.endpoint("S2", 1);
  first.serve(*e1);
  second.serve(*e2);
  for (const char* name : {"S1", "S2"}) {
    ASSERT_EQ(host.bind(name, std::nullopt, false), std::nullopt);
    host.agent_ready(name);
  }
  auto dealer = [&](const std::string& endpoint) {
    zmq::socket_t socket(host.context(), zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(endpoint);
    return socket;
  };
  auto to_1 = dealer("inproc://agent/S1");
  auto to_2 = dealer("inproc://agent/S2");
  wait_watched(to_1);
  wait_watched(to_2);
  ASSERT_TRUE(send_all(to_1, {"", "AH1", "block", ""}));
  ASSERT_TRUE(first.began.wait());
  ASSERT_TRUE(send_all(to_2, {"", "AH1", "block", ""}));
  ASSERT_TRUE(second.began.wait()) << "S2 waited for S1's handler";
  EXPECT_EQ(first.ran_on(), "agent-sockets");
  EXPECT_EQ(second.ran_on(), "agent-workers");  // the cap is reached: the pool runs it
  first.release.open();
  second.release.open();
  EXPECT_TRUE(receive(to_1));
  EXPECT_TRUE(receive(to_2));
  // A reply through ZeroMQ is no synchronisation ThreadSanitizer sees: the gates are.
  EXPECT_TRUE(first.left.wait());
  EXPECT_TRUE(second.left.wait());
}

TEST(SocketLoopThreads, StopDoesNotWaitForAHandlerThatDoesNotReturn) {
  auto host = std::make_unique<MessagingHost>(options_for("m1"));
  ASSERT_EQ(host->start(), std::nullopt);
  BlockingAgent s;
  auto endpoint = host->endpoint("S", 1);
  s.serve(*endpoint);
  ASSERT_EQ(host->bind("S", std::nullopt, false), std::nullopt);
  host->agent_ready("S");
  {
    zmq::socket_t to_s(host->context(), zmq::socket_type::dealer);
    to_s.set(zmq::sockopt::linger, 0);
    to_s.connect("inproc://agent/S");
    wait_watched(to_s);
    ASSERT_TRUE(send_all(to_s, {"", "AH1", "block", ""}));
    ASSERT_TRUE(s.began.wait());
    ASSERT_EQ(s.ran_on(), "agent-sockets");
  }
  const auto before = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [&] { host->stop(); });
  ASSERT_EQ(stopped.wait_for(3s), std::future_status::ready) << "stop() waited for the handler";
  EXPECT_LT(std::chrono::steady_clock::now() - before, 3s);
  EXPECT_FALSE(s.left.is_open());
  // Released after the stop: its reply finds the socket closed, and its thread ends.
  s.release.open();
  ASSERT_TRUE(s.left.wait());
  EXPECT_TRUE(eventually([&] { return host->socket_counters().replies_dropped == 1; }));
  endpoint.reset();
  host.reset();
}

}  // namespace
}  // namespace agenthost::messaging
