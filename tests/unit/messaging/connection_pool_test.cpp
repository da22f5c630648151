// The connection pool behind SocketPool: reuse, eviction, limits.

#include "messaging/connection_pool.hpp"

#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "messaging_test_support.hpp"

namespace agenthost::messaging {
namespace {

using namespace std::chrono_literals;

class ConnectionPoolTest : public ::testing::Test {
 protected:
  ConnectionPoolTest() : server_(context_, zmq::socket_type::router) {
    server_.set(zmq::sockopt::linger, 0);
    server_.bind("inproc://connection-pool-test");
    server_.bind("tcp://127.0.0.1:*");
    tcp_ = server_.get(zmq::sockopt::last_endpoint);
  }

  zmq::context_t context_{1};
  zmq::socket_t server_;
  std::string tcp_;
  const std::string inproc_ = "inproc://connection-pool-test";
};

TEST_F(ConnectionPoolTest, AReqSocketStillWaitingForItsReplyIsNeverReused) {
  ConnectionPool pool(context_);
  {
    auto lease = pool.lease(inproc_, zmq::socket_type::req, 100ms);
    // The request goes out; the server never answers; the caller gives up and returns the
    // lease without marking it broken.
    ASSERT_TRUE(lease.socket().send(zmq::str_buffer("AH1"), zmq::send_flags::none));
  }
  EXPECT_EQ(pool.counts().evicted, 1u);
  EXPECT_EQ(pool.counts().idle, 0u);
  {
    auto lease = pool.lease(inproc_, zmq::socket_type::req, 100ms);  // a fresh one, can send
    EXPECT_EQ(pool.counts().created, 2u);
    EXPECT_TRUE(lease.socket().get(zmq::sockopt::events) & ZMQ_POLLOUT);
  }
  // A REQ that never sent (or got its reply) is fine to reuse.
  EXPECT_EQ(pool.counts().idle, 1u);
  EXPECT_EQ(pool.counts().evicted, 1u);
}

TEST_F(ConnectionPoolTest, ReturnedSocketIsReused) {
  ConnectionPool pool(context_);
  void* first = nullptr;
  {
    auto lease = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
    ASSERT_TRUE(lease);
    EXPECT_EQ(lease.endpoint(), inproc_);
    first = lease.socket().handle();
    auto counts = pool.counts();
    EXPECT_EQ(counts.leased, 1u);
    EXPECT_EQ(counts.idle, 0u);
    EXPECT_EQ(counts.created, 1u);
  }
  auto counts = pool.counts();
  EXPECT_EQ(counts.leased, 0u);
  EXPECT_EQ(counts.idle, 1u);
  EXPECT_EQ(counts.created, 1u);
  {
    auto lease = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
    EXPECT_EQ(lease.socket().handle(), first);
    EXPECT_EQ(pool.counts().created, 1u);
    EXPECT_EQ(pool.counts().idle, 0u);
    EXPECT_EQ(pool.counts().leased, 1u);
  }
  EXPECT_EQ(pool.counts().created, 1u);
  EXPECT_EQ(pool.counts().evicted, 0u);
}

TEST_F(ConnectionPoolTest, ALeasedSocketWorks) {
  ConnectionPool pool(context_);
  auto lease = pool.lease(tcp_, zmq::socket_type::dealer, 100ms);
  ASSERT_TRUE(msgtest::send_all(lease.socket(), {"", "hello"}));
  auto got = msgtest::receive(server_);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 3u);  // identity, delimiter, payload
  EXPECT_EQ((*got)[2], "hello");
}

TEST_F(ConnectionPoolTest, BrokenLeaseIsEvicted) {
  ConnectionPool pool(context_);
  {
    auto lease = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
    lease.mark_broken();
  }
  auto counts = pool.counts();
  EXPECT_EQ(counts.evicted, 1u);
  EXPECT_EQ(counts.idle, 0u);
  EXPECT_EQ(counts.leased, 0u);
  {
    auto lease = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
    EXPECT_EQ(pool.counts().created, 2u);  // a fresh one
  }
  EXPECT_EQ(pool.counts().idle, 1u);
  EXPECT_EQ(pool.counts().evicted, 1u);
}

TEST_F(ConnectionPoolTest, MovedLeaseIsReturnedOnce) {
  ConnectionPool pool(context_);
  {
    auto lease = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
    SocketLease moved = std::move(lease);
    EXPECT_FALSE(lease);  // NOLINT(bugprone-use-after-move): the moved-from lease is empty
    EXPECT_TRUE(moved);
    EXPECT_EQ(pool.counts().leased, 1u);
  }
  EXPECT_EQ(pool.counts().leased, 0u);
  EXPECT_EQ(pool.counts().idle, 1u);
}

TEST_F(ConnectionPoolTest, CountsPerEndpointAndType) {
  ConnectionPool pool(context_);
  {
    auto a = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
    auto b = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
    auto c = pool.lease(inproc_, zmq::socket_type::push, 100ms);
    auto d = pool.lease(tcp_, zmq::socket_type::dealer, 100ms);
    EXPECT_NE(a.socket().handle(), b.socket().handle());
    auto counts = pool.counts();
    EXPECT_EQ(counts.leased, 4u);
    EXPECT_EQ(counts.idle, 0u);
    EXPECT_EQ(counts.created, 4u);
  }
  auto counts = pool.counts();
  EXPECT_EQ(counts.leased, 0u);
  EXPECT_EQ(counts.idle, 4u);
  // A push socket is not handed out for a dealer lease.
  auto dealer = pool.lease(tcp_, zmq::socket_type::dealer, 100ms);
  auto push = pool.lease(tcp_, zmq::socket_type::push, 100ms);
  EXPECT_EQ(pool.counts().created, 5u);
}

TEST_F(ConnectionPoolTest, MaxPerEndpointTimesOut) {
  ConnectionPool pool(context_, 1);
  auto held = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)pool.lease(inproc_, zmq::socket_type::dealer, 30ms), std::runtime_error);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_EQ(pool.counts().leased, 1u);
  // Another endpoint has its own limit.
  EXPECT_NO_THROW((void)pool.lease(tcp_, zmq::socket_type::dealer, 0ms));
}

TEST_F(ConnectionPoolTest, AWaitingLeaseGetsTheReturnedSocket) {
  ConnectionPool pool(context_, 1);
  auto held = std::make_unique<SocketLease>(pool.lease(inproc_, zmq::socket_type::dealer, 100ms));
  void* socket = held->socket().handle();
  auto waiter = std::async(std::launch::async, [&] {
    auto lease = pool.lease(inproc_, zmq::socket_type::dealer, 2000ms);
    return lease.socket().handle();
  });
  held.reset();  // before or after the waiter started waiting: either way it gets this one
  ASSERT_EQ(waiter.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(waiter.get(), socket);
  EXPECT_EQ(pool.counts().created, 1u);
}

TEST_F(ConnectionPoolTest, MalformedEndpointThrowsAndFreesTheSlot) {
  ConnectionPool pool(context_, 1);
  EXPECT_THROW((void)pool.lease("no-such-transport://x", zmq::socket_type::dealer, 10ms),
               std::runtime_error);
  EXPECT_THROW((void)pool.lease("no-such-transport://x", zmq::socket_type::dealer, 10ms),
               std::runtime_error);  // not "all leased": the failed one was given back
  EXPECT_EQ(pool.counts().leased, 0u);
}

TEST_F(ConnectionPoolTest, CloseDropsIdleSocketsAndRefusesLeases) {
  ConnectionPool pool(context_);
  auto kept = pool.lease(inproc_, zmq::socket_type::dealer, 100ms);
  { auto returned = pool.lease(inproc_, zmq::socket_type::dealer, 100ms); }
  EXPECT_EQ(pool.counts().idle, 1u);
  pool.close();
  EXPECT_EQ(pool.counts().idle, 0u);
  EXPECT_THROW((void)pool.lease(inproc_, zmq::socket_type::dealer, 10ms), std::runtime_error);
  kept = SocketLease();  // given back after close: closed, not kept
  EXPECT_EQ(pool.counts().idle, 0u);
  EXPECT_EQ(pool.counts().leased, 0u);
}

}  // namespace
}  // namespace agenthost::messaging
