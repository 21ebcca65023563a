// A request's query as it was sent: every key=value pair in order, repeated
// keys kept. Pistache keeps one value per key, but OpenStack's clients
// repeat them (Neutron's fields=id&fields=name, id=a&id=b). The framing
// layer (api/image_upload.cpp) hands the raw query to the routes in the
// X-Cumulo-Query header, having dropped any header of that name the
// client sent.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_framing.hpp"  // raw_query_header_name

namespace Pistache::Rest {
class Request;
}

namespace cumulo::api {

using query_pairs = std::vector<std::pair<std::string, std::string>>;

// More pairs than this are dropped: no client sends so many.
constexpr std::size_t max_query_pairs = 1024;

// "%41" is "A"; '+' is a space when plus_is_space (a query), itself in a path.
std::string percent_decoded(std::string_view in, bool plus_is_space = true);

// "a=1&b=2&a=3" -> (a,1) (b,2) (a,3), decoded; a key without '=' has the
// value ""; empty pieces ("a=1&&b") are skipped.
query_pairs parse_query(std::string_view raw);

// The request's query pairs (from X-Cumulo-Query; Pistache's own parse when
// the header is absent, as for a request that never passed the framing).
query_pairs query_list(const Pistache::Rest::Request& req);

// The values of `key`, comma-separated ones split too (fields=id,name).
std::set<std::string> query_values(const query_pairs& q, const std::string& key);

}  // namespace cumulo::api
