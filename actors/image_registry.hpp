// The image registry: Glance's front door in the actor core (the name
// Glance gave its metadata service). Each image is still an image actor
// under the conductor, owning its stream image/<id>; this actor keeps the
// index lists are answered from, and owns the image files of the data dir:
// <image_dir>/<id> holds an active image's bytes, <id>.<request>.part an
// upload (or a staging) in progress, <id>.staged the bytes staged for an
// import (glance-direct).
//
//   (command_atom, id, image::command, meta) -> image_state
//       a remove also deletes the image's files once the delete is durable;
//       a staging reset deletes the staged bytes; an import answers once
//       the image is importing, then the registry moves the staged bytes
//       to the image's file and records the import finished (or failed)
//   (caf::get_atom, image_atom, id)          -> image_state ("No image found
//                                               with ID <id>" when missing)
//   (list_atom, image_atom)                  -> std::vector<image_state>, in
//                                               creation order
//
// The API's requests carry their caller (a token's credentials), and the
// registry decides what that caller sees and may do:
//   (caf::get_atom, image_atom, id, credentials)
//       -> image_state as the caller sees it (engine/image_listing's
//          image_for_viewer: a member sees only its own membership); an
//          image it may not see is "No image found with ID <id>"
//   (command_atom, id, image::command, meta, credentials) -> image_state
//       the same 404 first; then members are added and removed by the
//       image's owner (or an admin), a membership's status is changed by
//       the member itself (or an admin): Glance's 403s otherwise. The
//       registry stamps a membership's times with its clock.
//
// At start it ends what a restart cut off of a staging or an import
// (engine's resolve_after_restart, with the files it finds: an import whose
// bytes are whole is finished, anything else goes back to queued), then
// removes what no image owns any more: every .part file (an upload cut off
// by a crash; the conductor has moved its image back to queued), the file
// of an image that is not active or deactivated, staged bytes no image
// waits for.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <filesystem>

#include "store/wall_clock.hpp"

namespace cumulo {

caf::actor spawn_image_registry(caf::actor_system& sys, caf::actor conductor,
                                std::filesystem::path image_dir, clock_fn clock = wall_clock());

// Where an image's bytes are once uploaded.
std::filesystem::path image_file(const std::filesystem::path& image_dir, const std::string& id);
// Where an image's bytes wait for their import (Glance's staging area).
std::filesystem::path staged_file(const std::filesystem::path& image_dir, const std::string& id);

}  // namespace cumulo
