#include "control/time_axis.hpp"

#include <gtest/gtest.h>

namespace agenthost::control {
namespace {

TEST(TimeAxis, PicksTheSmallestRoundStepWithinTheTickLimit) {
  auto axis = time_axis_for(450, 12);
  EXPECT_DOUBLE_EQ(axis.step_ms, 50);
  EXPECT_DOUBLE_EQ(axis.end_ms, 450);

  axis = time_axis_for(336, 12);
  EXPECT_DOUBLE_EQ(axis.step_ms, 50);
  EXPECT_DOUBLE_EQ(axis.end_ms, 350);

  axis = time_axis_for(168'000, 12);
  EXPECT_DOUBLE_EQ(axis.step_ms, 20'000);
  EXPECT_DOUBLE_EQ(axis.end_ms, 180'000);
}

TEST(TimeAxis, AnEmptySpanBecomesOneMillisecond) {
  for (double span : {0.0, -5.0}) {
    const auto axis = time_axis_for(span, 10);
    EXPECT_NEAR(axis.step_ms, 0.1, 1e-12);
    EXPECT_NEAR(axis.end_ms, 1, 1e-9);
  }
}

TEST(TimeAxis, TickLabelsPrintTheDigitsTheStepNeedsInOneUnit) {
  EXPECT_EQ(tick_label(0, {50, 450}), "0");
  EXPECT_EQ(tick_label(150, {50, 450}), "150ms");
  EXPECT_EQ(tick_label(1000, {100, 1000}), "1000ms");
  EXPECT_EQ(tick_label(0.3, {0.1, 1}), "0.3ms");
  EXPECT_EQ(tick_label(900, {100, 1100}), "0.9s");
  EXPECT_EQ(tick_label(1500, {500, 2000}), "1.5s");
  EXPECT_EQ(tick_label(40'000, {20'000, 180'000}), "40s");
}

}  // namespace
}  // namespace agenthost::control
