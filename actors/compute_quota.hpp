// What the compute door counts against Nova's quotas: the usage of each
// live instance, and the reservations of launches in flight (Nova's
// reservations: each expires, so a launch that never answers cannot hold
// its project's quota for ever). Plain state of the door, no actor: the
// door serialises every change, so a check and its reservation are one step.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/compute_quota_state.hpp"

namespace cumulo {

class quota_book {
 public:
  // The usage a project's quota is checked against: live instances plus
  // reservations in flight.
  compute_usage usage_of(const std::string& project) const;
  std::int64_t reservations_of(const std::string& project) const;

  // Checks `wanted` against `limits` and, when it fits, reserves it until
  // expires_at_us: its id, or Nova's 403.
  outcome<std::string> reserve(const std::string& project, const compute_usage& wanted,
                               const compute_quota_set& limits, std::int64_t expires_at_us);
  // The reservation becomes the instance's usage; false when it is not (or
  // no longer) held, e.g. swept meanwhile.
  bool commit(const std::string& reservation, const std::string& instance_id);
  // Gives a reservation up; false when it was not held.
  bool release(const std::string& reservation);
  // Counts an instance whose reservation is gone (it expired, or the launch
  // answered after the door had given it up), unless it was deleted since.
  void count_instance(const std::string& instance_id, const std::string& project,
                      const compute_usage& usage);
  // A deleted instance frees its usage. One not counted yet (its launch
  // has not answered) is remembered until forget_at_us, the latest its
  // launch's answer could still come, so that answer does not count it.
  void release_instance(const std::string& instance_id, std::int64_t forget_at_us);
  // Releases every reservation that expired at now_us, and forgets the
  // deleted instances whose time is up; how many reservations.
  std::size_t sweep(std::int64_t now_us);
  // How many deleted instances the book still remembers.
  std::size_t remembered() const { return deleted_.size(); }

 private:
  struct held {
    std::string project_id;
    compute_usage usage;
    std::int64_t expires_at_us = 0;  // reservations only
  };
  std::unordered_map<std::string, held> reservations_;
  std::unordered_map<std::string, held> instances_;
  // Instances deleted before their launch answered, until when to remember
  // them: an answer that comes after the delete must not count them. Only
  // those: a book that remembered every deleted instance grew for ever
  // (issue 22, item 7).
  std::unordered_map<std::string, std::int64_t> deleted_;
};

}  // namespace cumulo
