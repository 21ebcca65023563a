// Fuzzes the query strings cumulo reads itself. Pistache splits a query
// into parameters; what is ours after that:
//  - percent_decoded (api/routing.cpp), '+' as a space: routing.cpp includes
//    Pistache, so CMakeLists.txt copies that one function out of it at
//    configure time (percent_decoded.inc) and fails when it can't;
//  - Neutron's list filters: list_query_of and list_query::match
//    (api/network_views.cpp) on a few items;
//  - Glance's list query: parse_image_query and list_images
//    (engine/image_listing.cpp) on a few images;
//  - Nova's name and ip filters, regular expressions from the client:
//    search_pattern (engine/search_pattern.cpp, RE2) on a few texts.
//
// Input: the query as sent after '?' ("name=a%20b&limit=2&sort=name:asc").
// It is split the way Pistache does (on '&', then the first '='; a key seen
// twice keeps its first value), each key and value percent-decoded.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/network_views.hpp"
#include "engine/image_listing.hpp"
#include "engine/search_pattern.hpp"

namespace cumulo::api::fuzz {
#include "percent_decoded.inc"
}  // namespace cumulo::api::fuzz

using namespace cumulo;

namespace {

const std::vector<nlohmann::json>& items() {
  static const std::vector<nlohmann::json> v{
      nlohmann::json::parse(R"({"id":"p1","name":"a b","admin_state_up":true,"mtu":1450,
        "fixed_ips":[{"ip_address":"10.0.0.5","subnet_id":"s1"}],"security_groups":["g1","g2"],
        "description":null,"tags":[]})"),
      nlohmann::json::parse(R"({"id":"p2","name":"","admin_state_up":false,"fixed_ips":[],
        "shared":false,"project_id":"x","revision_number":3})"),
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
      out.push_back(s);
    }
    return out;
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> params;
  while (true) {
    const auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    const auto eq = part.find('=');
    std::string key(part.substr(0, eq));
    std::string value(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!key.empty())
      params.emplace(api::fuzz::percent_decoded(key), api::fuzz::percent_decoded(value));
    (void)api::fuzz::percent_decoded(std::string(part), false);  // as a path segment
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }

  const auto q = api::list_query_of(params);
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
      if (page) (void)page.value().more;
    }
  }
  return 0;
}
