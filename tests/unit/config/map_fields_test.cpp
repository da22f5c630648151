#include "config/map_fields.hpp"

#include <gtest/gtest.h>

namespace agenthost::config {
namespace {

TEST(MapFields, FindsEachKeyAndNothingForAnAbsentOne) {
  const YAML::Node map = YAML::Load("name: A\nport: 7100\nconfig: {x: 1}\n");
  const MapFields fields(map);
  ASSERT_NE(fields.find("name"), nullptr);
  EXPECT_EQ(fields.find("name")->Scalar(), "A");
  EXPECT_EQ(fields.find("port")->Scalar(), "7100");
  EXPECT_TRUE(fields.find("config")->IsMap());
  EXPECT_EQ(fields.find("dependencies"), nullptr);
  EXPECT_EQ(fields.find("Name"), nullptr);  // keys are case-sensitive
}

TEST(MapFields, ARepeatedKeyGivesItsFirstValueAndTheValueKeepsItsPosition) {
  const YAML::Node map = YAML::Load("name: A\nname: B\n");
  const MapFields fields(map);
  EXPECT_EQ(fields.find("name")->Scalar(), "A");
  EXPECT_EQ(fields.find("name")->Mark().line, 0);
}

TEST(MapFields, ANodeThatIsNotAMappingHasNoFields) {
  const YAML::Node list = YAML::Load("[name, port]");
  EXPECT_EQ(MapFields(list).find("name"), nullptr);
  EXPECT_EQ(MapFields(YAML::Load("name")).find("name"), nullptr);
  EXPECT_EQ(MapFields(YAML::Node()).find("name"), nullptr);
}

TEST(MapFields, AKeyThatIsNotAScalarIsSkipped) {
  const YAML::Node map = YAML::Load("? [a, b]\n: 1\nname: A\n");
  const MapFields fields(map);
  EXPECT_EQ(fields.find("name")->Scalar(), "A");
  EXPECT_EQ(fields.find("[a, b]"), nullptr);
}

TEST(MapFields, AValueChangedThroughTheMappingIsSeenThroughTheField) {
  YAML::Node map = YAML::Load("config: {x: 1}\n");
  const MapFields fields(map);
  map["config"]["x"] = "2";  // substitution writes into the tree in place
  EXPECT_EQ((*fields.find("config"))["x"].Scalar(), "2");
}

}  // namespace
}  // namespace agenthost::config
