// An agent's mailbox and handlers, on a real WorkerPool.

#include "messaging/agent_endpoint.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "messaging/forwarded_reply.hpp"
#include "messaging/handler_error_sink.hpp"
#include "messaging/request_observer.hpp"
#include "messaging/wire_protocol.hpp"
#include "messaging_test_support.hpp"

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;
using msgtest::eventually;
using msgtest::Gate;
using msgtest::TestCall;

// How many handlers run at once, and the most there ever were.
struct InFlight {
  std::atomic<int> now{0};
  std::atomic<int> max{0};
  void enter() {
    int n = ++now;
    int seen = max.load();
    while (n > seen && !max.compare_exchange_weak(seen, n)) {
    }
  }
  void leave() { --now; }
};

class AgentEndpointTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(pool_.shutdown(2s), 0u); }

  std::shared_ptr<AgentEndpoint> make(int concurrency = 1) {
    return std::make_shared<AgentEndpoint>("A", concurrency, pool_);
  }
  static std::shared_ptr<TestCall> call(std::string method, std::string payload = "",
                                        Clock::time_point deadline = Clock::time_point::max()) {
    return std::make_shared<TestCall>(std::move(method), std::move(payload), deadline);
  }

  WorkerPool pool_{"test-workers", 4};
};

TEST_F(AgentEndpointTest, CallsSubmittedWhileHeldRunAfterOpenInOrder) {
  auto endpoint = make();
  std::mutex mu;
  std::vector<std::string> order;
  endpoint->serve("echo", [&](Request& request) {
    EXPECT_EQ(request.method, "echo");
    EXPECT_EQ(request.caller, "tester");
    std::lock_guard lock(mu);
    order.push_back(request.payload);
    return "re:" + request.payload;
  });
  EXPECT_FALSE(endpoint->is_open());
  std::vector<std::shared_ptr<TestCall>> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(call("echo", std::to_string(i)));
    endpoint->submit(calls.back());
  }
  // Held: nothing was handed to the pool, so nothing can have run.
  for (auto& c : calls) EXPECT_FALSE(c->completed());
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(order.empty());
  }

  endpoint->open();
  EXPECT_TRUE(endpoint->is_open());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(calls[i]->wait_done());
    EXPECT_EQ(calls[i]->status(), kOk);
    EXPECT_EQ(calls[i]->body(), "re:" + std::to_string(i));
    EXPECT_EQ(calls[i]->deliveries(), 1);
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(endpoint->counters().handled, 3u);
}

TEST_F(AgentEndpointTest, HoldQueuesAgainUntilReopened) {
  auto endpoint = make();
  endpoint->serve("echo", [](Request& request) { return request.payload; });
  endpoint->open();
  auto first = call("echo", "1");
  endpoint->submit(first);
  ASSERT_TRUE(first->wait_done());
  endpoint->hold();
  EXPECT_FALSE(endpoint->is_open());
  ASSERT_TRUE(endpoint->wait_idle(2s));
  auto held = call("echo", "2");
  endpoint->submit(held);
  EXPECT_FALSE(held->completed());
  endpoint->open();
  ASSERT_TRUE(held->wait_done());
  EXPECT_EQ(held->body(), "2");
}

TEST_F(AgentEndpointTest, HandlersNeverOverlapWithConcurrencyOne) {
  auto endpoint = make(1);
  InFlight flight;
  std::atomic<int> handled{0};
  endpoint->serve("work", [&](Request&) {
    flight.enter();
    // Widen the window for overlap. Few yields: on a loaded machine each can cost a time slice.
    for (int i = 0; i < 20; ++i) std::this_thread::yield();
    flight.leave();
    ++handled;
    return std::string();
  });
  endpoint->open();

  constexpr int kSubmitters = 4, kEach = 25;
  std::vector<std::shared_ptr<TestCall>> calls(kSubmitters * kEach);
  std::vector<std::thread> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&, s] {
      for (int i = 0; i < kEach; ++i) {
        auto c = call("work");
        calls[s * kEach + i] = c;
        endpoint->submit(c);
      }
    });
  }
  for (auto& t : submitters) t.join();
  // One at a time, 100 calls take long on a loaded machine: a generous bound, not a timing.
  for (auto& c : calls) ASSERT_TRUE(c->wait_done(20s));
  EXPECT_EQ(handled.load(), kSubmitters * kEach);
  EXPECT_EQ(flight.max.load(), 1);
}

TEST_F(AgentEndpointTest, HandlersOverlapUpToConcurrency) {
  // Calls arrive one after another, each while the earlier ones still run (the usual case):
  // up to N must run at once, and never more.
  constexpr int kConcurrency = 3;
  auto endpoint = make(kConcurrency);
  InFlight flight;
  Gate release;
  endpoint->serve("work", [&](Request&) {
    flight.enter();
    release.wait(2s);
    flight.leave();
    return std::string();
  });
  endpoint->open();

  std::vector<std::shared_ptr<TestCall>> calls;
  for (int i = 1; i <= kConcurrency; ++i) {
    calls.push_back(call("work"));
    endpoint->submit(calls.back());
    ASSERT_TRUE(eventually([&] { return flight.now.load() == i; }))
        << "call " << i << " did not start while " << i - 1 << " ran (concurrency "
        << kConcurrency << ")";
  }
  // More than N: they wait in the queue.
  for (int i = 0; i < 3; ++i) {
    calls.push_back(call("work"));
    endpoint->submit(calls.back());
  }
  EXPECT_EQ(flight.now.load(), kConcurrency);
  release.open();
  for (auto& c : calls) {
    ASSERT_TRUE(c->wait_done());
    EXPECT_EQ(c->status(), kOk);
  }
  EXPECT_EQ(flight.max.load(), kConcurrency);
}

TEST_F(AgentEndpointTest, ManyConcurrentSubmittersStayWithinConcurrency) {
  constexpr int kConcurrency = 2;
  auto endpoint = make(kConcurrency);
  InFlight flight;
  endpoint->serve("work", [&](Request&) {
    flight.enter();
    for (int i = 0; i < 200; ++i) std::this_thread::yield();
    flight.leave();
    return std::string();
  });
  endpoint->open();
  std::vector<std::shared_ptr<TestCall>> calls(100);
  std::vector<std::thread> submitters;
  for (int s = 0; s < 4; ++s) {
    submitters.emplace_back([&, s] {
      for (int i = 0; i < 25; ++i) {
        calls[s * 25 + i] = call("work");
        endpoint->submit(calls[s * 25 + i]);
      }
    });
  }
  for (auto& t : submitters) t.join();
  for (auto& c : calls) ASSERT_TRUE(c->wait_done());
  EXPECT_LE(flight.max.load(), kConcurrency);
  EXPECT_EQ(endpoint->counters().handled, 100u);
}

TEST_F(AgentEndpointTest, ThrowingHandlerAnswers500WithTheText) {
  auto endpoint = make();
  endpoint->serve("fail", [](Request&) -> std::string { throw std::runtime_error("kaputt"); });
  endpoint->serve("weird", [](Request&) -> std::string { throw 42; });
  endpoint->open();
  auto failing = call("fail");
  endpoint->submit(failing);
  ASSERT_TRUE(failing->wait_done());
  EXPECT_EQ(failing->status(), kHandlerFailed);
  EXPECT_EQ(failing->body(), "kaputt");

  auto weird = call("weird");
  endpoint->submit(weird);
  ASSERT_TRUE(weird->wait_done());
  EXPECT_EQ(weird->status(), kHandlerFailed);
  EXPECT_FALSE(weird->body().empty());

  auto counters = endpoint->counters();
  EXPECT_EQ(counters.failed, 2u);
  EXPECT_EQ(counters.handled, 0u);
}

TEST_F(AgentEndpointTest, UnknownMethodIs404) {
  auto endpoint = make();
  endpoint->serve("echo", [](Request& request) { return request.payload; });
  endpoint->open();
  auto unknown = call("nope");
  endpoint->submit(unknown);
  ASSERT_TRUE(unknown->wait_done());
  EXPECT_EQ(unknown->status(), kNoSuchMethod);
  EXPECT_NE(unknown->body().find("nope"), std::string::npos) << unknown->body();
  EXPECT_EQ(endpoint->counters().no_such_method, 1u);
}

// What the observer and the error sink hear of one request each.
struct Heard final : RequestObserver, HandlerErrorSink {
  std::mutex mu;
  std::vector<std::pair<std::string, int>> observed;  // method label, status
  std::vector<std::string> reported;                  // method: what
  void observe(std::string_view method, int status, std::chrono::nanoseconds) noexcept override {
    std::lock_guard lock(mu);
    observed.emplace_back(method, status);
  }
  void handler_failed(const std::string&, std::string_view method, std::string_view what) noexcept override {
    std::lock_guard lock(mu);
    reported.push_back(std::string(method) + ": " + std::string(what));
  }
};

TEST_F(AgentEndpointTest, AForwardingHandlerAnswersWithTheProgramsStatusAndItsMethodNames) {
  auto endpoint = make();
  auto heard = std::make_shared<Heard>();
  endpoint->set_observer(heard);
  endpoint->set_error_sink(heard.get());
  // As a process agent forwards: the program's own answer, whatever the method.
  endpoint->serve_any([](Request& request) -> std::string {
    if (request.method == "known") return "done";
    if (request.method == "broken") throw ForwardedReply(kHandlerFailed, "broken there", false);
    if (request.method == "broken_reported") throw ForwardedReply(kHandlerFailed, "reported there", true);
    throw ForwardedReply(kNoSuchMethod, "no method '" + std::string(request.method) + "'", false);
  });
  endpoint->open();
  std::vector<std::pair<std::string, int>> expected = {
      {"known", kOk}, {"broken", kHandlerFailed}, {"broken_reported", kHandlerFailed}, {"made_up", kNoSuchMethod}};
  for (const auto& [method, status] : expected) {
    auto c = call(method);
    endpoint->submit(c);
    ASSERT_TRUE(c->wait_done());
    EXPECT_EQ(c->status(), status) << method;
  }
  // The observer hears of a call after its caller got the reply.
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(heard->mu);
    return heard->observed.size() == expected.size();
  }));
  endpoint->set_error_sink(nullptr);
  std::lock_guard lock(heard->mu);
  expected.back().first = "";  // the program has no such method: not a label of its own
  EXPECT_EQ(heard->observed, expected);
  // Only the program's failure it did not report itself; a 404 is the caller's mistake.
  EXPECT_EQ(heard->reported, std::vector<std::string>{"broken: broken there"});
}

TEST_F(AgentEndpointTest, ExpiredDeadlineIs504WithoutRunningTheHandler) {
  auto endpoint = make();
  std::atomic<int> ran{0};
  endpoint->serve("echo", [&](Request& request) {
    ++ran;
    return request.payload;
  });
  endpoint->open();
  auto late = call("echo", "x", Clock::now() - 1ms);
  endpoint->submit(late);
  ASSERT_TRUE(late->wait_done());
  EXPECT_EQ(late->status(), kDeadlineExpired);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(endpoint->counters().expired, 1u);

  // A deadline in the future runs, and the handler sees it.
  const auto deadline = Clock::now() + 10s;
  Clock::time_point seen{};
  endpoint->serve("deadline", [&](Request& request) {
    seen = request.deadline;
    return std::string();
  });
  auto in_time = call("deadline", "", deadline);
  endpoint->submit(in_time);
  ASSERT_TRUE(in_time->wait_done());
  EXPECT_EQ(in_time->status(), kOk);
  EXPECT_EQ(seen, deadline);
}

TEST_F(AgentEndpointTest, ACallAlreadyCompletedIsSkipped) {
  auto endpoint = make();
  std::atomic<int> ran{0};
  endpoint->serve("echo", [&](Request&) {
    ++ran;
    return std::string();
  });
  auto given_up = call("echo");
  endpoint->submit(given_up);
  ASSERT_TRUE(given_up->complete(kCallerGaveUp, ""));
  auto next = call("echo");
  endpoint->submit(next);
  endpoint->open();
  ASSERT_TRUE(next->wait_done());
  EXPECT_EQ(ran.load(), 1);  // FIFO: the given-up call was dequeued (and skipped) first
  EXPECT_EQ(given_up->deliveries(), 1);
  EXPECT_EQ(given_up->status(), kCallerGaveUp);
}

TEST_F(AgentEndpointTest, CloseAnswersQueuedAndLaterCalls503) {
  auto endpoint = make();
  std::atomic<int> ran{0};
  endpoint->serve("echo", [&](Request&) {
    ++ran;
    return std::string();
  });
  auto queued1 = call("echo"), queued2 = call("echo");
  endpoint->submit(queued1);
  endpoint->submit(queued2);
  endpoint->close("stopping for maintenance");
  EXPECT_FALSE(endpoint->is_open());
  for (auto& c : {queued1, queued2}) {
    ASSERT_TRUE(c->completed());
    EXPECT_EQ(c->status(), kNotServing);
    EXPECT_NE(c->body().find("stopping for maintenance"), std::string::npos) << c->body();
    EXPECT_NE(c->body().find("'A'"), std::string::npos) << c->body();
  }
  auto later = call("echo");
  endpoint->submit(later);
  ASSERT_TRUE(later->completed());
  EXPECT_EQ(later->status(), kNotServing);
  EXPECT_NE(later->body().find("stopping for maintenance"), std::string::npos);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(endpoint->counters().rejected, 3u);

  // A restarted agent serves on the same endpoint again.
  endpoint->open();
  auto again = call("echo");
  endpoint->submit(again);
  ASSERT_TRUE(again->wait_done());
  EXPECT_EQ(again->status(), kOk);
}

TEST_F(AgentEndpointTest, WaitIdleWaitsForTheRunningHandler) {
  auto endpoint = make();
  Gate entered, release;
  endpoint->serve("slow", [&](Request&) {
    entered.open();
    release.wait(2s);
    return std::string("done");
  });
  EXPECT_TRUE(endpoint->wait_idle(0ms));  // nothing ever ran
  endpoint->open();
  auto slow = call("slow");
  endpoint->submit(slow);
  ASSERT_TRUE(entered.wait());
  endpoint->close("bye");
  EXPECT_FALSE(endpoint->wait_idle(20ms));  // bounded: the handler is still blocked
  release.open();
  EXPECT_TRUE(endpoint->wait_idle(2s));
  ASSERT_TRUE(slow->wait_done());
  EXPECT_EQ(slow->status(), kOk);  // a started handler is not interrupted
  EXPECT_EQ(slow->body(), "done");
}

TEST_F(AgentEndpointTest, ServeRejectsBadAndReservedNames) {
  auto endpoint = make();
  auto handler = [](Request&) { return std::string(); };
  EXPECT_THROW(endpoint->serve("", handler), std::invalid_argument);
  EXPECT_THROW(endpoint->serve("agenthost.x", handler), std::invalid_argument);
  EXPECT_THROW(endpoint->serve("agenthost.health", handler), std::invalid_argument);
  EXPECT_THROW(endpoint->serve(std::string(129, 'm'), handler), std::invalid_argument);
  EXPECT_THROW(endpoint->serve("ok", Handler()), std::invalid_argument);
  EXPECT_NO_THROW(endpoint->serve(std::string(128, 'm'), handler));
  EXPECT_NO_THROW(endpoint->serve("agenthostx", handler));
}

TEST_F(AgentEndpointTest, ServeReplacesAHandler) {
  auto endpoint = make();
  endpoint->serve("m", [](Request&) { return std::string("old"); });
  endpoint->serve("m", [](Request&) { return std::string("new"); });
  endpoint->open();
  auto c = call("m");
  endpoint->submit(c);
  ASSERT_TRUE(c->wait_done());
  EXPECT_EQ(c->body(), "new");
}

TEST_F(AgentEndpointTest, ClearHandlersLeavesNoMethods) {
  auto endpoint = make();
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> watch = token;
  endpoint->serve("echo", [token](Request& request) { return request.payload; });
  token.reset();
  EXPECT_FALSE(watch.expired());  // the handler holds it
  endpoint->clear_handlers();
  EXPECT_TRUE(watch.expired());  // the agent's code (and what it captured) is released
  endpoint->open();
  auto c = call("echo");
  endpoint->submit(c);
  ASSERT_TRUE(c->wait_done());
  EXPECT_EQ(c->status(), kNoSuchMethod);
}

TEST_F(AgentEndpointTest, StatusJson) {
  auto endpoint = make();
  EXPECT_EQ(endpoint->status_json(), "");
  endpoint->set_status_json(R"({"agent":"A","state":"ready"})");
  EXPECT_EQ(endpoint->status_json(), R"({"agent":"A","state":"ready"})");
}

TEST_F(AgentEndpointTest, MoreCallsThanOneDrainBatchAllRun) {
  auto endpoint = make(1);
  endpoint->serve("n", [](Request& request) { return request.payload; });
  std::vector<std::shared_ptr<TestCall>> calls;
  for (int i = 0; i < 300; ++i) {
    calls.push_back(call("n", std::to_string(i)));
    endpoint->submit(calls.back());
  }
  endpoint->open();
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(calls[i]->wait_done());
    EXPECT_EQ(calls[i]->body(), std::to_string(i));
  }
  EXPECT_TRUE(endpoint->wait_idle(2s));
}

}  // namespace
}  // namespace agenthost::messaging
