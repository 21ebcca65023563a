// schemas/events/<kind>.json documents every event type; this keeps it true:
// each type of each stream kind has an entry with its schema version and
// exactly the keys its payload encodes, and the files list no other types.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "engine/log_fold.hpp"

namespace cumulo {
namespace {

nlohmann::json load_schema(const std::string& kind) {
  std::ifstream in(std::string(CUMULO_SOURCE_DIR) + "/schemas/events/" + kind + ".json");
  EXPECT_TRUE(in.good()) << "no schema file for " << kind;
  return nlohmann::json::parse(in, nullptr, false);
}

std::set<std::string> keys_of(const nlohmann::json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

template <class Variant, std::size_t... I>
std::set<std::string> check_types(const nlohmann::json& schema, std::index_sequence<I...>) {
  std::set<std::string> seen;
  auto check = [&](auto event) {
    using E = decltype(event);
    seen.insert(E::type_name);
    const auto& entry = schema["events"][E::type_name];
    ASSERT_TRUE(entry.is_object()) << E::type_name << " has no schema entry";
    EXPECT_EQ(entry.value("schema_version", 0), E::schema_version) << E::type_name;
    const new_event encoded = encode(event);
    const auto payload = nlohmann::json::from_msgpack(encoded.payload);
    const auto encoded_keys = keys_of(payload);
    EXPECT_EQ(keys_of(entry["properties"]), encoded_keys) << E::type_name << ": properties";
    std::set<std::string> required(entry["required"].begin(), entry["required"].end());
    EXPECT_EQ(required, encoded_keys) << E::type_name << ": required";
  };
  (check(std::variant_alternative_t<I, Variant>{}), ...);
  return seen;
}

template <class Machine>
void check_kind() {
  using event = typename Machine::event;
  const auto schema = load_schema(Machine::kind);
  ASSERT_FALSE(schema.is_discarded()) << Machine::kind << ".json is not valid JSON";
  auto seen = check_types<event>(schema, std::make_index_sequence<std::variant_size_v<event>>{});
  EXPECT_EQ(keys_of(schema["events"]), seen) << Machine::kind << ".json lists other types";
}

TEST(EventSchemas, MatchTheEncodedEventsOfEveryKind) {
  check_kind<project_machine>();
  check_kind<network_machine>();
  check_kind<image_machine>();
  check_kind<instance_machine>();
  check_kind<host_machine>();
  check_kind<user_machine>();
  check_kind<role_machine>();
  check_kind<domain_machine>();
  check_kind<quota_machine>();
  check_kind<security_group_machine>();
  check_kind<router_machine>();
  check_kind<floatingip_machine>();
  check_kind<subnetpool_machine>();
  check_kind<address_scope_machine>();
  check_kind<flavor_machine>();
  check_kind<keypair_machine>();
  check_kind<server_group_machine>();
  check_kind<compute_quota_machine>();
  check_kind<region_machine>();
  check_kind<service_machine>();
  check_kind<group_machine>();
  check_kind<volume_machine>();
  check_kind<volume_snapshot_machine>();
  check_kind<volume_type_machine>();
  check_kind<volume_quota_machine>();
  check_kind<credential_machine>();
  check_kind<agent_machine>();
}

TEST(EventSchemas, OldPayloadsAreLiftedByUpcastersNotRewritten) {
  // A v0 project.created had "title" where v1 has "name".
  register_upcaster("project.created", 0, [](const std::string& payload) {
    auto j = nlohmann::json::from_msgpack(payload);
    j["name"] = j["title"];
    j.erase("title");
    auto bytes = nlohmann::json::to_msgpack(j);
    return std::string(bytes.begin(), bytes.end());
  });
  auto old_bytes = nlohmann::json::to_msgpack({{"title", "legacy"}, {"enabled", true}});
  recorded_event r{1, "project/p", 1, "project.created", 0, 1, "", "",
                   std::string(old_bytes.begin(), old_bytes.end())};
  auto e = std::get<project_created>(decode<project_event>(r));
  EXPECT_EQ(e.name, "legacy");
  r.schema_version = 2;
  EXPECT_THROW(decode<project_event>(r), decode_error) << "a version newer than the code";
  r.type = "project.renamed";
  r.schema_version = 1;
  EXPECT_THROW(decode<project_event>(r), decode_error) << "an unknown type";
}

}  // namespace
}  // namespace cumulo
