#include "raw_baselines.hpp"

#include <array>
#include <zmq_addon.hpp>

#include <charconv>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <zmq.hpp>

#include "child_processes.hpp"

namespace agenthost::bench {
namespace {

using std::chrono::nanoseconds;

// How long a Python helper may take to start (interpreter, pyzmq import) on a busy machine.
constexpr auto kPythonStartTimeout = std::chrono::seconds(30);

// Echoes every request until asked to stop; the receive timeout lets it see the request.
// Takes the socket by value: it is closed here, on the thread that used it.
void serve_echo(zmq::socket_t rep, std::stop_token stop) noexcept {
  try {
    rep.set(zmq::sockopt::rcvtimeo, 50);
    zmq::message_t request;
    while (!stop.stop_requested()) {
      if (rep.recv(request)) rep.send(request, zmq::send_flags::none);
    }
  } catch (const zmq::error_t&) {
    // Nothing to report to: the client's next receive times out and says so.
  }
}

// "ROUND_TRIPS_NS <elapsed> <sample> <sample> ...", as py_req_client.py prints it.
LatencyResult parse_client_line(std::string_view line) {
  std::vector<long long> numbers;
  const char* at = line.data() + line.find(' ');
  const char* end = line.data() + line.size();
  while (at < end) {
    while (at < end && *at == ' ') ++at;
    if (at == end) break;
    long long value = 0;
    const auto [next, error] = std::from_chars(at, end, value);
    if (error != std::errc() || value < 0) {
      throw std::runtime_error(fmt::format("py_req_client.py: bad number in its output '{:.80}'",
                                           std::string_view(at, end)));
    }
    numbers.push_back(value);
    at = next;
  }
  if (numbers.size() < 2) throw std::runtime_error("py_req_client.py reported no round trips");
  std::vector<nanoseconds> samples;
  samples.reserve(numbers.size() - 1);
  for (std::size_t i = 1; i < numbers.size(); ++i) samples.emplace_back(numbers[i]);
  return summarize(std::move(samples), nanoseconds(numbers[0]));
}

}  // namespace

struct ReqRepPair::Ends {
  Ends(const std::string& bind_to, std::chrono::milliseconds timeout) : reply_timeout(timeout) {
    zmq::socket_t rep(context, zmq::socket_type::rep);
    rep.set(zmq::sockopt::linger, 0);
    rep.bind(bind_to);
    const auto endpoint = rep.get(zmq::sockopt::last_endpoint);  // the port for "tcp://...:*"
    server = std::jthread([socket = std::move(rep)](std::stop_token stop) mutable {
      serve_echo(std::move(socket), stop);
    });
    req.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
    req.connect(endpoint);
  }

  // Destroyed in reverse: the server thread is joined and the REQ socket closed before the
  // context is terminated.
  const std::chrono::milliseconds reply_timeout;
  zmq::context_t context{1};
  zmq::socket_t req{context, zmq::socket_type::req};
  zmq::message_t reply;
  std::jthread server;
};

ReqRepPair::ReqRepPair(const std::string& bind_to, std::chrono::milliseconds reply_timeout)
    : ends_(std::make_unique<Ends>(bind_to, reply_timeout)) {}

ReqRepPair::~ReqRepPair() = default;

void ReqRepPair::round_trip() {
  ends_->req.send(zmq::buffer(kBenchPayload), zmq::send_flags::none);
  if (!ends_->req.recv(ends_->reply)) {
    throw std::runtime_error(fmt::format("no reply within {} ms", ends_->reply_timeout.count()));
  }
}

namespace {
LatencyResult req_rep_between_threads(const std::string& bind_to, const RoundTripPlan& plan) {
  ReqRepPair pair(bind_to, plan.reply_timeout);
  return measure_round_trips(plan, [&] { pair.round_trip(); });
}
}  // namespace

LatencyResult raw_inproc_round_trips(const RoundTripPlan& plan) {
  return req_rep_between_threads("inproc://bench-raw-inproc", plan);
}

LatencyResult raw_tcp_round_trips(const RoundTripPlan& plan) {
  return req_rep_between_threads("tcp://127.0.0.1:*", plan);
}

LatencyResult raw_tcp_two_processes_round_trips(const RoundTripPlan& plan,
                                                const std::string& server_bin) {
  ChildProcesses children;  // stops the server on every way out of this function
  children.spawn({server_bin});
  const auto endpoint = ready_endpoint(children.wait_ready(Clock::now() + kPythonStartTimeout).at(0));
  zmq::context_t context(1);
  zmq::socket_t req(context, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo, static_cast<int>(plan.reply_timeout.count()));
  req.connect(endpoint);
  std::vector<zmq::message_t> reply;
  return measure_round_trips(plan, [&] {
    std::array<zmq::const_buffer, 3> request{zmq::str_buffer("AH1"), zmq::str_buffer("echo"),
                                             zmq::buffer(kBenchPayload)};
    zmq::send_multipart(req, request);
    reply.clear();
    if (!zmq::recv_multipart(req, std::back_inserter(reply))) {
      throw std::runtime_error(fmt::format("no reply within {} ms", plan.reply_timeout.count()));
    }
  });
}

LatencyResult python_tcp_round_trips(const RoundTripPlan& plan, const std::string& python,
                                     const std::string& script_dir) {
  ChildProcesses children;  // stops both processes on every way out of this function
  children.spawn({python, script_dir + "/py_rep_server.py"});
  const auto endpoint =
      ready_endpoint(children.wait_ready(Clock::now() + kPythonStartTimeout).front());

  const auto client = children.spawn({
      python, script_dir + "/py_req_client.py", "--endpoint", endpoint,
      "--warmup", std::to_string(plan.warmup), "--count", std::to_string(plan.count),
      "--time-limit-s", std::to_string(plan.time_limit.count()),
      "--timeout-ms", std::to_string(plan.reply_timeout.count()),
      "--payload", std::string(kBenchPayload)});
  const auto line = children.wait_for_line(
      client, "ROUND_TRIPS_NS ", Clock::now() + kPythonStartTimeout + plan.time_limit);
  return parse_client_line(line);
}

}  // namespace agenthost::bench
