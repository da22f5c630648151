// The smallest C++ agent process, for the memory baseline: one zmq context and one ROUTER
// socket bound to an ephemeral tcp port on 127.0.0.1, answering every AH1 request with status
// 200 and the request's payload (docs/PROTOCOL.md; REQ and DEALER-with-delimiter callers).
//
// Prints "READY <endpoint>" once bound, then serves until SIGTERM or SIGINT, and exits 0.

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <vector>

#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace {

// Reply: the envelope up to and including the empty delimiter, then AH1, 200, payload.
void answer(zmq::socket_t& router) {
  std::vector<zmq::message_t> frames;
  if (!zmq::recv_multipart(router, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
    return;
  }
  const auto delimiter =
      std::find_if(frames.begin(), frames.end(), [](const auto& f) { return f.size() == 0; });
  if (delimiter == frames.end()) return;  // no envelope to answer to
  const auto body = delimiter + 1;
  const bool has_payload = frames.end() - body >= 3;

  std::vector<zmq::message_t> reply(std::make_move_iterator(frames.begin()),
                                    std::make_move_iterator(body));
  reply.emplace_back("AH1", 3);
  reply.emplace_back("200", 3);
  reply.push_back(has_payload ? std::move(body[2]) : zmq::message_t());
  zmq::send_multipart(router, reply);
}

}  // namespace

int main() {
  // Signals arrive on a file descriptor that the poll loop watches, so shutdown is an
  // ordinary loop exit. Blocked before the context exists so that zmq's threads inherit it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const int signal_fd = signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::perror("signalfd");
    return 1;
  }

  try {
    zmq::context_t context(1);
    zmq::socket_t router(context, zmq::socket_type::router);
    router.set(zmq::sockopt::linger, 0);
    router.bind("tcp://127.0.0.1:*");
    std::printf("READY %s\n", router.get(zmq::sockopt::last_endpoint).c_str());
    std::fflush(stdout);

    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                               {nullptr, signal_fd, ZMQ_POLLIN, 0}};
    while ((items[1].revents & ZMQ_POLLIN) == 0) {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
      if (items[0].revents & ZMQ_POLLIN) answer(router);
    }
  } catch (const zmq::error_t& error) {
    std::fprintf(stderr, "minimal_zmq_process: %s\n", error.what());
    close(signal_fd);
    return 1;
  }
  close(signal_fd);
  return 0;
}
