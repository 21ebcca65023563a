// A service of the catalog (Keystone's /v3/services) and its endpoints
// (/v3/endpoints): its events, commands and the pure state machine. An
// endpoint lives in its service's stream, so deleting the service deletes
// its endpoints with it, as Keystone does. The services cumulo itself
// offers are built in (engine/identity_catalog): they have no stream.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/codec.hpp"
#include <nlohmann/json.hpp>

#include "engine/resource.hpp"

namespace cumulo {

// --- events (schema in schemas/events/service.json) ---
struct service_created {
  static constexpr const char* type_name = "service.created";
  static constexpr int schema_version = 1;
  std::string type;
  std::string name;
  std::string description;
  bool enabled = true;
  MSGPACK_DEFINE_MAP(type, name, description, enabled)
};

struct service_updated {
  static constexpr const char* type_name = "service.updated";
  static constexpr int schema_version = 1;
  std::optional<std::string> type;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  MSGPACK_DEFINE_MAP(type, name, description, enabled)
};

struct service_deleted {
  static constexpr const char* type_name = "service.deleted";
  static constexpr int schema_version = 1;
  CUMULO_EMPTY_PAYLOAD
};

struct service_endpoint_created {
  static constexpr const char* type_name = "service.endpoint_created";
  static constexpr int schema_version = 1;
  std::string endpoint_id;
  std::string interface;  // public, internal, admin
  std::string region_id;  // empty: none
  std::string url;
  bool enabled = true;
  MSGPACK_DEFINE_MAP(endpoint_id, interface, region_id, url, enabled)
};

struct service_endpoint_updated {
  static constexpr const char* type_name = "service.endpoint_updated";
  static constexpr int schema_version = 1;
  std::string endpoint_id;
  std::optional<std::string> interface;
  std::optional<std::string> region_id;
  std::optional<std::string> url;
  std::optional<bool> enabled;
  MSGPACK_DEFINE_MAP(endpoint_id, interface, region_id, url, enabled)
};

struct service_endpoint_deleted {
  static constexpr const char* type_name = "service.endpoint_deleted";
  static constexpr int schema_version = 1;
  std::string endpoint_id;
  MSGPACK_DEFINE_MAP(endpoint_id)
};

using service_event =
    std::variant<service_created, service_updated, service_deleted, service_endpoint_created,
                 service_endpoint_updated, service_endpoint_deleted>;

// --- state ---
struct endpoint {
  std::string id;
  std::string interface;
  std::string region_id;
  std::string url;  // as given; the built-in ones hold "{base}" (engine/identity_catalog)
  bool enabled = true;
};

struct service_state : resource_meta {
  std::string type;
  std::string name;
  std::string description;
  bool enabled = true;
  std::map<std::string, endpoint> endpoints;  // by id
};

void to_json(nlohmann::json& j, const service_state& s);

// --- commands ---
namespace service {
struct create {
  std::string type;
  std::string name;
  std::string description;
  bool enabled = true;
};
struct update {
  std::optional<std::string> type;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> enabled;
};
struct remove {};
struct create_endpoint {
  std::string endpoint_id;
  std::string interface;
  std::string region_id;
  std::string url;
  bool enabled = true;
};
struct update_endpoint {
  std::string endpoint_id;
  std::optional<std::string> interface;
  std::optional<std::string> region_id;
  std::optional<std::string> url;
  std::optional<bool> enabled;
};
struct delete_endpoint {
  std::string endpoint_id;
};
using command =
    std::variant<create, update, remove, create_endpoint, update_endpoint, delete_endpoint>;
// Every service's endpoints are in memory.
constexpr std::size_t max_endpoints = 64;
}  // namespace service

struct service_machine {
  static constexpr const char* kind = "service";
  using state = service_state;
  using event = service_event;
  using command = service::command;
  static decision<event> decide(const state& s, const command& c);
  static state apply(state s, const event& e);
};

}  // namespace cumulo
