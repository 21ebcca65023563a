// Neutron's tags (the standard-attr-tag extension) on the resources with
// standard attributes: what a tag may be, what a change of a resource's
// tags gives, and the list filters tags, tags-any, not-tags and
// not-tags-any. Pure: each machine (network, router, ...) records the tags
// a change gives as an event of its own stream.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"

namespace cumulo::tagging {

// Neutron's limits: a tag is at most 255 characters, a resource has at
// most 50 (neutron/extensions/tagging.py).
inline constexpr std::size_t max_tag_length = 255;
inline constexpr std::size_t max_tags = 50;

// What a request does to a resource's tags.
enum class op {
  replace,  // PUT .../tags: exactly these
  add,      // POST .../tags (tag-creation) or PUT .../tags/{tag}: these as well
  remove,   // DELETE .../tags/{tag}: this one (404 TagNotFound when absent)
  clear,    // DELETE .../tags
};

struct change {
  op what = op::replace;
  std::vector<std::string> tags;
};

// One tag: UTF-8 of at most 255 characters (400 InvalidInput).
std::optional<domain_error> check_tag(const std::string& tag);
// A list a client gives (a body's "tags"): each tag as above, none twice
// (400 InvalidInput "Duplicate items in the list: 'a'").
std::optional<domain_error> check_list(const std::vector<std::string>& tags);

// The tags of a resource after the change, sorted (tags are a set: no
// order is kept). `collection` names the resource in Neutron's 400 past 50
// tags ("Bad networks request: ..."). A change that changes nothing gives
// `current` back, sorted.
outcome<std::vector<std::string>> after(const std::vector<std::string>& current, const change& c,
                                        const std::string& collection);

// The tags a create gives its resource (tags in a POST body): after() of
// a replace on none.
outcome<std::vector<std::string>> initial(const std::vector<std::string>& tags,
                                          const std::string& collection);

// The four tag filters of a list, each a set of tags (a value is a
// comma-separated list; a key given twice adds to it, as in Neutron):
//   tags          the resource has all of them
//   tags-any      it has at least one
//   not-tags      it has not all of them
//   not-tags-any  it has none of them
struct filter {
  std::vector<std::string> all, any, not_all, not_any;

  // Takes a query parameter when its key is one of the four (true), else
  // leaves it (false).
  bool take(const std::string& key, const std::string& value);
  bool empty() const;
  bool match(const std::vector<std::string>& tags) const;
};

}  // namespace cumulo::tagging
