// ZeroMQ CURVE (host.curve) with real hosts on 127.0.0.97: a plain client and a CURVE client
// whose key is not admitted are refused during the handshake (seen in libzmq's own monitor
// events) and never reach the agent; an admitted client is served, also by the Python example;
// a key file added to authorized_keys admits its client without a restart. Two hosts keep
// their registry link, cross-host calls and error forwarding working on CURVE.

#include <signal.h>
#include <zmq.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "support/eventually.hpp"
#include "support/host_fixture.hpp"

namespace agenthost::testing {
namespace {

const std::string kCallAgent = AGENTHOST_SOURCE_DIR "/examples/python/call_agent.py";
const std::string kEcho = "tcp://127.0.0.97:17561";

void make_keys(const TestDir& dir, const std::string& name) {
  auto r = run_command({AGENTCTL_BIN, "curve-keygen", dir.file("keys"), name});
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

// One key's Z85 text from a certificate file: `field` is "public-key" or "secret-key".
std::string certificate_key(const std::string& file, const std::string& field) {
  std::ifstream in(file);
  const std::string prefix = field + " = \"";
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(prefix);
    if (at != std::string::npos) return line.substr(at + prefix.size(), 40);
  }
  return "";
}
std::string public_key_of(const std::string& file) { return certificate_key(file, "public-key"); }

struct Attempt {
  std::optional<std::string> status;  // the reply's status frame; nullopt: no reply
  std::string payload;
  std::set<int> events;               // libzmq monitor events of the client socket
  std::optional<std::uint32_t> auth_status;  // the ZAP status of HANDSHAKE_FAILED_AUTH
};

// One AH1 echo request on a fresh DEALER socket, as a CURVE client when `client` (the name of
// a key pair in keys/) is given, with libzmq's monitor on it.
Attempt attempt(const TestDir& dir, const std::string& endpoint, const std::optional<std::string>& client) {
  static int monitors = 0;
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  if (client) {
    socket.set(zmq::sockopt::curve_serverkey, public_key_of(dir.file("keys/cluster.key")));
    socket.set(zmq::sockopt::curve_publickey, public_key_of(dir.file("keys/" + *client + ".key")));
    socket.set(zmq::sockopt::curve_secretkey, certificate_key(dir.file("keys/" + *client + ".key_secret"), "secret-key"));
  }
  const std::string monitor_address = "inproc://curve-monitor-" + std::to_string(++monitors);
  EXPECT_EQ(zmq_socket_monitor(socket.handle(), monitor_address.c_str(), ZMQ_EVENT_ALL), 0);
  zmq::socket_t monitor(context, zmq::socket_type::pair);
  monitor.set(zmq::sockopt::linger, 0);
  monitor.connect(monitor_address);
  // A DEALER whose only connection failed its handshake has no pipe left, and a send then
  // waits for one for ever: under load the refusal can come before the send.
  socket.set(zmq::sockopt::sndtimeo, 500);
  socket.connect(endpoint);
  zmq::multipart_t out;
  for (const char* frame : {"", "AH1", "echo", "through", "1500"}) out.addstr(frame);
  out.send(socket);  // false when refused first: the monitor's events below still tell why

  Attempt result;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (!result.status && std::chrono::steady_clock::now() < until) {
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}, {monitor.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(50));
    if (items[1].revents & ZMQ_POLLIN) {
      zmq::multipart_t event;
      if (event.recv(monitor) && event.size() == 2 && event[0].size() == 6) {
        std::uint16_t id = 0;
        std::uint32_t value = 0;
        std::memcpy(&id, event[0].data(), 2);
        std::memcpy(&value, static_cast<const char*>(event[0].data()) + 2, 4);
        result.events.insert(id);
        if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) result.auth_status = value;
      }
    }
    if (items[0].revents & ZMQ_POLLIN) {
      zmq::multipart_t reply;
      // "", "AH1", status, payload
      if (reply.recv(socket) && reply.size() >= 4) {
        result.status = reply[2].to_string();
        result.payload = reply[3].to_string();
      }
    }
  }
  return result;
}

bool handshake_failed(const Attempt& a) {
  return a.events.contains(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) ||
         a.events.contains(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) || a.events.contains(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
}

std::string curve_section() {
  return "  curve:\n"
         "    server_key: keys/cluster.key_secret\n"  // relative: to the config file's folder
         "    authorized_keys: authorized\n";
}

TEST(Curve, RefusesPlainAndUnknownClientsAndServesAdmittedOnes) {
  TestDir dir;
  for (const char* name : {"cluster", "operator", "stranger"}) make_keys(dir, name);
  std::filesystem::create_directories(dir.file("authorized"));
  std::filesystem::copy_file(dir.file("keys/operator.key"), dir.file("authorized/operator.key"));
  auto config = dir.write("host.yaml", host_section(dir, "  bind: 127.0.0.97\n" + curve_section()) +
                                           "agents:\n  - { name: Echo, plugin: echo, port: 17561 }\n");
  auto host = start_host(config);
  ASSERT_TRUE(host->wait_for_line("startup complete: 1 ready")) << host->output();

  // A plain ZeroMQ client: the mechanisms do not match, the request never reaches the agent.
  auto plain = attempt(dir, kEcho, std::nullopt);
  EXPECT_FALSE(plain.status) << *plain.status;
  EXPECT_TRUE(handshake_failed(plain)) << "events seen: " << plain.events.size();
  EXPECT_FALSE(plain.events.contains(ZMQ_EVENT_HANDSHAKE_SUCCEEDED));

  // A CURVE client with a key nobody admitted: refused by the host's ZAP handler (400).
  auto stranger = attempt(dir, kEcho, "stranger");
  EXPECT_FALSE(stranger.status) << *stranger.status;
  ASSERT_TRUE(stranger.auth_status) << "no HANDSHAKE_FAILED_AUTH event";
  EXPECT_EQ(*stranger.auth_status, 400u);
  const auto stranger_key = public_key_of(dir.file("keys/stranger.key"));
  ASSERT_TRUE(host->wait_for_line("CURVE: refused a CURVE client from ")) << host->output();
  EXPECT_NE(host->output().find(stranger_key), std::string::npos) << host->output();
  auto errors = agentctl(dir, {"errors", "--agent", "agenthost"});
  EXPECT_NE(errors.output.find("is not in " + dir.file("authorized")), std::string::npos) << errors.output;

  // The admitted client is served, from C++ and from the Python example.
  auto admitted = attempt(dir, kEcho, "operator");
  ASSERT_TRUE(admitted.status) << "no reply for the admitted key";
  EXPECT_EQ(*admitted.status, "200");
  EXPECT_EQ(admitted.payload, "through");
  EXPECT_TRUE(admitted.events.contains(ZMQ_EVENT_HANDSHAKE_SUCCEEDED));
  auto python = run_command({"/usr/bin/python3", kCallAgent, "--endpoint", kEcho, "--method", "echo", "--payload",
                             "from python", "--curve-server-key", dir.file("keys/cluster.key"),
                             "--curve-client-key", dir.file("keys/operator.key_secret")});
  EXPECT_EQ(python.exit_code, 0) << python.output;
  EXPECT_NE(python.output.find("from python"), std::string::npos) << python.output;
  auto python_plain = run_command({"/usr/bin/python3", kCallAgent, "--endpoint", kEcho, "--method", "echo",
                                   "--timeout-ms", "500"});
  EXPECT_EQ(python_plain.exit_code, 2) << python_plain.output;

  // Admitting a key is dropping its public certificate in: the next connection gets in.
  std::filesystem::copy_file(dir.file("keys/stranger.key"), dir.file("authorized/stranger.key"));
  auto welcome = attempt(dir, kEcho, "stranger");
  ASSERT_TRUE(welcome.status) << "still refused after its key was added";
  EXPECT_EQ(*welcome.status, "200");
  EXPECT_EQ(welcome.payload, "through");

  host->signal(SIGTERM);
  EXPECT_EQ(host->wait_exit(), 0) << host->output();
}

// main_pc and pc2, one key set: the peers registry (Dialog waits for pc2's Speech), a call
// across hosts, and pc2's error events forwarded to main_pc, all on CURVE links.
std::string machine_config(const TestDir& dir, const std::string& machine) {
  const std::string error_bus = machine == "main_pc" ? "  error_bus: { listen: \"127.0.0.97:17565\" }\n"
                                                     : "  error_bus: { forward_to: \"127.0.0.97:17565\" }\n";
  return dir.write(machine + ".yaml",
                   "host:\n"
                   "  name: main_pc\n"
                   "  plugin_dirs: [" AGENTHOST_PLUGIN_DIR "]\n"
                   "  control: { socket: " + dir.file(machine + ".sock") + " }\n"
                   "  bind: 127.0.0.97\n"
                   "  registry:\n"
                   "    listen: \"127.0.0.97:" + (machine == "main_pc" ? "17563" : "17564") + "\"\n"
                   "    peers: [\"127.0.0.97:17563\", \"127.0.0.97:17564\"]\n"
                   "    announce_interval: 50ms\n" + error_bus + curve_section() +
                   "agents:\n"
                   "  - { name: Speech, plugin: echo, machine: pc2, port: 17566 }\n"
                   "  - { name: Dialog, plugin: echo, machine: main_pc, port: 17567, dependencies: [Speech] }\n");
}

TEST(Curve, TwoHostsAnnounceCallAndForwardErrorsOverCurve) {
  TestDir dir;
  for (const char* name : {"cluster", "operator"}) make_keys(dir, name);
  std::filesystem::create_directories(dir.file("authorized"));
  std::filesystem::copy_file(dir.file("keys/operator.key"), dir.file("authorized/operator.key"));
  auto start = [&](const std::string& machine) {
    return start_host(machine_config(dir, machine), {"--machine", machine});
  };
  auto main_pc = start("main_pc");
  auto pc2 = start("pc2");
  ASSERT_TRUE(pc2->wait_for_line("startup complete: 1 ready")) << pc2->output();
  // Dialog starts only once main_pc has heard of Speech over the CURVE registry link.
  ASSERT_TRUE(main_pc->wait_for_line("startup complete: 1 ready, 0 failed, 0 blocked")) << main_pc->output();

  auto call = run_command({"/usr/bin/python3", kCallAgent, "--endpoint", "tcp://127.0.0.97:17567", "--method",
                           "call", "--payload", R"({"agent": "Speech", "method": "echo", "payload": "across"})",
                           "--curve-server-key", dir.file("keys/cluster.key"), "--curve-client-key",
                           dir.file("keys/operator.key_secret")});
  ASSERT_EQ(call.exit_code, 0) << call.output;
  EXPECT_NE(call.output.find(R"("payload":"across")"), std::string::npos) << call.output;
  EXPECT_NE(call.output.find(R"("status":"ok")"), std::string::npos) << call.output;

  auto report = run_command({"/usr/bin/python3", kCallAgent, "--endpoint", "tcp://127.0.0.97:17566", "--method",
                             "report", "--payload", R"({"message": "seen across on CURVE"})", "--curve-server-key",
                             dir.file("keys/cluster.key"), "--curve-client-key",
                             dir.file("keys/operator.key_secret")});
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_TRUE(eventually([&] {
    auto r = run_command({AGENTCTL_BIN, "--socket", dir.file("main_pc.sock"), "errors", "--agent", "Speech"});
    return r.output.find("seen across on CURVE") != std::string::npos;
  }, std::chrono::seconds(5)));
  // The registry link and the error collector refuse a plain client like an agent does.
  for (const char* link : {"tcp://127.0.0.97:17563", "tcp://127.0.0.97:17565"}) {
    auto plain = attempt(dir, link, std::nullopt);
    EXPECT_TRUE(handshake_failed(plain)) << link;
    EXPECT_FALSE(plain.events.contains(ZMQ_EVENT_HANDSHAKE_SUCCEEDED)) << link;
  }
  EXPECT_EQ(main_pc->output().find("CURVE: refused"), std::string::npos) << main_pc->output();
  EXPECT_EQ(pc2->output().find("CURVE: refused"), std::string::npos) << pc2->output();

  pc2->signal(SIGTERM);
  main_pc->signal(SIGTERM);
  EXPECT_EQ(pc2->wait_exit(), 0) << pc2->output();
  EXPECT_EQ(main_pc->wait_exit(), 0) << main_pc->output();
}

}  // namespace
}  // namespace agenthost::testing
