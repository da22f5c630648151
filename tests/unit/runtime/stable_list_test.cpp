// The runtime's record list: elements never move while it grows, and a reader may index what
// exists while another thread appends (run under TSan in CI).

#include "runtime/stable_list.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace agenthost::runtime {
namespace {

TEST(StableList, ElementsKeepTheirAddressAcrossSegments) {
  StableList<std::string> list(3);
  list[0] = "first";
  const std::string* first = &list[0];
  for (std::size_t i = 0; i < 3 * StableList<std::string>::kSegment; ++i) list.emplace_back() = std::to_string(i);
  EXPECT_EQ(first, &list[0]);
  EXPECT_EQ(list[0], "first");
  EXPECT_EQ(list.size(), 3 + 3 * StableList<std::string>::kSegment);
  EXPECT_EQ(list[list.size() - 1], std::to_string(3 * StableList<std::string>::kSegment - 1));
  std::size_t n = 0;
  for (const auto& s : list) n += !s.empty();
  EXPECT_EQ(n, list.size() - 2);  // elements 1 and 2 were never written
}

// Counts the live instances of itself; 4 KiB, about the size of a host's record.
struct Counted {
  static inline int live = 0;
  Counted() { ++live; }
  ~Counted() { --live; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  alignas(64) char payload[4096] = {};
};

TEST(StableList, OnlyAppendedElementsAreConstructedAndEachIsDestroyedOnce) {
  {
    StableList<Counted> list(84);
    EXPECT_EQ(Counted::live, 84);  // not the segment's 256
    for (std::size_t i = 0; i < StableList<Counted>::kSegment; ++i) list.emplace_back();
    EXPECT_EQ(Counted::live, 84 + 256);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&list[300]) % alignof(Counted), 0u);
  }
  EXPECT_EQ(Counted::live, 0);
}

TEST(StableList, AReaderIndexesWhileAnotherThreadAppends) {
  StableList<std::atomic<int>> list(1);
  std::mutex append_mu;  // the owner's lock: appends are serialised, reads are not
  std::atomic<bool> done{false};
  std::thread reader([&] {
    long sum = 0;
    for (int round = 0; round < 2000 && !done; ++round)
      for (std::size_t i = 0; i < list.size(); ++i) sum += list[i].load();
    EXPECT_GE(sum, 0);
  });
  for (int i = 1; i <= 2000; ++i) {
    std::lock_guard lock(append_mu);
    list.emplace_back().store(i);
  }
  done = true;
  reader.join();
  EXPECT_EQ(list.size(), 2001u);
  EXPECT_EQ(list[2000].load(), 2000);
}

}  // namespace
}  // namespace agenthost::runtime
