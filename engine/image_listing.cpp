#include "engine/image_listing.hpp"

#include "engine/clock.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>
#include <string_view>

namespace cumulo {
namespace {

constexpr std::array<std::string_view, 13> sort_keys{
    "name",       "status",     "container_format", "disk_format", "size",
    "id",         "created_at", "updated_at",       "visibility",  "owner",
    "min_disk",   "min_ram",    "virtual_size"};
constexpr std::array<std::string_view, 6> filter_keys{
    "name", "status", "visibility", "owner", "disk_format", "container_format"};
constexpr std::int64_t max_limit = 1000;  // Glance's api_limit_max
// Parameters that are no filter of an attribute or property: paging and
// sorting.
constexpr std::array<std::string_view, 5> not_filters{"limit", "marker", "sort", "sort_key",
                                                      "sort_dir"};
constexpr std::array<std::string_view, 6> time_ops{"gt", "gte", "lt", "lte", "eq", "neq"};

domain_error bad(std::string message) {
  return make_domain_error(errc::bad_request, std::move(message));
}

std::string key_list() {
  std::string out;
  for (auto k : sort_keys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, sep);) out.push_back(part);
  return out;
}

std::optional<domain_error> check_sort(const std::string& key, const std::string& dir) {
  if (std::find(sort_keys.begin(), sort_keys.end(), key) == sort_keys.end())
    return bad("Invalid sort key: " + key + ". It should be one of the following: " + key_list() +
               ".");
  if (dir != "asc" && dir != "desc")
    return bad("Invalid sort direction: " + dir + ". It should be one of the following: asc, desc.");
  return std::nullopt;
}

// A sortable value of a field: numbers compare as numbers, absent ones first.
struct sort_value {
  bool present = false;
  std::int64_t number = 0;
  std::string text;
  bool operator<(const sort_value& o) const {
    if (present != o.present) return !present;
    if (number != o.number) return number < o.number;
    return text < o.text;
  }
  bool operator==(const sort_value& o) const {
    return present == o.present && number == o.number && text == o.text;
  }
};

sort_value value_of(const image_state& s, const std::string& key) {
  auto text = [](const std::string& t) { return sort_value{true, 0, t}; };
  auto number = [](std::optional<std::int64_t> n) {
    return n ? sort_value{true, *n, {}} : sort_value{};
  };
  if (key == "name") return text(s.name);
  if (key == "status") return text(s.status);
  if (key == "container_format") return text(s.container_format);
  if (key == "disk_format") return text(s.disk_format);
  if (key == "size") return number(s.size);
  if (key == "id") return text(s.id);
  if (key == "created_at") return number(s.created_at_us);
  if (key == "updated_at") return number(s.updated_at_us);
  if (key == "visibility") return text(s.visibility);
  if (key == "owner") return text(s.owner);
  if (key == "min_disk") return number(s.min_disk);
  if (key == "min_ram") return number(s.min_ram);
  return number(s.virtual_size);
}

// The text an exact filter compares with: attributes as Glance prints
// them, anything else an extra property (absent: no match).
std::optional<std::string> exact_value_of(const image_state& s, const std::string& key) {
  if (key == "size") return s.size ? std::optional(std::to_string(*s.size)) : std::nullopt;
  if (key == "checksum") return s.checksum;
  if (key == "os_hash_value") return s.os_hash_value;
  if (key == "protected") return s.is_protected ? "true" : "false";
  if (key == "min_ram") return std::to_string(s.min_ram);
  if (key == "min_disk") return std::to_string(s.min_disk);
  auto it = s.properties.find(key);
  if (it == s.properties.end()) return std::nullopt;
  return it->second;
}

std::string field_of(const image_state& s, const std::string& key) {
  if (key == "name") return s.name;
  if (key == "status") return s.status;
  if (key == "visibility") return s.visibility;
  if (key == "owner") return s.owner;
  if (key == "disk_format") return s.disk_format;
  return s.container_format;
}

bool member_listed(const image_state& s, const image_viewer& v, const std::string& status) {
  const image_member* m = image_membership(s, v);
  return m && (status == "all" || m->status == status);
}

bool listed_by_default(const image_state& s, const image_viewer& v, const image_query& q) {
  if (v.is_admin) return true;
  return s.owner == v.project_id || s.visibility == "public" ||
         member_listed(s, v, q.member_status);
}

// With a visibility filter: what the viewer sees of that visibility (a
// member's shared images by their membership's status).
bool listed_as(const image_state& s, const image_viewer& v, const image_query& q) {
  if (!image_visible(s, v)) return false;
  if (v.is_admin || s.owner == v.project_id || s.visibility != "shared") return true;
  return member_listed(s, v, q.member_status);
}

std::optional<std::int64_t> size_param(const std::string& key, const std::string& value,
                                       std::optional<domain_error>& error) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
    error = bad("Invalid value for " + key + ": " + value + ". It must be a non-negative integer.");
    return std::nullopt;
  }
  return n;
}

// An ISO 8601 time as Glance's filters take it: UTC ("Z", "+00:00" or no
// zone) or with an offset ("+02:00").
std::optional<std::int64_t> filter_time(const std::string& text) {
  if (auto utc = parse_iso8601(text)) return utc;
  const std::size_t n = text.size();
  if (n < 6 || (text[n - 6] != '+' && text[n - 6] != '-') || text[n - 3] != ':')
    return std::nullopt;
  auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (!digit(n - 5) || !digit(n - 4) || !digit(n - 2) || !digit(n - 1)) return std::nullopt;
  const int hours = (text[n - 5] - '0') * 10 + (text[n - 4] - '0');
  const int minutes = (text[n - 2] - '0') * 10 + (text[n - 1] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  auto local = parse_iso8601(text.substr(0, n - 6));
  if (!local) return std::nullopt;
  const std::int64_t offset_us = (hours * 60 + minutes) * std::int64_t{60000000};
  return text[n - 6] == '+' ? *local - offset_us : *local + offset_us;
}

// Glance's split of "op:value": a value that is a time as a whole (its
// colons are the clock's) is "eq", so is one without a colon.
outcome<image_query::time_filter> time_filter_of(const std::string& key, const std::string& value) {
  std::string op = "eq";
  std::string when = value;
  const auto colon = value.find(':');
  if (colon != std::string::npos && !filter_time(value)) {
    op = value.substr(0, colon);
    when = value.substr(colon + 1);
  }
  auto at = filter_time(when);
  if (!at) return bad("Bad \"" + key + "\" query filter format. Use ISO 8601 DateTime notation.");
  if (std::find(time_ops.begin(), time_ops.end(), op) == time_ops.end())
    return bad("Unable to filter on a unknown operator.");
  return image_query::time_filter{key, op, *at};
}

bool time_matches(const image_state& s, const image_query::time_filter& f) {
  std::int64_t value = f.key == "created_at" ? s.created_at_us : s.updated_at_us;
  value -= value % 1000000;  // whole seconds, as shown
  if (f.op == "gt") return value > f.at_us;
  if (f.op == "gte") return value >= f.at_us;
  if (f.op == "lt") return value < f.at_us;
  if (f.op == "lte") return value <= f.at_us;
  if (f.op == "neq") return value != f.at_us;
  return value == f.at_us;
}

}  // namespace

bool image_visible(const image_state& s, const image_viewer& v) {
  if (!s.exists()) return false;
  return v.is_admin || s.owner == v.project_id || s.visibility == "public" ||
         s.visibility == "community" || image_membership(s, v);
}

const image_member* image_membership(const image_state& s, const image_viewer& v) {
  if (s.visibility != "shared" || v.project_id.empty()) return nullptr;
  auto it = s.members.find(v.project_id);
  return it == s.members.end() ? nullptr : &it->second;
}

image_state image_for_viewer(image_state s, const image_viewer& v) {
  if (image_owned(s, v)) return s;
  std::map<std::string, image_member> own;
  if (const image_member* m = image_membership(s, v)) own[v.project_id] = *m;
  s.members = std::move(own);
  return s;
}

bool image_hidden(const image_state& s) {
  auto it = s.properties.find("os_hidden");
  return it != s.properties.end() && it->second == "true";
}

bool image_owned(const image_state& s, const image_viewer& v) {
  return v.is_admin || s.owner == v.project_id;
}

outcome<image_query> parse_image_query(const std::map<std::string, std::string>& params) {
  image_query q;
  for (const auto& [key, value] : params) {
    if (std::find(filter_keys.begin(), filter_keys.end(), key) != filter_keys.end()) {
      if (key == "visibility" && value != "all" && value != "public" && value != "private" &&
          value != "shared" && value != "community")
        return bad("Invalid visibility value: " + value);
      q.fields[key] = value;
    } else if (key == "tag") {
      q.tags = split(value, ',');
    } else if (key == "os_hidden") {
      if (value != "true" && value != "True" && value != "false" && value != "False")
        return bad("Invalid value '" + value + "' for 'os_hidden' filter. Valid values are "
                   "'true' or 'false'.");
      q.os_hidden = value == "true" || value == "True";
    } else if (key == "limit") {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size())
        return bad("limit param must be an integer");
      if (n < 0) return bad("limit param must be positive");
      q.limit = std::min(n, max_limit);
    } else if (key == "marker") {
      q.marker = value;
    } else if (key == "member_status") {
      if (value != "accepted" && value != "pending" && value != "rejected" && value != "all")
        return bad("Invalid status value: " + value);
      q.member_status = value;
    } else if (key == "created_at" || key == "updated_at") {
      auto f = time_filter_of(key, value);
      if (!f) return f.error();
      q.times.push_back(f.value());
    } else if (key == "size_min" || key == "size_max") {
      std::optional<domain_error> error;
      auto n = size_param(key, value, error);
      if (!n) return *error;
      (key == "size_min" ? q.size_min : q.size_max) = n;
    } else if (std::find(not_filters.begin(), not_filters.end(), key) == not_filters.end()) {
      // protected=True as the SDK may send it; everything else as given.
      q.exact[key] =
          key == "protected" ? (value == "true" || value == "True" ? "true" : "false") : value;
    }
  }
  // Either sort=key:dir,key:dir or sort_key=a,b&sort_dir=asc,desc.
  if (auto it = params.find("sort"); it != params.end()) {
    if (params.count("sort_key") || params.count("sort_dir"))
      return bad("The 'sort' parameter cannot be used with 'sort_key' or 'sort_dir'.");
    for (const auto& part : split(it->second, ',')) {
      auto colon = part.find(':');
      std::string key = part.substr(0, colon);
      std::string dir = colon == std::string::npos ? "desc" : part.substr(colon + 1);
      if (auto e = check_sort(key, dir)) return *e;
      q.sort.emplace_back(key, dir);
    }
  } else {
    std::vector<std::string> keys, dirs;
    if (auto k = params.find("sort_key"); k != params.end()) keys = split(k->second, ',');
    if (auto d = params.find("sort_dir"); d != params.end()) dirs = split(d->second, ',');
    if (dirs.size() > 1 && dirs.size() != keys.size())
      return bad("Number of sort dirs does not match the number of sort keys");
    for (std::size_t i = 0; i < keys.size(); ++i) {
      std::string dir = dirs.empty() ? "desc" : dirs.size() == 1 ? dirs[0] : dirs[i];
      if (auto e = check_sort(keys[i], dir)) return *e;
      q.sort.emplace_back(keys[i], dir);
    }
    if (keys.empty() && !dirs.empty()) {
      if (auto e = check_sort("created_at", dirs[0])) return *e;
      q.sort.emplace_back("created_at", dirs[0]);
    }
  }
  return q;
}

outcome<image_page> list_images(const std::vector<image_state>& all, const image_query& q,
                                const image_viewer& v) {
  std::vector<const image_state*> chosen;
  auto vis = q.fields.find("visibility");
  for (const auto& s : all) {
    if (!s.exists()) continue;
    if (vis == q.fields.end()) {
      if (!listed_by_default(s, v, q)) continue;
    } else if (!listed_as(s, v, q)) {
      continue;
    }
    if (q.size_min && !(s.size && *s.size >= *q.size_min)) continue;
    if (q.size_max && !(s.size && *s.size <= *q.size_max)) continue;
    if (!std::all_of(q.times.begin(), q.times.end(),
                     [&](const auto& f) { return time_matches(s, f); }))
      continue;
    bool match = true;
    for (const auto& [key, value] : q.fields)
      if (!(key == "visibility" && value == "all")) match &= field_of(s, key) == value;
    for (const auto& [key, value] : q.exact) match &= exact_value_of(s, key) == value;
    for (const auto& t : q.tags)
      match &= std::find(s.tags.begin(), s.tags.end(), t) != s.tags.end();
    // Hidden images are left out unless asked for (Glance's os_hidden).
    match &= image_hidden(s) == q.os_hidden.value_or(false);
    if (match) chosen.push_back(&s);
  }
  auto sort = q.sort;
  if (sort.empty()) sort.emplace_back("created_at", "desc");
  // Ties are broken by id, in the direction of the last key, so pages are stable.
  if (std::none_of(sort.begin(), sort.end(), [](const auto& k) { return k.first == "id"; }))
    sort.emplace_back("id", sort.back().second);
  std::stable_sort(chosen.begin(), chosen.end(), [&](const image_state* a, const image_state* b) {
    for (const auto& [key, dir] : sort) {
      auto va = value_of(*a, key), vb = value_of(*b, key);
      if (va == vb) continue;
      return dir == "asc" ? va < vb : vb < va;
    }
    return false;
  });
  std::size_t start = 0;
  if (!q.marker.empty()) {
    auto it = std::find_if(chosen.begin(), chosen.end(),
                           [&](const image_state* s) { return s->id == q.marker; });
    if (it == chosen.end())
      return bad("Invalid marker. Image " + q.marker + " could not be found.");
    start = static_cast<std::size_t>(it - chosen.begin()) + 1;
  }
  image_page page;
  const std::size_t end =
      std::min(chosen.size(), start + static_cast<std::size_t>(std::max<std::int64_t>(q.limit, 0)));
  for (std::size_t i = start; i < end; ++i) page.images.push_back(*chosen[i]);
  page.more = end < chosen.size() && !page.images.empty();
  return page;
}

}  // namespace cumulo
