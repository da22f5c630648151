// choose_instance: least outstanding, this host's instance on ties, round robin, avoided last.

#include "messaging/instance_choice.hpp"

#include <map>
#include <vector>

#include <gtest/gtest.h>

namespace agenthost::messaging {
namespace {

using Candidates = std::vector<InstanceCandidate>;

TEST(InstanceChoiceTest, NoCandidatesIsNoInstance) {
  EXPECT_EQ(choose_instance(Candidates{}, 0), kNoInstance);
}

TEST(InstanceChoiceTest, TheFewestOutstandingWins) {
  const Candidates c{{3, false, false}, {1, false, false}, {2, false, false}};
  for (std::uint64_t turn = 0; turn < 6; ++turn) EXPECT_EQ(choose_instance(c, turn), 1u) << turn;
}

TEST(InstanceChoiceTest, TiesGoToThisHostThenRoundRobin) {
  const Candidates with_local{{0, false, false}, {0, true, false}, {0, false, false}};
  for (std::uint64_t turn = 0; turn < 6; ++turn) EXPECT_EQ(choose_instance(with_local, turn), 1u) << turn;

  const Candidates remote{{0, false, false}, {0, false, false}, {0, false, false}};
  std::map<std::size_t, int> chosen;
  for (std::uint64_t turn = 0; turn < 9; ++turn) ++chosen[choose_instance(remote, turn)];
  EXPECT_EQ(chosen, (std::map<std::size_t, int>{{0, 3}, {1, 3}, {2, 3}}));
}

TEST(InstanceChoiceTest, ABusyLocalInstanceLosesToAnIdleRemoteOne) {
  const Candidates c{{2, true, false}, {0, false, false}};
  EXPECT_EQ(choose_instance(c, 0), 1u);
}

TEST(InstanceChoiceTest, AvoidedInstancesOnlyWhenNothingElseIsLeft) {
  const Candidates c{{0, true, true}, {5, false, false}, {0, false, true}};
  for (std::uint64_t turn = 0; turn < 4; ++turn) EXPECT_EQ(choose_instance(c, turn), 1u) << turn;
  const Candidates all_avoided{{4, false, true}, {1, false, true}};
  EXPECT_EQ(choose_instance(all_avoided, 0), 1u);
}

}  // namespace
}  // namespace agenthost::messaging
