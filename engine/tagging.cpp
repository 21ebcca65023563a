#include "engine/tagging.hpp"

#include <algorithm>
#include <set>

#include "engine/utf8.hpp"

namespace cumulo::tagging {
namespace {

domain_error invalid_input(const std::string& reason) {
  return make_neutron_error(errc::bad_request, "InvalidInput",
                            "Invalid input for operation: " + reason + ".");
}

// Characters, as Neutron (Python) counts a string's length: valid UTF-8
// has one lead byte per code point.
std::size_t characters(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::vector<std::string> sorted(std::set<std::string> tags) {
  return {tags.begin(), tags.end()};
}

// Splits "a,b" into its tags (Neutron's comma-separated filter values).
void split_into(std::vector<std::string>& out, const std::string& value) {
  std::size_t start = 0;
  while (true) {
    const auto comma = value.find(',', start);
    out.push_back(
        value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return;
    start = comma + 1;
  }
}

bool has(const std::vector<std::string>& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

bool has_all(const std::vector<std::string>& tags, const std::vector<std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(),
                     [&](const std::string& t) { return has(tags, t); });
}

bool has_any(const std::vector<std::string>& tags, const std::vector<std::string>& wanted) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& t) { return has(tags, t); });
}

}  // namespace

std::optional<domain_error> check_tag(const std::string& tag) {
  // The routes refuse text that is not UTF-8 before it gets here; this
  // keeps the log free of it whoever asks.
  if (!valid_utf8(tag)) return invalid_input("a tag is not valid UTF-8");
  if (characters(tag) > max_tag_length)
    return invalid_input("'" + tag + "' exceeds maximum length of " +
                         std::to_string(max_tag_length));
  return std::nullopt;
}

std::optional<domain_error> check_list(const std::vector<std::string>& tags) {
  // Text that is not UTF-8 is never echoed, not even as a repeat.
  for (const auto& t : tags)
    if (!valid_utf8(t)) return check_tag(t);
  std::set<std::string> seen;
  std::vector<std::string> repeated;
  for (const auto& t : tags)
    if (!seen.insert(t).second && !has(repeated, t)) repeated.push_back(t);
  // Repeats first, then each tag: Neutron's order.
  if (!repeated.empty()) {
    std::string names;
    for (const auto& t : repeated) names += (names.empty() ? "" : ", ") + t;
    return invalid_input("Duplicate items in the list: '" + names + "'");
  }
  for (const auto& t : tags)
    if (auto e = check_tag(t)) return e;
  return std::nullopt;
}

outcome<std::vector<std::string>> after(const std::vector<std::string>& current, const change& c,
                                        const std::string& collection) {
  std::set<std::string> tags(current.begin(), current.end());
  switch (c.what) {
    case op::replace:
    case op::add:
      if (auto e = check_list(c.tags)) return *e;
      if (c.what == op::replace) tags.clear();
      tags.insert(c.tags.begin(), c.tags.end());
      break;
    case op::remove:
      for (const auto& t : c.tags) {
        if (auto e = check_tag(t)) return *e;
        if (!tags.erase(t))
          return make_neutron_error(errc::not_found, "TagNotFound",
                                    "Tag " + t + " could not be found.");
      }
      break;
    case op::clear:
      tags.clear();
      break;
  }
  // Only a change past the limit is refused: a resource that somehow has
  // more may still lose some.
  if (tags.size() > max_tags && tags.size() > current.size())
    return make_neutron_error(errc::bad_request, "BadRequest",
                              "Bad " + collection +
                                  " request: The number of tags exceed the per-resource limit of " +
                                  std::to_string(max_tags) + ".");
  return sorted(std::move(tags));
}

outcome<std::vector<std::string>> initial(const std::vector<std::string>& tags,
                                          const std::string& collection) {
  return after({}, change{op::replace, tags}, collection);
}

bool filter::take(const std::string& key, const std::string& value) {
  std::vector<std::string>* into = key == "tags"           ? &all
                                   : key == "tags-any"     ? &any
                                   : key == "not-tags"     ? &not_all
                                   : key == "not-tags-any" ? &not_any
                                                           : nullptr;
  if (!into) return false;
  split_into(*into, value);
  return true;
}

bool filter::empty() const {
  return all.empty() && any.empty() && not_all.empty() && not_any.empty();
}

bool filter::match(const std::vector<std::string>& tags) const {
  if (!all.empty() && !has_all(tags, all)) return false;
  if (!any.empty() && !has_any(tags, any)) return false;
  if (!not_all.empty() && has_all(tags, not_all)) return false;
  if (!not_any.empty() && has_any(tags, not_any)) return false;
  return true;
}

}  // namespace cumulo::tagging
