// Requests between agents and from outside, with the real host binary, real plugins and real
// ZeroMQ sockets on loopback. Every test binds its own 127.0.0.x address, so fixed ports
// never clash between tests running in parallel.

#include <arpa/inet.h>
#include <sched.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "support/agent_request.hpp"
#include "support/eventually.hpp"
#include "support/host_fixture.hpp"
#include "support/proc_tasks.hpp"

namespace agenthost::testing {
namespace {

const std::string kCallAgent = AGENTHOST_SOURCE_DIR "/examples/python/call_agent.py";
constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with python3-zmq

std::string host_with(const TestDir& dir, const std::string& address, const std::string& agents,
                      const std::string& host_extra = "") {
  return dir.write("host.yaml", host_section(dir, "  bind: " + address + "\n" + host_extra) +
                                    "agents:\n" + agents);
}

CommandResult call_agent(const std::string& endpoint, std::vector<std::string> args) {
  std::vector<std::string> argv{kPython, kCallAgent, "--endpoint", endpoint};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST(Messaging, APythonReqSocketCallsAnAgentOverTcp) {
  TestDir dir;
  auto config = host_with(dir, "127.0.0.41", "  - { name: Echo, plugin: echo, port: 17100 }\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();

  auto ok = call_agent("tcp://127.0.0.41:17100", {"--method", "echo", "--payload", "hello"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output, "hello\n");

  auto health = call_agent("tcp://127.0.0.41:17100", {"--health"});
  EXPECT_EQ(health.exit_code, 0) << health.output;
  auto json = nlohmann::json::parse(health.output);
  EXPECT_EQ(json.at("agent"), "Echo");
  EXPECT_EQ(json.at("state"), "ready");

  auto failed = call_agent("tcp://127.0.0.41:17100", {"--method", "fail", "--payload", "no way"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.output.find("error 500: no way"), std::string::npos) << failed.output;

  auto unknown = call_agent("tcp://127.0.0.41:17100", {"--method", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("error 404"), std::string::npos) << unknown.output;

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

TEST(Messaging, AnAgentCallsAnotherInTheSameHostByName) {
  TestDir dir;
  auto config = host_with(dir, "127.0.0.42",
                          "  - { name: Front, plugin: echo, port: 17100 }\n"
                          "  - { name: Back, plugin: echo }\n");  // no port: in-host only
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();

  auto r = call_agent("tcp://127.0.0.42:17100",
                      {"--method", "call", "--payload",
                       R"({"agent": "Back", "method": "echo", "payload": "via Front"})"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto reply = nlohmann::json::parse(r.output);
  EXPECT_EQ(reply.at("status"), "ok") << r.output;
  EXPECT_EQ(reply.at("payload"), "via Front");

  auto thrown = nlohmann::json::parse(
      call_agent("tcp://127.0.0.42:17100",
                 {"--method", "call", "--payload", R"({"agent": "Back", "method": "fail", "payload": "bad"})"})
          .output);
  EXPECT_EQ(thrown.at("status"), "remote_error");
  EXPECT_EQ(thrown.at("error"), "bad");
  EXPECT_EQ(thrown.at("code"), 500);

  auto slow = nlohmann::json::parse(
      call_agent("tcp://127.0.0.42:17100",
                 {"--method", "call", "--payload",
                  R"({"agent": "Back", "method": "sleep", "payload": "300", "timeout_ms": 50})"})
          .output);
  EXPECT_EQ(slow.at("status"), "timeout");

  auto nobody = nlohmann::json::parse(
      call_agent("tcp://127.0.0.42:17100",
                 {"--method", "call", "--payload", R"({"agent": "Nobody", "method": "echo"})"})
          .output);
  EXPECT_EQ(nobody.at("status"), "unavailable");
  EXPECT_NE(nobody.at("error").get<std::string>().find("Nobody"), std::string::npos);

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

TEST(Messaging, APortTakenByAnotherProgramFailsOnlyThatAgent) {
  // Another program holds 127.0.0.43:17101.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(17101);
  ::inet_pton(AF_INET, "127.0.0.43", &address.sin_addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 1), 0);

  TestDir dir;
  auto config = host_with(dir, "127.0.0.43",
                          "  - { name: Taken, plugin: echo, port: 17101 }\n"
                          "  - { name: NeedsTaken, plugin: echo, dependencies: [Taken] }\n"
                          "  - { name: Free, plugin: echo, port: 17102 }\n");
  auto host = start_host(config);
  auto line = host->wait_for_line("startup complete");
  ::close(fd);
  ASSERT_TRUE(line) << host->output();
  EXPECT_NE(line->find("1 ready, 1 failed, 1 blocked"), std::string::npos) << *line;
  EXPECT_NE(host->output().find("cannot bind tcp://127.0.0.43:17101: the port is taken by another "
                                "program"),
            std::string::npos)
      << host->output();
  auto free = call_agent("tcp://127.0.0.43:17102", {"--method", "echo", "--payload", "x"});
  EXPECT_EQ(free.exit_code, 0) << free.output;

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

TEST(Messaging, AnAgentWaitingForItsDependencyIsBoundAheadAndAnswersOnceReady) {
  // The host binds Waiter's port while Slow starts; a request that comes meanwhile is held,
  // not refused, and answered when Waiter is ready. An agent that will never start (blocked)
  // answers at once, with why.
  TestDir dir;
  auto config = host_with(dir, "127.0.0.46",
                          "  - { name: Slow, plugin: simulated, config: { init_ms: 1500 } }\n"
                          "  - { name: Waiter, plugin: echo, port: 17104, dependencies: [Slow] }\n"
                          "  - { name: Broken, plugin: hang_in_start, start_timeout: 1500ms }\n"
                          "  - { name: Doomed, plugin: echo, port: 17105, dependencies: [Broken] }\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("agent Slow: configured -> starting")) << host->output();
  const auto accepts = [](int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.46", &address.sin_addr);
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
  };
  for (int port : {17104, 17105})
    ASSERT_TRUE(eventually([&] { return accepts(port); }, std::chrono::milliseconds(1000))) << port << host->output();
  EXPECT_EQ(host->output().find("startup complete"), std::string::npos) << "Slow was meant to be starting still";

  zmq::context_t context;
  // Held until Broken's start times out and Doomed is blocked.
  auto doomed = request(context, "tcp://127.0.0.46:17105", {"AH1", "echo", "x", "5000", ""}, 4000);
  ASSERT_GE(doomed.size(), 3u) << host->output();
  EXPECT_EQ(doomed[1], "503");
  EXPECT_NE(doomed[2].find("blocked: dependency 'Broken' failed"), std::string::npos) << doomed[2];

  auto reply = request(context, "tcp://127.0.0.46:17104", {"AH1", "echo", "held", "5000", ""}, 5000);
  ASSERT_GE(reply.size(), 3u) << host->output();
  EXPECT_EQ(reply[1], "200");
  EXPECT_EQ(reply[2], "held");
  auto line = host->wait_for_line("startup complete");
  ASSERT_TRUE(line) << host->output();
  EXPECT_NE(line->find("2 ready, 1 failed, 1 blocked"), std::string::npos) << *line;

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(std::chrono::seconds(10)), 0) << host->output();
}

TEST(Messaging, AFirstAgentWhoseStartThrowsAnswers503WithWhyOverItsPort) {
  // A first agent's port is taken before its code runs and its socket bound beside start():
  // when start() throws first, the port is still served, with the reason, not left to hang.
  TestDir dir;
  // Four of them: the host, binding ahead, often reaches one before its failure is recorded
  // (then it was bound either way); without the bind on failure, one run in three or four failed.
  auto config = host_with(dir, "127.0.0.49",
                          "  - { name: Thrower1, plugin: throw_in_start, port: 17106 }\n"
                          "  - { name: Thrower2, plugin: throw_in_start, port: 17108 }\n"
                          "  - { name: Thrower3, plugin: throw_in_start, port: 17109 }\n"
                          "  - { name: Thrower4, plugin: throw_in_start, port: 17110 }\n"
                          "  - { name: Echo, plugin: echo, port: 17107 }\n");
  auto host = start_host(config);
  auto line = host->wait_for_line("startup complete");
  ASSERT_TRUE(line) << host->output();
  EXPECT_NE(line->find("1 ready, 4 failed, 0 blocked"), std::string::npos) << *line;
  zmq::context_t context;
  for (int port : {17106, 17108, 17109, 17110}) {
    auto thrower = request(context, "tcp://127.0.0.49:" + std::to_string(port), {"AH1", "echo", "x", "2000", ""}, 3000);
    ASSERT_GE(thrower.size(), 3u) << port << host->output();
    EXPECT_EQ(thrower[1], "503") << port;
    EXPECT_NE(thrower[2].find("start() threw"), std::string::npos) << thrower[2];
  }
  auto echo = request(context, "tcp://127.0.0.49:17107", {"AH1", "echo", "y", "2000", ""}, 3000);
  ASSERT_GE(echo.size(), 3u) << host->output();
  EXPECT_EQ(echo[1], "200");

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(std::chrono::seconds(10)), 0) << host->output();
}

TEST(Messaging, MalformedFramesGetAnErrorReplyAndTheHostKeepsServing) {
  TestDir dir;
  auto config = host_with(dir, "127.0.0.44", "  - { name: Echo, plugin: echo, port: 17100 }\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();
  zmq::context_t context;
  const std::string endpoint = "tcp://127.0.0.44:17100";

  auto bad_protocol = request(context, endpoint, {"HTTP/1.1", "GET", "/"});
  ASSERT_GE(bad_protocol.size(), 2u);
  EXPECT_EQ(bad_protocol[1], "400");
  auto too_few = request(context, endpoint, {"AH1", "echo"});
  ASSERT_GE(too_few.size(), 2u);
  EXPECT_EQ(too_few[1], "400");
  auto bad_deadline = request(context, endpoint, {"AH1", "echo", "x", "soon", "id-1"});
  ASSERT_EQ(bad_deadline.size(), 4u);
  EXPECT_EQ(bad_deadline[1], "400");
  EXPECT_EQ(bad_deadline[3], "id-1");  // the correlation id still comes back
  auto too_many = request(context, endpoint, {"AH1", "echo", "x", "", "id", "extra"});
  ASSERT_GE(too_many.size(), 2u);
  EXPECT_EQ(too_many[1], "400");
  {
    // A lone empty frame has no body at all: dropped, never answered.
    zmq::socket_t raw(context, zmq::socket_type::dealer);
    raw.set(zmq::sockopt::linger, 0);
    raw.connect(endpoint);
    raw.send(zmq::str_buffer(""), zmq::send_flags::none);
  }
  // A burst of garbage from many connections, then a good request: still answered.
  for (int i = 0; i < 50; ++i) request(context, endpoint, {"junk", std::string(1000, 'x')}, 500);
  auto good = request(context, endpoint, {"AH1", "echo", "still here", "1000", "id-2"});
  ASSERT_EQ(good.size(), 4u);
  EXPECT_EQ(good[1], "200");
  EXPECT_EQ(good[2], "still here");
  EXPECT_EQ(good[3], "id-2");

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

TEST(Messaging, HandlersOfOneAgentRunOneAtATimeUnlessConcurrencyAllowsMore) {
  TestDir dir;
  auto config = host_with(dir, "127.0.0.45",
                          "  - { name: Serial, plugin: echo, port: 17100 }\n"
                          "  - { name: Parallel, plugin: echo, port: 17101, concurrency: 3 }\n",
                          // Handlers that sleep hold a worker each: 3 at once need 3 workers.
                          "  workers: 4\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 2 ready")) << host->output();
  zmq::context_t context;

  for (const auto& [endpoint, expected] : {std::pair{"tcp://127.0.0.45:17100", "1"},
                                           std::pair{"tcp://127.0.0.45:17101", "3"}}) {
    // Three requests in flight at once on one DEALER, each holding its handler for 200 ms.
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvtimeo, 5000);
    socket.connect(endpoint);
    for (int i = 0; i < 3; ++i) {
      zmq::multipart_t out;
      for (const char* f : {"", "AH1", "inflight", "200", ""}) out.addstr(f);
      out.addstr(std::to_string(i));
      out.send(socket);
    }
    for (int i = 0; i < 3; ++i) {
      zmq::multipart_t in;
      ASSERT_TRUE(in.recv(socket)) << endpoint;
    }
    auto max = request(context, endpoint, {"AH1", "max_inflight", ""});
    ASSERT_GE(max.size(), 3u);
    EXPECT_EQ(max[2], expected) << endpoint;
  }

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

// echo's `spin` (bench/messaging's handlers that need the CPU) uses the payload's microseconds
// of its thread's CPU time rather than sleeping (CPU time, so a busy machine cannot make it
// shorter); a payload that is no number is the handler's error. /proc counts in 10 ms ticks.
TEST(Messaging, EchoSpinKeepsItsCpuBusyForThePayloadsMicroseconds) {
  TestDir dir;
  auto config = host_with(dir, "127.0.0.48", "  - { name: Echo, plugin: echo, port: 17100 }\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();
  zmq::context_t context;
  const std::string endpoint = "tcp://127.0.0.48:17100";
  const double cpu_before = cpu_seconds_of(host->pid());
  auto spun = request(context, endpoint, {"AH1", "spin", "300000", "10000"}, 10000);
  const double cpu_used = cpu_seconds_of(host->pid()) - cpu_before;
  ASSERT_GE(spun.size(), 3u);
  EXPECT_EQ(spun[1], "200");
  EXPECT_EQ(spun[2], "spun 300000 us");
  EXPECT_GE(cpu_used, 0.25) << "a 300 ms spin took " << cpu_used << " s of the host's CPU";
  auto bad = request(context, endpoint, {"AH1", "spin", "soon"});
  ASSERT_GE(bad.size(), 3u);
  EXPECT_EQ(bad[1], "500");
  EXPECT_NE(bad[2].find("microseconds, not 'soon'"), std::string::npos) << bad[2];

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

// The shipped binary's getpid() is its own (host/main/getpid_cache.hpp): the dynamic linker
// binds libzmq's calls (its fork checks, ~10 per request served over tcp) to the executable,
// not to libc. LD_BIND_NOW makes it bind every call at start, LD_DEBUG says where to.
TEST(Messaging, LibzmqsGetpidCallsGoToTheHostsCachedGetpid) {
  auto result = run_command({AGENTHOST_BIN, "--version"}, {{"LD_BIND_NOW", "1"}, {"LD_DEBUG", "bindings"}});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  bool zmq_bound = false, elsewhere = false;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("libzmq.so") == std::string::npos || line.find("symbol `getpid'") == std::string::npos) continue;
    (line.find(std::string(" to ") + AGENTHOST_BIN + " ") != std::string::npos ? zmq_bound : elsewhere) = true;
  }
  EXPECT_TRUE(zmq_bound) << "libzmq's getpid() is not bound to the agenthost executable";
  EXPECT_FALSE(elsewhere) << "libzmq's getpid() is bound elsewhere too";
}

// host.sockets_cpu: the real host's socket threads and ZeroMQ's I/O thread are on that CPU
// (what `taskset -p` shows), its main thread is not, and its agent answers over tcp.
TEST(Messaging, SocketsCpuPinsTheSocketThreadsOfTheHost) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  if (CPU_COUNT(&allowed) < 2) GTEST_SKIP() << "needs two CPUs to tell a pinned thread from a free one";
  int cpu = CPU_SETSIZE - 1;
  while (!CPU_ISSET(cpu, &allowed)) --cpu;
  TestDir dir;
  auto config = host_with(dir, "127.0.0.47", "  - { name: Echo, plugin: echo, port: 17100 }\n",
                          "  sockets_cpu: " + std::to_string(cpu) + "\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();
  zmq::context_t context;
  auto reply = request(context, "tcp://127.0.0.47:17100", {"AH1", "echo", "pinned", "2000"});
  ASSERT_GE(reply.size(), 3u);
  EXPECT_EQ(reply[2], "pinned");

  std::map<std::string, std::set<std::string>> cpus_by_thread;  // name -> Cpus_allowed_list values
  std::string main_thread_cpus;
  for (const auto& task : tasks_of(host->pid())) {
    cpus_by_thread[task.name].insert(task.cpus);
    if (task.tid == host->pid()) main_thread_cpus = task.cpus;
  }
  const std::set<std::string> pinned{std::to_string(cpu)};
  EXPECT_EQ(cpus_by_thread["agent-sockets"], pinned);
  EXPECT_EQ(cpus_by_thread["ZMQbg/IO/0"], pinned);
  EXPECT_FALSE(main_thread_cpus.empty());
  EXPECT_NE(main_thread_cpus, std::to_string(cpu)) << "the main thread was pinned too";

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

}  // namespace
}  // namespace agenthost::testing
