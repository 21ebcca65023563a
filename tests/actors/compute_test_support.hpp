// Helpers of the compute tests: a cloud with its compute hosts, a network
// with a subnet, an active image, launches and waiting for their end.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "actors/compute_host.hpp"
#include "actors/instance.hpp"
#include "actors/networking.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {

inline cloud_options compute_cloud(const temp_dir& dir,
                                   std::vector<compute_host_config> hosts = {}) {
  cloud_options o;
  o.data_dir = dir.path() / "data";
  o.compute_hosts = std::move(hosts);
  return o;
}

inline compute_host_config small_host(const std::string& name) {
  compute_host_config h;
  h.name = name;
  h.vcpus = 2;
  h.memory_mb = 2048;  // 3072 MB with Nova's ram_allocation_ratio 1.5
  h.local_gb = 100;
  return h;
}

inline std::string make_network(cloud& c, const std::string& project_id,
                                const std::string& cidr = "10.0.0.0/24") {
  const std::string id = "net-" + cidr.substr(0, cidr.find('/'));
  EXPECT_TRUE(ask<network_state>(c.system(), c.networking(), command_atom::value, id,
                                 network::command{network::create{"private", project_id}},
                                 test_meta())
                  .ok());
  network::add_subnet s;
  s.subnet_id = "sub-" + id;
  s.cidr = cidr;
  s.project_id = project_id;
  auto n = ask<network_state>(c.system(), c.networking(), command_atom::value, id,
                              network::command{s}, test_meta());
  EXPECT_TRUE(n.ok()) << n.error.message;
  return id;
}

inline std::string make_image(cloud& c, const std::string& id = "cirros", bool upload = true) {
  auto run = [&](image::command cmd) {
    auto r = ask<image_state>(c.system(), c.conductor(), command_atom::value, id, std::move(cmd),
                              test_meta());
    EXPECT_TRUE(r.ok()) << r.error.message;
  };
  run(image::create{"cirros", "p1", "qcow2", "bare"});
  if (upload) {
    run(image::start_upload{});
    run(image::finish_upload{16, std::string(32, 'a'), "sha512", std::string(128, 'b'), 16});
  }
  return id;
}

inline instance::request a_request(const std::string& name, const std::string& image_id,
                                   const std::string& network_id = "", int vcpus = 1,
                                   std::int64_t memory_mb = 512) {
  instance::request r;
  r.name = name;
  r.project_id = "p1";
  r.user_id = "u1";
  r.flavor = instance::flavor{"f1", "m1.test", vcpus, memory_mb, 1, 0, 0};
  r.image_id = image_id;
  if (!network_id.empty()) r.networks.push_back({network_id, "", ""});
  return r;
}

inline reply_or_error<instance_state> launch(cloud& c, instance::request r) {
  return ask<instance_state>(c.system(), c.conductor(), launch_atom::value, std::move(r),
                             test_meta());
}

inline reply_or_error<instance_state> action(cloud& c, const std::string& id,
                                             instance::command cmd) {
  return ask<instance_state>(c.system(), c.conductor(), action_atom::value, id, std::move(cmd),
                             test_meta());
}

inline reply_or_error<instance_state> get_instance(cloud& c, const std::string& id) {
  return ask<instance_state>(c.system(), c.conductor(), caf::get_atom::value, instance_atom::value,
                             id);
}

// The instance once its task is over (or it is gone), polled for at most 20 s.
// A deleted instance's actor retires: the conductor then answers not found,
// told here as a deleted state.
inline instance_state settled(cloud& c, const std::string& id) {
  reply_or_error<instance_state> s;
  for (int i = 0; i < 2000; ++i) {
    s = get_instance(c, id);
    if (!s.ok() && s.error.code == errc::not_found) {
      instance_state gone;
      gone.id = id;
      gone.deleted = true;
      return gone;
    }
    if (!s.ok()) break;
    if (s->task_state == task_states::none && s->vm_state != vm_states::building) return *s;
    if (s->deleted) return *s;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "instance " << id << " did not settle"
                << (s.ok() ? std::string() : ": " + s.error.message);
  return s.ok() ? *s : instance_state{};
}

inline power_states domain_power(cloud& c, const std::string& host, const std::string& id) {
  auto p = ask<power_states>(c.system(), c.compute_hosts().at(host), caf::get_atom::value,
                             power_atom::value, id);
  EXPECT_TRUE(p.ok()) << p.error.message;
  return p.ok() ? *p : power_states::crashed;
}

inline std::vector<host_state> hosts_of(cloud& c) {
  return *ask<std::vector<host_state>>(c.system(), c.scheduler(), caf::get_atom::value);
}

inline bool holds_claim(cloud& c, const std::string& instance_id) {
  for (const auto& h : hosts_of(c))
    if (h.claims.count(instance_id)) return true;
  return false;
}

// The ports of a network whose device is the instance.
inline int ports_of(cloud& c, const std::string& network_id, const std::string& instance_id) {
  auto n = ask<network_state>(c.system(), c.networking(), caf::get_atom::value, network_atom::value,
                              network_id);
  EXPECT_TRUE(n.ok());
  int count = 0;
  if (n.ok())
    for (const auto& [id, p] : n->ports)
      if (p.device_id == instance_id) ++count;
  return count;
}

}  // namespace cumulo
