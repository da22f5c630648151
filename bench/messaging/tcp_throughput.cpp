#include "tcp_throughput.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "../free_port.hpp"
#include "allowed_cpus.hpp"
#include "child_processes.hpp"
#include "messaging/wire_protocol.hpp"
#include "raw_baselines.hpp"

namespace agenthost::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A DEALER caller that keeps `window` requests in flight (protocol AH1, docs/PROTOCOL.md).
class WindowedCaller {
 public:
  WindowedCaller(zmq::context_t& context, int port) : socket_(context, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvtimeo, 2000);
    socket_.set(zmq::sockopt::sndtimeo, 2000);
    socket_.connect(fmt::format("tcp://127.0.0.1:{}", port));
  }

  // The frames an AgentClient sends (messaging/wire_protocol), without a deadline.
  void send(const std::string& method, const std::string& payload) {
    auto request = messaging::make_request(method, payload, std::nullopt, "");
    if (!zmq::send_multipart(socket_, request)) throw std::runtime_error("the serving host took no request for 2 s");
  }

  // One whole reply; throws when none comes within 2 s or it is not a 200.
  void receive() {
    messaging::Frames frames;
    if (!zmq::recv_multipart(socket_, std::back_inserter(frames)))
      throw std::runtime_error("the serving host sent no reply for 2 s");
    const auto reply = messaging::parse_reply(frames);
    if (!reply) throw std::runtime_error("the serving host sent something that is no AH1 reply");
    if (reply->status != 200)
      throw std::runtime_error(fmt::format("the serving host answered {}: {}", reply->status, reply->body));
  }

 private:
  zmq::socket_t socket_;
};

// One caller thread per port, `calls` calls in all with `window` in flight on each;
// calls per second. Bounded in count and in time (30 s).
double windowed_calls_per_s(const std::vector<int>& ports, const std::string& method,
                            const std::string& payload, std::size_t calls, std::size_t window) {
  zmq::context_t context;
  const std::size_t each = calls / ports.size();
  const auto give_up = Clock::now() + 30s;
  std::vector<std::exception_ptr> failures(ports.size());
  std::vector<std::thread> threads;
  const auto began = Clock::now();
  for (std::size_t k = 0; k < ports.size(); ++k) {
    threads.emplace_back([&, k] {
      try {
        WindowedCaller caller(context, ports[k]);
        std::size_t sent = 0;
        for (; sent < window && sent < each; ++sent) caller.send(method, payload);
        for (std::size_t done = 0; done < each; ++done) {
          caller.receive();
          if (Clock::now() > give_up) throw std::runtime_error("30 s were not enough");
          if (sent < each) {
            caller.send(method, payload);
            ++sent;
          }
        }
      } catch (...) {
        failures[k] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  for (auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  return double(each * ports.size()) / seconds;
}

}  // namespace

TcpThroughput tcp_throughput(const std::string& agenthost_bin, const std::string& plugin_dir,
                             bool pinned, std::size_t calls) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("ah-bench-tput-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const std::vector<int> ports{free_loopback_port(), free_loopback_port()};
  if (ports[0] < 0 || ports[1] < 0 || ports[0] == ports[1])
    throw std::runtime_error("no two free tcp ports on 127.0.0.1");
  {
    std::ofstream config(dir / "server.yaml");
    config << fmt::format(
        "host:\n  name: server\n  plugin_dirs: [\"{}\"]\n  bind: 127.0.0.1\n{}"
        "agents:\n  - {{ name: B, plugin: echo, port: {} }}\n  - {{ name: C, plugin: echo, port: {} }}\n",
        plugin_dir, pinned ? fmt::format("  sockets_cpu: {}\n", last_allowed_cpu()) : std::string(), ports[0], ports[1]);
  }
  ChildProcesses server;
  server.spawn({agenthost_bin, "run", "--config", (dir / "server.yaml").string(), "--log-level", "warn"});
  // Up when both agents answer (bounded: 10 s).
  const auto until = Clock::now() + 10s;
  for (bool up = false; !up;) {
    try {
      windowed_calls_per_s(ports, "echo", "up?", ports.size(), 1);
      up = true;
    } catch (const std::exception&) {
      if (Clock::now() > until) throw std::runtime_error("the serving agenthost did not come up");
      std::this_thread::sleep_for(20ms);
    }
  }
  TcpThroughput result;
  windowed_calls_per_s(ports, "echo", "warm-up", calls / 10, 16);
  result.echo_calls_per_s = windowed_calls_per_s(ports, "echo", std::string(kBenchPayload), calls, 16);
  result.spin_calls_per_s = windowed_calls_per_s(ports, "spin", "300", calls / 20, 4);
  server.stop(3s);
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace agenthost::bench
