// The control server on a real Unix socket in a temporary directory: it is only a thread.

#include "control/control_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <variant>

#include "control/control_client.hpp"
#include "control/snapshot_json.hpp"
#include "control/unix_socket.hpp"

namespace agenthost::control {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/agenthost-ctl-XXXXXX";  // short: sun_path holds 107 bytes
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A client speaking the raw protocol, to send what ControlClient never would.
class RawClient {
 public:
  explicit RawClient(const fs::path& path) {
    auto connected = connect_unix(path, 2s);
    if (auto* fd = std::get_if<UniqueFd>(&connected)) fd_ = std::move(*fd);
  }
  bool connected() const { return static_cast<bool>(fd_); }

  void send_text(const std::string& text) {
    for (std::size_t sent = 0; sent < text.size();) {
      const ssize_t n = ::send(fd_.get(), text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may close on us (line too long): the test checks that
      sent += static_cast<std::size_t>(n);
    }
  }

  // The next answer line, or nullopt on EOF or when the deadline passes.
  std::optional<nlohmann::json> read_answer(Clock::duration within = 5s) {
    const auto deadline = Clock::now() + within;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        auto line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return nlohmann::json::parse(line);
      }
      if (!readable_before(deadline)) return std::nullopt;
      char chunk[4096];
      const ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // True when the server closes the connection before the deadline.
  bool closed_by_server(Clock::duration within = 5s) {
    const auto deadline = Clock::now() + within;
    for (;;) {
      if (!readable_before(deadline)) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
    }
  }

 private:
  bool readable_before(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_.get(), POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }

  UniqueFd fd_;
  std::string buffer_;
};

runtime::HostSnapshot sample_snapshot() {
  runtime::HostSnapshot s;
  s.host_name = "edge-01";
  s.version = "0.1.0";
  s.pid = 99;
  s.startup_finished = true;
  runtime::AgentSnapshot broker;
  broker.name = "broker";
  broker.state = runtime::AgentState::ready;
  broker.health = HealthStatus::healthy;
  broker.timings = {0, 1, 2, 30};
  runtime::AgentSnapshot uplink;
  uplink.name = "uplink";
  uplink.state = runtime::AgentState::failed;
  uplink.reason = "start() threw: no route";
  s.agents = {broker, uplink};
  return s;
}

class ControlServerTest : public ::testing::Test {
 protected:
  fs::path socket_path() const { return dir_.path() / "run" / "control.sock"; }

  std::unique_ptr<ControlServer> make_server(CommandHandler handler = {},
                                             ControlServerOptions options = {}) {
    return std::make_unique<ControlServer>(
        socket_path(), [] { return sample_snapshot(); }, std::move(handler), options);
  }

  TempDir dir_;
};

TEST_F(ControlServerTest, AnswersStatusToTheClient) {
  auto server = make_server();
  ASSERT_EQ(server->start(), std::nullopt);  // also creates the missing run/ directory

  const ControlReply reply = ControlClient(socket_path(), 5s).request({{"command", "status"}});
  ASSERT_TRUE(reply.answered()) << reply.error;
  const auto& answer = *reply.answer;
  EXPECT_EQ(answer["ok"], true);
  EXPECT_EQ(answer["protocol"], kProtocolVersion);
  EXPECT_EQ(answer["command"], "status");
  const auto snapshot = snapshot_from_json(answer);
  EXPECT_EQ(snapshot.host_name, "edge-01");
  ASSERT_EQ(snapshot.agents.size(), 2u);
  EXPECT_EQ(snapshot.agents[1].state, runtime::AgentState::failed);
  EXPECT_EQ(snapshot.agents[1].reason, "start() threw: no route");
}

TEST_F(ControlServerTest, AnswersListHealthAndStartup) {
  auto server = make_server();
  ASSERT_EQ(server->start(), std::nullopt);
  const ControlClient client(socket_path(), 5s);

  auto list = client.request({{"command", "list"}});
  ASSERT_TRUE(list.answered()) << list.error;
  EXPECT_EQ((*list.answer)["agents"][0]["name"], "broker");
  auto health = client.request({{"command", "health"}});
  ASSERT_TRUE(health.answered()) << health.error;
  EXPECT_EQ((*health.answer)["agents"][0]["health"], "healthy");
  auto startup = client.request({{"command", "startup"}});
  ASSERT_TRUE(startup.answered()) << startup.error;
  EXPECT_EQ((*startup.answer)["critical_chain"][0]["name"], "broker");
  EXPECT_EQ((*startup.answer)["not_started"][0]["name"], "uplink");
}

TEST_F(ControlServerTest, BadRequestsGetErrorsAndTheServerKeepsServing) {
  auto server = make_server();
  ASSERT_EQ(server->start(), std::nullopt);

  RawClient client(socket_path());
  ASSERT_TRUE(client.connected());
  client.send_text("this is not json\n");
  auto answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["ok"], false);
  EXPECT_EQ((*answer)["error"], "request is not valid JSON");

  client.send_text(R"({"command": "frobnicate"})" "\n" R"({"verb": 1})" "\n");
  answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["error"], "unknown command 'frobnicate'");
  answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["error"], "request has no string field 'command'");

  // The same connection still works.
  client.send_text(R"({"command": "status"})" "\n");
  answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["ok"], true);
}

TEST_F(ControlServerTest, TooLongLineGetsAnErrorAndIsClosed) {
  auto server = make_server();
  ASSERT_EQ(server->start(), std::nullopt);

  RawClient client(socket_path());
  ASSERT_TRUE(client.connected());
  client.send_text(std::string(kMaxRequestBytes + 1000, 'x'));
  auto answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["ok"], false);
  EXPECT_NE((*answer)["error"].get<std::string>().find("longer than 65536 bytes"), std::string::npos);
  EXPECT_TRUE(client.closed_by_server());

  // Others are still served.
  auto reply = ControlClient(socket_path(), 5s).request({{"command", "status"}});
  ASSERT_TRUE(reply.answered()) << reply.error;
  EXPECT_EQ((*reply.answer)["ok"], true);
}

TEST_F(ControlServerTest, LastRequestMayEndWithEofInsteadOfNewline) {
  auto server = make_server();
  ASSERT_EQ(server->start(), std::nullopt);
  // Half-close the sending side so the server sees EOF after an unterminated request.
  auto connected = connect_unix(socket_path(), 2s);
  ASSERT_TRUE(std::holds_alternative<UniqueFd>(connected));
  const UniqueFd& fd = std::get<UniqueFd>(connected);
  const std::string request = R"({"command": "list"})";
  ASSERT_EQ(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  ASSERT_EQ(::shutdown(fd.get(), SHUT_WR), 0);
  pollfd p{fd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  char buffer[8192];
  const ssize_t n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(nlohmann::json::parse(std::string(buffer, n))["command"], "list");
}

TEST_F(ControlServerTest, UnknownCommandsGoToTheHandler) {
  std::atomic<int> calls{0};
  auto server = make_server([&](const nlohmann::json& request) -> nlohmann::json {
    ++calls;
    if (request.value("agent", "") == "nobody") throw std::runtime_error("no agent 'nobody'");
    if (request["command"] == "restart")
      return {{"message", "restarting " + request.value("agent", std::string())}};
    return error_answer("unknown command '" + request["command"].get<std::string>() + "'");
  });
  ASSERT_EQ(server->start(), std::nullopt);
  const ControlClient client(socket_path(), 5s);

  auto reply = client.request({{"command", "restart"}, {"agent", "uplink"}});
  ASSERT_TRUE(reply.answered()) << reply.error;
  EXPECT_EQ((*reply.answer)["ok"], true);
  EXPECT_EQ((*reply.answer)["protocol"], kProtocolVersion);
  EXPECT_EQ((*reply.answer)["message"], "restarting uplink");

  reply = client.request({{"command", "restart"}, {"agent", "nobody"}});
  ASSERT_TRUE(reply.answered()) << reply.error;
  EXPECT_EQ((*reply.answer)["ok"], false);
  EXPECT_EQ((*reply.answer)["error"], "no agent 'nobody'");

  reply = client.request({{"command", "status"}});  // never reaches the handler
  ASSERT_TRUE(reply.answered()) << reply.error;
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(ControlServerTest, SecondServerOnALivePathIsRefused) {
  auto first = make_server();
  ASSERT_EQ(first->start(), std::nullopt);
  auto second = make_server();
  const auto error = second->start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find(socket_path().native()), std::string::npos) << *error;
  EXPECT_NE(error->find("already running"), std::string::npos) << *error;
  second.reset();  // must not remove the first server's socket

  auto reply = ControlClient(socket_path(), 5s).request({{"command", "status"}});
  ASSERT_TRUE(reply.answered()) << reply.error;
}

TEST_F(ControlServerTest, StaleSocketIsReplacedButOtherFilesAreNot) {
  fs::create_directories(socket_path().parent_path());
  {  // a socket file nobody listens on, as a crashed host leaves it
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strcpy(address.sun_path, socket_path().c_str());
    ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  auto server = make_server();
  ASSERT_EQ(server->start(), std::nullopt);
  server->stop();

  std::ofstream(socket_path()) << "not a socket";
  const auto error = make_server()->start();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("is not a socket"), std::string::npos) << *error;
  EXPECT_TRUE(fs::is_regular_file(socket_path()));
}

TEST_F(ControlServerTest, SocketFileHasTheRequestedMode) {
  auto server = make_server();
  ASSERT_EQ(server->start(), std::nullopt);
  struct stat st {};
  ASSERT_EQ(::lstat(socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  // No temporary file left next to it.
  EXPECT_EQ(std::distance(fs::directory_iterator(socket_path().parent_path()),
                          fs::directory_iterator()),
            1);
}

TEST_F(ControlServerTest, SocketFileGetsTheConfiguredModeOwnerAndGroup) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the socket away";
  ControlServerOptions options;
  options.mode = 0600;
  options.owner = 65534;  // nobody
  options.group = 65534;  // nogroup
  auto server = make_server({}, options);
  ASSERT_EQ(server->start(), std::nullopt);
  struct stat st {};
  ASSERT_EQ(::lstat(socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_gid, 65534u);
}

TEST_F(ControlServerTest, StopIsPromptWithIdleClientsAndRemovesTheSocket) {
  auto server = make_server();
  ASSERT_EQ(server->start(), std::nullopt);
  RawClient idle(socket_path());
  ASSERT_TRUE(idle.connected());
  idle.send_text(R"({"command": "status"})" "\n");
  ASSERT_TRUE(idle.read_answer());  // accepted and served; now it sits there

  const auto before = Clock::now();
  server->stop();
  EXPECT_LT(Clock::now() - before, 1s);
  EXPECT_FALSE(server->running());
  EXPECT_FALSE(fs::exists(socket_path()));
  EXPECT_TRUE(idle.closed_by_server());
}

TEST_F(ControlServerTest, AClientThatConnectsAfterListenIsServedOnceStarted) {
  auto server = make_server();
  ASSERT_EQ(server->listen(), std::nullopt);
  EXPECT_TRUE(server->listening());
  EXPECT_FALSE(server->running());
  EXPECT_TRUE(fs::is_socket(socket_path()));
  RawClient early(socket_path());
  ASSERT_TRUE(early.connected()) << "the backlog takes it";
  early.send_text(R"({"command": "status"})" "\n");
  EXPECT_FALSE(early.read_answer(100ms)) << "no thread serves it yet";

  ASSERT_EQ(server->start(), std::nullopt);
  EXPECT_TRUE(server->running());
  auto answer = early.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["command"], "status");
}

TEST_F(ControlServerTest, StopAfterListenAloneRemovesTheSocket) {
  auto server = make_server();
  ASSERT_EQ(server->listen(), std::nullopt);
  ASSERT_TRUE(fs::exists(socket_path()));
  server->stop();
  EXPECT_FALSE(server->listening());
  EXPECT_FALSE(fs::exists(socket_path()));
  ASSERT_EQ(server->start(), std::nullopt) << "and it can listen and serve again";
  EXPECT_TRUE(ControlClient(socket_path(), 5s).request({{"command", "status"}}).answered());
}

TEST_F(ControlServerTest, ClientsBeyondTheLimitGetAnError) {
  ControlServerOptions options;
  options.max_clients = 2;
  auto server = make_server({}, options);
  ASSERT_EQ(server->start(), std::nullopt);
  RawClient a(socket_path()), b(socket_path());
  for (RawClient* c : {&a, &b}) {
    c->send_text(R"({"command": "list"})" "\n");
    ASSERT_TRUE(c->read_answer());  // both are accepted clients now
  }
  RawClient third(socket_path());
  auto answer = third.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)["ok"], false);
  EXPECT_NE((*answer)["error"].get<std::string>().find("too many"), std::string::npos);
}

TEST(ControlClient, ReportsAMissingSocket) {
  TempDir dir;
  const auto path = dir.path() / "none.sock";
  const auto reply = ControlClient(path, 1s).request({{"command", "status"}});
  EXPECT_FALSE(reply.answered());
  EXPECT_EQ(reply.failure, ControlReply::Failure::connect);
  EXPECT_EQ(reply.error, "cannot connect to " + path.native() + ": No such file or directory");
}

TEST(ControlClient, TimesOutOnAHostThatNeverAnswers) {
  TempDir dir;
  const auto path = dir.path() / "mute.sock";
  auto listening = listen_unix(path, {.mode = 0600}, 4);  // listens, never accepts nor answers
  ASSERT_TRUE(std::holds_alternative<ListeningSocket>(listening));
  const auto before = Clock::now();
  const auto reply = ControlClient(path, 200ms).request({{"command", "status"}});
  EXPECT_EQ(reply.failure, ControlReply::Failure::timeout) << reply.error;
  EXPECT_LT(Clock::now() - before, 3s);
}

}  // namespace
}  // namespace agenthost::control
