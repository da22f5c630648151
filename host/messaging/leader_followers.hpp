#pragma once
// Who of the socket loop's threads leads (leader/followers, as in ACE's reactor). The leader
// waits for requests and receives them; when it has taken a handler to run, it hands the lead
// to an idle follower (or asks for a new thread) and runs the handler itself. The request is
// not passed to a worker and the worker woken: one thread wake-up less per request. Back from
// the handler, a thread leads again when nobody does, else waits as a follower, or retires
// when enough others wait.
//
// Handing the lead over costs a wake-up of the follower and a wait of this thread afterwards:
// three futex calls and two context switches per request, ~10 us of a cross-host call here.
// So while requests keep coming, one idle follower *watches* instead (it wakes every
// `watch_period`), and the leader runs the handler without handing the lead over (inline);
// if the handler runs longer than `stall`, the watching follower takes the lead in its place,
// so a handler that blocks holds the other sockets up by at most stall + watch_period. After
// `traffic_window` without requests the follower stops watching (an idle host does not wake),
// and the next request is handed over as before.
//
// Holding the lead is what allows a thread to use what the leader owns (the loop's epoll set
// and its socket list); the mutex it passes through is the hand-over's memory barrier.
//
// Threads: every method from the loop's threads, except wait_until_stopped() (the owner).
// Kept in a shared_ptr by the threads: one that comes back from a handler after the loop
// was stopped and destroyed finds out here, and touches nothing else.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

namespace agenthost::messaging {

// When the watching follower wakes, how long a handler may run inline before it takes the
// lead, and how long after the last request it keeps watching.
struct InlineTiming {
  std::chrono::microseconds watch_period{2000};
  std::chrono::microseconds stall{2000};
  std::chrono::milliseconds traffic_window{1000};
};

class LeaderFollowers {
 public:
  // `max_in_handlers`: threads that may be inside a handler at once (beyond it, calls go to
  // the worker pool). `max_idle`: followers kept waiting; more retire.
  LeaderFollowers(std::size_t max_in_handlers, std::size_t max_idle, InlineTiming timing = {});

  // The owner, before the first thread starts: counts it.
  void thread_starting();

  // Waits as a follower until the lead is free, and takes it. False when the thread is to
  // end: the loop stopped, or enough other threads wait (it has been uncounted).
  bool take_lead();

  // The leader: may a thread go into a handler now?
  bool may_run_handler() const;

  // The leader is about to run a handler. When a follower watches, it keeps the lead (and
  // goes into the handler, counted): the ticket is for end_inline(). Otherwise std::nullopt:
  // hand the lead over.
  std::optional<std::uint64_t> begin_inline();
  // Back from a handler run inline: true when this thread still leads; false when the watching
  // follower took the lead meanwhile (then take_lead(), as any thread back from a handler).
  bool end_inline(std::uint64_t ticket);

  // The leader gives up the lead to run a handler. True when no follower waits: the caller
  // must start a new thread (already counted), which will take the lead.
  bool hand_over_lead();

  // The thread that handed the lead over could not start the new thread it was asked for:
  // it leads again (and does not go into a handler).
  void take_back_lead();

  // A thread back from its handler (then take_lead()).
  void back_from_handler();

  // The leader, once the loop has stopped: every thread not in a handler ends.
  void stopped();

  // The owner: waits until the loop has stopped and every thread not in a handler has ended
  // (one still in a handler ends when it returns).
  void wait_until_stopped();

 private:
  using Clock = std::chrono::steady_clock;

  const std::size_t max_in_handlers_;
  const std::size_t max_idle_;
  const InlineTiming timing_;
  mutable std::mutex mu_;
  std::condition_variable lead_free_;  // followers wait here
  std::condition_variable ended_;      // wait_until_stopped() waits here
  bool led_ = false;            // guarded by mu_: some thread holds the lead
  bool stopped_ = false;        // guarded by mu_
  std::size_t live_ = 0;        // guarded by mu_: threads started and not yet ended
  std::size_t idle_ = 0;        // guarded by mu_: followers waiting for the lead
  std::size_t in_handlers_ = 0; // guarded by mu_
  bool watching_ = false;         // guarded by mu_: an idle follower watches the leader
  std::uint64_t inline_run_ = 0;    // guarded by mu_: the ticket of the leader's inline run; 0: none
  std::uint64_t last_ticket_ = 0;   // guarded by mu_
  Clock::time_point inline_since_;   // guarded by mu_
  Clock::time_point last_request_;   // guarded by mu_: the last handler begun, either way
};

}  // namespace agenthost::messaging
