#pragma once
// An append-only list whose elements never move, indexed without a lock while another thread
// appends (under the owner's lock). The runtime's records: start, reload and health threads
// index them by node without AgentHost::mu_, and a configuration reload adds agents.
// Segments of 256 elements, at most 4096 of them (about a million agents). A segment is
// raw storage: an element is constructed when it is appended, not when its segment is made
// (a host's record is ~3 KiB, and constructing a whole segment of them for the 84-agent demo
// took 2 ms of start-up).

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <stdexcept>

namespace agenthost::runtime {

template <typename T>
class StableList {
 public:
  static constexpr std::size_t kSegment = 256, kMaxSegments = 4096;

  explicit StableList(std::size_t n = 0) {
    for (std::size_t i = 0; i < n; ++i) emplace_back();
  }
  ~StableList() {
    const std::size_t n = size_.load(std::memory_order_relaxed);
    for (std::size_t i = n; i > 0; --i) std::destroy_at(&(*this)[i - 1]);
    for (auto& s : segments_) {
      if (T* segment = s.load(std::memory_order_relaxed))
        ::operator delete(static_cast<void*>(segment), std::align_val_t{alignof(T)});
    }
  }
  StableList(const StableList&) = delete;
  StableList& operator=(const StableList&) = delete;

  // Callers serialise appends; readers may index any element below size() concurrently.
  T& emplace_back() {
    const std::size_t i = size_.load(std::memory_order_relaxed);
    const std::size_t seg = i / kSegment;
    if (seg >= kMaxSegments) throw std::length_error("more agents than one host can hold");
    T* segment = segments_[seg].load(std::memory_order_relaxed);
    if (!segment) {
      segment = static_cast<T*>(::operator new(sizeof(T) * kSegment, std::align_val_t{alignof(T)}));
      segments_[seg].store(segment, std::memory_order_release);
    }
    T* element = std::construct_at(segment + i % kSegment);  // before size_ publishes it
    size_.store(i + 1, std::memory_order_release);
    return *element;
  }

  T& operator[](std::size_t i) { return segments_[i / kSegment].load(std::memory_order_acquire)[i % kSegment]; }
  const T& operator[](std::size_t i) const {
    return segments_[i / kSegment].load(std::memory_order_acquire)[i % kSegment];
  }
  std::size_t size() const { return size_.load(std::memory_order_acquire); }

  template <typename Self>
  struct Iter {
    Self* list;
    std::size_t i;
    auto& operator*() const { return (*list)[i]; }
    Iter& operator++() {
      ++i;
      return *this;
    }
    bool operator!=(const Iter& o) const { return i != o.i; }
  };
  Iter<StableList> begin() { return {this, 0}; }
  Iter<StableList> end() { return {this, size()}; }
  Iter<const StableList> begin() const { return {this, 0}; }
  Iter<const StableList> end() const { return {this, size()}; }

 private:
  std::array<std::atomic<T*>, kMaxSegments> segments_{};
  std::atomic<std::size_t> size_{0};
};

}  // namespace agenthost::runtime
