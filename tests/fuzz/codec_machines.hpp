// The stream kinds of engine/log_fold.cpp with their event type names, for
// the codec fuzzer and its seed generator. Built from the machines' event
// variants, so a new event type is in without an edit here (a new stream
// kind needs one line in machines below).
#pragma once

#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "engine/log_fold.hpp"

namespace cumulo::fuzz {

using machines =
    std::tuple<project_machine, network_machine, image_machine, instance_machine, host_machine,
               user_machine, role_machine, domain_machine, security_group_machine, router_machine,
               floatingip_machine, quota_machine, flavor_machine, keypair_machine,
               compute_quota_machine, region_machine, service_machine, server_group_machine,
               credential_machine, group_machine, subnetpool_machine, address_scope_machine,
               agent_machine>;

struct kind_types {
  std::string kind;
  std::vector<std::string> types;  // in the order of the machine's event variant
};

template <class Variant, std::size_t... I>
std::vector<std::string> type_names(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, Variant>::type_name...};
}

template <std::size_t... M>
std::vector<kind_types> all_kinds(std::index_sequence<M...>) {
  return {kind_types{
      std::tuple_element_t<M, machines>::kind,
      type_names<typename std::tuple_element_t<M, machines>::event>(
          std::make_index_sequence<
              std::variant_size_v<typename std::tuple_element_t<M, machines>::event>>())}...};
}

inline const std::vector<kind_types>& kinds() {
  static const std::vector<kind_types> k =
      all_kinds(std::make_index_sequence<std::tuple_size_v<machines>>());
  return k;
}

}  // namespace cumulo::fuzz
