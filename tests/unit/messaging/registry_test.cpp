// The registry: this host's agents, other hosts' agents, and the listeners told of changes.

#include "messaging/registry.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

namespace agenthost::messaging {
namespace {

// Records what listeners were told.
struct Recorder {
  std::mutex mu;
  std::vector<RegistryEntry> seen;

  Registry::Listener listener() {
    return [this](const RegistryEntry& entry) {
      std::lock_guard lock(mu);
      seen.push_back(entry);
    };
  }
  std::vector<RegistryEntry> take() {
    std::lock_guard lock(mu);
    return std::exchange(seen, {});
  }
};

RegistryEntry entry(std::string agent, std::string machine, std::string endpoint, bool ready) {
  return {std::move(agent), std::move(machine), std::move(endpoint), ready};
}

TEST(MessagingRegistryTest, PublishSetsOwnMachineAndNotifies) {
  Registry registry("m1");
  EXPECT_EQ(registry.machine(), "m1");
  Recorder recorder;
  registry.subscribe(recorder.listener());

  registry.publish(entry("A", "whatever", "tcp://127.0.0.1:7100", true));
  auto found = registry.find("A");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, entry("A", "m1", "tcp://127.0.0.1:7100", true));
  EXPECT_EQ(recorder.take(), (std::vector{entry("A", "m1", "tcp://127.0.0.1:7100", true)}));

  // The same entry again changes nothing and notifies no one.
  registry.publish(entry("A", "m1", "tcp://127.0.0.1:7100", true));
  EXPECT_TRUE(recorder.take().empty());

  registry.publish(entry("A", "m1", "tcp://127.0.0.1:7100", false));
  EXPECT_EQ(recorder.take(), (std::vector{entry("A", "m1", "tcp://127.0.0.1:7100", false)}));
}

TEST(MessagingRegistryTest, WithdrawRemovesAndNotifiesNotReady) {
  Registry registry("m1");
  Recorder recorder;
  registry.publish(entry("A", "m1", "", true));
  registry.subscribe(recorder.listener());

  registry.withdraw("A");
  EXPECT_FALSE(registry.find("A"));
  EXPECT_EQ(recorder.take(), (std::vector{entry("A", "m1", "", false)}));

  registry.withdraw("A");  // unknown: nothing happens
  registry.withdraw("Nobody");
  EXPECT_TRUE(recorder.take().empty());
}

TEST(MessagingRegistryTest, WithdrawLeavesPeerEntriesAlone) {
  Registry registry("m1");
  registry.replace_machine("m2", {entry("P", "m2", "tcp://10.0.0.2:7100", true)});
  registry.withdraw("P");
  EXPECT_TRUE(registry.find("P"));
}

TEST(MessagingRegistryTest, UnsubscribedListenersAreNotCalled) {
  Registry registry("m1");
  Recorder kept, dropped;
  registry.subscribe(kept.listener());
  int id = registry.subscribe(dropped.listener());
  registry.unsubscribe(id);
  registry.publish(entry("A", "m1", "", true));
  EXPECT_EQ(kept.take().size(), 1u);
  EXPECT_TRUE(dropped.take().empty());
}

TEST(MessagingRegistryTest, LocalChangeHookRunsForLocalChangesOnly) {
  Registry registry("m1");
  int local_changes = 0;
  registry.on_local_change([&] { ++local_changes; });
  registry.publish(entry("A", "m1", "", true));
  EXPECT_EQ(local_changes, 1);
  registry.publish(entry("A", "m1", "", true));  // unchanged
  EXPECT_EQ(local_changes, 1);
  registry.replace_machine("m2", {entry("P", "m2", "tcp://x:1", true)});
  EXPECT_EQ(local_changes, 1);
  registry.withdraw("A");
  EXPECT_EQ(local_changes, 2);
}

TEST(MessagingRegistryTest, ReplaceMachineAddsChangesAndRemoves) {
  Registry registry("m1");
  Recorder recorder;
  registry.subscribe(recorder.listener());

  registry.replace_machine("m2", {entry("P", "", "tcp://10.0.0.2:7100", true),
                                  entry("Q", "", "tcp://10.0.0.2:7101", false)});
  auto added = recorder.take();
  EXPECT_EQ(added.size(), 2u);
  EXPECT_EQ(registry.find("P"), entry("P", "m2", "tcp://10.0.0.2:7100", true));
  EXPECT_EQ(registry.find("Q"), entry("Q", "m2", "tcp://10.0.0.2:7101", false));

  // Same list: no news.
  registry.replace_machine("m2", {entry("P", "m2", "tcp://10.0.0.2:7100", true),
                                  entry("Q", "m2", "tcp://10.0.0.2:7101", false)});
  EXPECT_TRUE(recorder.take().empty());

  // Q becomes ready, P is gone, R is new.
  registry.replace_machine("m2", {entry("Q", "m2", "tcp://10.0.0.2:7101", true),
                                  entry("R", "m2", "tcp://10.0.0.2:7102", true)});
  auto changed = recorder.take();
  EXPECT_EQ(changed.size(), 3u);
  auto has = [&](const RegistryEntry& wanted) {
    return std::find(changed.begin(), changed.end(), wanted) != changed.end();
  };
  EXPECT_TRUE(has(entry("P", "m2", "tcp://10.0.0.2:7100", false)));  // removed: not ready
  EXPECT_TRUE(has(entry("Q", "m2", "tcp://10.0.0.2:7101", true)));
  EXPECT_TRUE(has(entry("R", "m2", "tcp://10.0.0.2:7102", true)));
  EXPECT_FALSE(registry.find("P"));
  EXPECT_EQ(registry.find("Q")->ready, true);
  EXPECT_EQ(registry.entries().size(), 2u);
}

TEST(MessagingRegistryTest, ReplaceMachineLeavesOtherMachinesAlone) {
  Registry registry("m1");
  registry.replace_machine("m2", {entry("P", "m2", "tcp://a:1", true)});
  registry.replace_machine("m3", {entry("S", "m3", "tcp://b:1", true)});
  registry.replace_machine("m2", {});
  EXPECT_FALSE(registry.find("P"));
  EXPECT_TRUE(registry.find("S"));
}

TEST(MessagingRegistryTest, ForgetMachineReportsEveryEntryNotReady) {
  Registry registry("m1");
  registry.publish(entry("A", "m1", "", true));
  registry.replace_machine("m2", {entry("P", "m2", "tcp://a:1", true),
                                  entry("Q", "m2", "tcp://a:2", true)});
  Recorder recorder;
  registry.subscribe(recorder.listener());
  registry.forget_machine("m2");
  auto gone = recorder.take();
  ASSERT_EQ(gone.size(), 2u);
  for (const auto& e : gone) {
    EXPECT_EQ(e.machine, "m2");
    EXPECT_FALSE(e.ready);
  }
  EXPECT_FALSE(registry.find("P"));
  EXPECT_FALSE(registry.find("Q"));
  EXPECT_TRUE(registry.find("A"));

  registry.forget_machine("m2");  // already forgotten
  registry.forget_machine("m1");  // this host: ignored
  EXPECT_TRUE(recorder.take().empty());
  EXPECT_TRUE(registry.find("A"));
}

TEST(MessagingRegistryTest, APeerAddsAnInstanceBesideTheLocalOne) {
  Registry registry("m1");
  registry.publish(entry("A", "m1", "tcp://127.0.0.1:7100", true));
  EXPECT_FALSE(registry.has_replicas());
  Recorder recorder;
  registry.subscribe(recorder.listener());
  registry.replace_machine("m2", {entry("A", "m2", "tcp://10.0.0.2:7100", true),
                                  entry("P", "m2", "tcp://10.0.0.2:7101", true)});
  EXPECT_EQ(recorder.take(), (std::vector{entry("A", "m2", "tcp://10.0.0.2:7100", true),
                                          entry("P", "m2", "tcp://10.0.0.2:7101", true)}));
  EXPECT_TRUE(registry.has_replicas());
  EXPECT_EQ(registry.find("A"), entry("A", "m1", "tcp://127.0.0.1:7100", true));  // this host's first
  EXPECT_EQ(registry.instances("A"), (std::vector{entry("A", "m1", "tcp://127.0.0.1:7100", true),
                                                  entry("A", "m2", "tcp://10.0.0.2:7100", true)}));

  // Forgetting the peer drops its instance only.
  registry.forget_machine("m2");
  EXPECT_EQ(registry.instances("A"), (std::vector{entry("A", "m1", "tcp://127.0.0.1:7100", true)}));
  EXPECT_FALSE(registry.has_replicas());
}

TEST(MessagingRegistryTest, ReplicasAreCountedPerAgentAsLocalInstancesComeAndGo) {
  Registry registry("m1");
  registry.replace_machine("m2", {entry("A", "m2", "tcp://10.0.0.2:7100", true),
                                  entry("B", "m2", "tcp://10.0.0.2:7101", true)});
  EXPECT_FALSE(registry.has_replicas());
  registry.publish(entry("A", "m1", "tcp://127.0.0.1:7100", false));
  EXPECT_TRUE(registry.has_replicas());
  registry.publish(entry("A", "m1", "tcp://127.0.0.1:7100", true));  // a change, not a new instance
  registry.publish(entry("B", "m1", "tcp://127.0.0.1:7101", true));
  registry.publish(entry("C", "m1", "tcp://127.0.0.1:7102", true));
  EXPECT_TRUE(registry.has_replicas());
  registry.withdraw("A");
  EXPECT_TRUE(registry.has_replicas());  // B still has two
  registry.withdraw("C");
  EXPECT_TRUE(registry.has_replicas());
  registry.withdraw("B");
  EXPECT_FALSE(registry.has_replicas());
  registry.publish(entry("B", "m1", "tcp://127.0.0.1:7101", true));
  EXPECT_TRUE(registry.has_replicas());
  registry.forget_machine("m2");  // counted anew after a peer's change
  EXPECT_FALSE(registry.has_replicas());
}

TEST(MessagingRegistryTest, FindPrefersTheLocalInstanceThenAReadyOne) {
  Registry registry("m1");
  registry.replace_machine("m2", {entry("A", "m2", "tcp://10.0.0.2:7100", false)});
  registry.replace_machine("m3", {entry("A", "m3", "tcp://10.0.0.3:7100", true)});
  EXPECT_EQ(registry.find("A"), entry("A", "m3", "tcp://10.0.0.3:7100", true));
  EXPECT_EQ(registry.instances("A").size(), 2u);
  EXPECT_TRUE(registry.instances("B").empty());
  registry.publish(entry("A", "m1", "", false));
  EXPECT_EQ(registry.find("A"), entry("A", "m1", "", false));
  registry.withdraw("A");
  EXPECT_EQ(registry.find("A"), entry("A", "m3", "tcp://10.0.0.3:7100", true));
}

TEST(MessagingRegistryTest, ReplaceMachineWithOwnNameIsIgnored) {
  Registry registry("m1");
  registry.publish(entry("A", "m1", "tcp://127.0.0.1:7100", true));
  Recorder recorder;
  registry.subscribe(recorder.listener());
  registry.replace_machine("m1", {entry("B", "m1", "tcp://x:1", true)});
  registry.replace_machine("m1", {});
  EXPECT_TRUE(recorder.take().empty());
  EXPECT_FALSE(registry.find("B"));
  EXPECT_EQ(registry.find("A"), entry("A", "m1", "tcp://127.0.0.1:7100", true));
}

TEST(MessagingRegistryTest, LocalEntriesListsOnlyLocalOnes) {
  Registry registry("m1");
  registry.publish(entry("A", "m1", "", true));
  registry.publish(entry("B", "m1", "tcp://127.0.0.1:7101", false));
  registry.replace_machine("m2", {entry("P", "m2", "tcp://a:1", true)});
  auto local = registry.local_entries();
  ASSERT_EQ(local.size(), 2u);
  EXPECT_EQ(local[0].agent, "A");
  EXPECT_EQ(local[1].agent, "B");
  for (const auto& e : local) EXPECT_EQ(e.machine, "m1");
  EXPECT_EQ(registry.entries().size(), 3u);
}

}  // namespace
}  // namespace agenthost::messaging
