// Fuzzes the query strings cumulo reads itself:
//  - parse_query and percent_decoded (api/query.cpp): the raw query as the
//    client sent it (repeated keys kept), '+' as a space, and
//    query_values (fields=id,name);
//  - Neutron's list filters: list_query_of and list_query::match
//    (api/network_views.cpp) on a few items, the tag filters
//    (tags, tags-any, not-tags, not-tags-any: engine/tagging.cpp) too;
//  - Glance's list query: parse_image_query and list_images
//    (engine/image_listing.cpp) on a few images;
//  - Nova's name and ip filters, regular expressions from the client:
//    search_pattern (engine/search_pattern.cpp, RE2) on a few texts.
//
// Input: the query as sent after '?' ("name=a%20b&limit=2&sort=name:asc").
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/network_views.hpp"
#include "api/query.hpp"
#include "engine/image_listing.hpp"
#include "engine/search_pattern.hpp"

using namespace cumulo;

namespace {

const std::vector<nlohmann::json>& items() {
  static const std::vector<nlohmann::json> v{
      nlohmann::json::parse(R"({"id":"p1","name":"a b","admin_state_up":true,"mtu":1450,
        "fixed_ips":[{"ip_address":"10.0.0.5","subnet_id":"s1"}],"security_groups":["g1","g2"],
        "description":null,"tags":[]})"),
      nlohmann::json::parse(R"({"id":"p2","name":"","admin_state_up":false,"fixed_ips":[],
        "shared":false,"project_id":"x","revision_number":3,"tags":["red","b,c","\u00e9t\u00e9"]})"),
      nlohmann::json::parse(R"({"id":"n1","subnets":["s1"],"router:external":true,
        "fixed_ips":{"ip_address":"not a list"}})"),
  };
  return v;
}

const std::vector<image_state>& images() {
  static const std::vector<image_state> v = [] {
    std::vector<image_state> out;
    const char* vis[] = {"public", "private", "shared", "community"};
    for (int i = 0; i < 6; ++i) {
      image_state s;
      s.id = "i" + std::to_string(i);
      s.version = i == 5 ? 0 : 1;
      s.created_at_us = 1000 * (i % 3);
      s.name = i % 2 ? "cirros" : "debian";
      s.owner = i % 2 ? "p1" : "p2";
      s.status = i == 4 ? "queued" : "active";
      s.visibility = vis[i % 4];
      s.disk_format = "qcow2";
      s.container_format = "bare";
      s.tags = {"t" + std::to_string(i % 2), "all"};
      if (i == 3) s.properties["os_hidden"] = "true";
      if (i != 2) s.size = 100 * i;
      if (i == 2) s.members["p1"] = image_member{"accepted", 1, 1};
      if (i == 4) s.members["p1"] = image_member{"pending", 1, 1};
      out.push_back(s);
    }
    return out;
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  const auto pairs = api::parse_query(query);
  (void)api::percent_decoded(query, false);  // as a path segment
  (void)api::query_values(pairs, "fields");
  // The first value of each key: what query_params gives the other services.
  std::map<std::string, std::string> params;
  for (const auto& [key, value] : pairs) params.emplace(key, value);

  const auto q = api::list_query_of(pairs);
  for (const auto& item : items()) (void)q.match(item);

  for (const char* key : {"name", "ip", "ip6"})
    if (auto it = params.find(key); it != params.end()) {
      const search_pattern p(it->second);
      for (const char* text : {"vm-1", "", "10.0.0.5", "fd00::5", "\xff\xfe"})
        (void)p.found_in(text);
    }

  auto iq = parse_image_query(params);
  if (iq) {
    for (bool admin : {false, true}) {
      auto page = list_images(images(), iq.value(), image_viewer{"p1", admin});
      if (page)
        for (const auto& s : page.value().images)
          (void)image_for_viewer(s, image_viewer{"p1", admin});
    }
  }
  return 0;
}
