#include "engine/resource.hpp"

#include "engine/clock.hpp"

namespace cumulo {

void meta_to_json(nlohmann::json& j, const resource_meta& m) {
  j["id"] = m.id;
  j["version"] = m.version;
  j["created_at"] = m.created_at_us ? nlohmann::json(format_iso8601(m.created_at_us)) : nullptr;
  j["updated_at"] = m.updated_at_us ? nlohmann::json(format_iso8601(m.updated_at_us)) : nullptr;
  j["deleted"] = m.deleted;
}

}  // namespace cumulo
