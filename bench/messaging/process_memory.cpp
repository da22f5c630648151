#include "process_memory.hpp"

#include <iterator>
#include <stdexcept>

#include <fmt/core.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "child_processes.hpp"
#include "pss.hpp"

namespace agenthost::bench {
namespace {

constexpr auto kReplyTimeout = std::chrono::seconds(5);

// One AH1 call, so that every process is measured in its serving state (connection set up,
// buffers allocated), not just freshly bound.
void ping(zmq::context_t& context, const std::string& endpoint) {
  zmq::socket_t req(context, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.set(zmq::sockopt::rcvtimeo,
          static_cast<int>(std::chrono::milliseconds(kReplyTimeout).count()));
  req.connect(endpoint);
  const zmq::const_buffer request[] = {zmq::str_buffer("AH1"), zmq::str_buffer("bench.ping"),
                                       zmq::str_buffer("{}")};
  zmq::send_multipart(req, request);
  std::vector<zmq::message_t> reply;
  if (!zmq::recv_multipart(req, std::back_inserter(reply))) {
    throw std::runtime_error(
        fmt::format("{}: no reply within {} s", endpoint, kReplyTimeout.count()));
  }
  if (reply.size() < 3 || reply[0].to_string_view() != "AH1" ||
      reply[1].to_string_view() != "200") {
    throw std::runtime_error(fmt::format("{}: not an AH1 200 reply", endpoint));
  }
}

}  // namespace

MemoryResult measure_process_memory(const std::vector<std::string>& argv, int count,
                                    std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  ChildProcesses children;  // stops every process on every way out of this function
  for (int i = 0; i < count; ++i) children.spawn(argv);
  const auto ready_lines = children.wait_ready(deadline);

  {
    zmq::context_t context(1);
    for (const auto& line : ready_lines) ping(context, ready_endpoint(line));
  }

  const auto pids = children.pids();
  if (pids.size() != static_cast<std::size_t>(count)) {
    throw std::runtime_error(
        fmt::format("only {} of {} processes still running", pids.size(), count));
  }
  MemoryResult result;
  result.processes = count;
  result.total_mib = static_cast<double>(pss_kib(pids)) / 1024;
  return result;
}

}  // namespace agenthost::bench
