#include "reload_callers.hpp"

#include <zmq_addon.hpp>

namespace agenthost::bench {

Caller::Caller(Plan plan) : plan_(std::move(plan)), thread_([this] { run(); }) {}

Caller::~Caller() { stop(); }

void Caller::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::optional<Clock::time_point> Caller::wait_for_answer(const std::string& answer, Clock::time_point deadline) {
  std::unique_lock lock(mu_);
  watched_ = answer;
  watch_hit_.reset();
  watch_from_ = Clock::now();
  cv_.wait_until(lock, deadline, [&] { return watch_hit_.has_value(); });
  watched_.reset();
  return watch_hit_;
}

void Caller::run() {
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, plan_.timeout_ms);
  socket.connect(plan_.endpoint);
  const auto until = Clock::now() + plan_.max_time;
  std::uint64_t id = 0;
  for (std::size_t i = 0; i < plan_.max_calls && !stop_ && Clock::now() < until; ++i) {
    // A fresh request id each time: a late reply to a lost call is told apart and dropped.
    const std::string request_id = std::to_string(++id);
    zmq::multipart_t out;
    out.addstr("");
    for (const auto& f : {std::string("AH1"), plan_.method, plan_.payload, std::to_string(plan_.timeout_ms), request_id})
      out.addstr(f);
    CallRecord record;
    record.sent = Clock::now();
    out.send(socket);
    std::string payload;
    for (;;) {
      zmq::multipart_t in;
      if (!in.recv(socket)) break;  // timed out: lost
      std::vector<std::string> frames;
      while (!in.empty()) frames.push_back(in.popstr());
      if (!frames.empty() && frames.front().empty()) frames.erase(frames.begin());
      // AH1 reply: "AH1", status, body, correlation (our request id).
      if (frames.size() >= 4 && frames[3] != request_id) continue;
      record.ok = frames.size() >= 3 && frames[1] == "200" && plan_.reply_ok(frames[2]);
      if (frames.size() >= 3) payload = frames[2];
      break;
    }
    const auto now = Clock::now();
    record.latency = now - record.sent;
    records_.push_back(record);
    if (record.ok) {
      std::lock_guard lock(mu_);
      if (watched_ && !watch_hit_ && payload == *watched_ && record.sent >= watch_from_) {
        watch_hit_ = now;
        cv_.notify_all();
      }
    }
  }
}

}  // namespace agenthost::bench
