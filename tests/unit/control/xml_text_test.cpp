#include "control/xml_text.hpp"

#include <gtest/gtest.h>

namespace agenthost::control {
namespace {

TEST(XmlText, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(xml_escape(R"(<a & "b" 'c'>)"), "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;");
}

TEST(XmlText, ReplacesControlCharactersXmlForbidsButKeepsWhitespace) {
  EXPECT_EQ(xml_escape(std::string("a\x01" "b\tc\nd\x1f", 8)), "a b\tc\nd ");
}

TEST(XmlText, EllipsizeKeepsShortTextAndCutsLongText) {
  EXPECT_EQ(ellipsize("broker", 6), "broker");
  EXPECT_EQ(ellipsize("broker", 5), "brok\u2026");
  EXPECT_EQ(ellipsize("broker", 1), "\u2026");
  EXPECT_EQ(ellipsize("broker", 0), "");
}

TEST(XmlText, EllipsizeCountsCharactersNotBytes) {
  const std::string umlauts = "\u00e4\u00f6\u00fc\u00e4\u00f6\u00fc";  // 6 characters, 12 bytes
  EXPECT_EQ(ellipsize(umlauts, 6), umlauts);
  EXPECT_EQ(ellipsize(umlauts, 3), "\u00e4\u00f6\u2026");
}

}  // namespace
}  // namespace agenthost::control
