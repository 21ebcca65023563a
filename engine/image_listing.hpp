// Who sees which image, and GET /v2/images' filters, sorting and pages, as
// Glance answers them. Pure: the image registry's index goes in, a page
// comes out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/image_state.hpp"

namespace cumulo {

struct image_viewer {
  std::string project_id;
  bool is_admin = false;
};

// GET /v2/images/{id}: an admin sees every image; anyone sees public and
// community ones; the owner project sees its own whatever their visibility,
// and a member project a shared image whatever its membership's status
// (it must see the image to accept it).
bool image_visible(const image_state& s, const image_viewer& v);
// The membership of the viewer's project in a shared image, if any.
const image_member* image_membership(const image_state& s, const image_viewer& v);
// The image as the viewer sees it: an owner or admin sees every member, a
// member only its own membership, anyone else none.
image_state image_for_viewer(image_state s, const image_viewer& v);
// Glance's os_hidden, kept among the properties as "true"/"false" (the
// image events have no field of its own).
bool image_hidden(const image_state& s);

// Whether the caller may change the image: its owner, or an admin.
bool image_owned(const image_state& s, const image_viewer& v);

struct image_query {
  // Exact-match filters; tags must all be present.
  std::map<std::string, std::string> fields;  // name, status, visibility, owner, formats
  std::vector<std::string> tags;
  std::optional<bool> os_hidden;
  // Shared images of which the viewer is a member are listed when its
  // membership has this status ("all": any); Glance's default "accepted".
  std::string member_status = "accepted";
  std::optional<std::int64_t> size_min;  // bytes; images without data never match
  std::optional<std::int64_t> size_max;
  // created_at / updated_at compared with a time: op is gt, gte, lt, lte,
  // eq or neq (Glance's "gte:2026-01-01T00:00:00Z"; a bare time is eq).
  // The image's times count in whole seconds, as Glance shows them.
  struct time_filter {
    std::string key;
    std::string op;
    std::int64_t at_us = 0;
  };
  std::vector<time_filter> times;
  // Exact values of other attributes (size, checksum, os_hash_value,
  // protected, min_ram, min_disk), and of any other key: an extra property
  // (Glance's ?hw_disk_bus=virtio).
  std::map<std::string, std::string> exact;
  // (key, "asc"|"desc"), most significant first; empty: created_at desc.
  std::vector<std::pair<std::string, std::string>> sort;
  std::int64_t limit = 25;
  std::string marker;  // an image id: the page starts after it
};

// The query of GET /v2/images' parameters, or Glance's 400.
outcome<image_query> parse_image_query(const std::map<std::string, std::string>& params);

struct image_page {
  std::vector<image_state> images;
  bool more = false;  // a next page exists (its marker: the last image's id)
};

// Images the viewer may list, filtered, sorted and cut to a page. Without
// a visibility filter a non-admin lists its own and public images and the
// shared ones it is a member of (community ones only when asked for, as
// Glance). A marker that is not in the list is a 400.
outcome<image_page> list_images(const std::vector<image_state>& all, const image_query& q,
                                const image_viewer& v);

}  // namespace cumulo
