// The networking door's agents and tags in the actor core: the network
// host says how it is, its roles are registered once however many callers
// ask at the same time, and a tag change goes to the resource's actor and
// back into the door's index.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <future>
#include <set>
#include <vector>

#include "actors/network_host.hpp"
#include "actors/networking.hpp"
#include "actors/networking_agents.hpp"
#include "actors/networking_tags.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

credentials admin() {
  return credentials{"u-admin", "p-admin", {"admin", "member", "reader"}};
}

cloud_options options_in(temp_dir& dir) {
  cloud_options o;
  o.data_dir = dir.path() / "data";
  return o;
}

TEST(NetworkingAgents, TheNetworkHostSaysHowItIs) {
  temp_dir dir;
  cloud c(options_in(dir));
  auto h = ask<network_host_health>(c.system(), c.network_host(), caf::get_atom::value,
                                    health_atom::value);
  ASSERT_TRUE(h.ok()) << h.error.message;
  EXPECT_FALSE(h->host.empty());
  EXPECT_TRUE(h->libvirt) << "libvirt's test driver opens in the process";
  EXPECT_GT(h->started_at_us, 0);
}

TEST(NetworkingAgents, RolesAreRegisteredOnceWhenManyAskAtOnce) {
  temp_dir dir;
  std::set<std::string> ids;
  {
    cloud c(options_in(dir));
    std::vector<std::future<reply_or_error<std::vector<agent_view>>>> asks;
    for (int i = 0; i < 8; ++i)
      asks.push_back(std::async(std::launch::async, [&c] {
        return ask<std::vector<agent_view>>(c.system(), c.networking(), list_atom::value,
                                            agent_atom::value, admin());
      }));
    for (auto& a : asks) {
      auto listed = a.get();
      ASSERT_TRUE(listed.ok()) << listed.error.message;
      EXPECT_EQ(listed->size(), 3u);
      for (const auto& v : *listed) {
        ids.insert(v.agent.id);
        EXPECT_TRUE(v.alive);
        EXPECT_GT(v.heartbeat_at_us, 0);
      }
    }
    EXPECT_EQ(ids.size(), 3u) << "three roles, each registered once";
    auto streams = ask<std::vector<agent_state>>(c.system(), c.conductor(), list_atom::value,
                                                 agent_atom::value);
    ASSERT_TRUE(streams.ok());
    EXPECT_EQ(streams->size(), 3u);
  }
  // The next start finds them in the log and registers nothing more.
  cloud c(options_in(dir));
  auto listed = ask<std::vector<agent_view>>(c.system(), c.networking(), list_atom::value,
                                             agent_atom::value, admin());
  ASSERT_TRUE(listed.ok());
  std::set<std::string> again;
  for (const auto& v : *listed) again.insert(v.agent.id);
  EXPECT_EQ(again, ids);
}

TEST(NetworkingAgents, ATagChangeReachesTheDoorsIndex) {
  temp_dir dir;
  cloud c(options_in(dir));
  ASSERT_TRUE(ask<network_state>(
                  c.system(), c.networking(), command_atom::value, std::string("net-t"),
                  network::command{network::create{"tagged", "p-admin"}}, test_meta(), admin())
                  .ok());
  tag_request put{"networks", "net-t", "update", tagging::change{tagging::op::add, {"b", "a"}}};
  auto tags = ask<std::vector<std::string>>(c.system(), c.networking(), tags_atom::value, put,
                                            test_meta(), admin());
  ASSERT_TRUE(tags.ok()) << tags.error.message;
  EXPECT_EQ(*tags, (std::vector<std::string>{"a", "b"}));
  auto shown = ask<network_state>(c.system(), c.networking(), caf::get_atom::value,
                                  network_atom::value, std::string("net-t"), admin());
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->tags, (std::vector<std::string>{"a", "b"}));
  tag_request unknown{"volumes", "net-t", "get", std::nullopt};
  EXPECT_EQ(ask<std::vector<std::string>>(c.system(), c.networking(), tags_atom::value, unknown,
                                          test_meta(), admin())
                .error.code,
            errc::not_found);
}

}  // namespace
}  // namespace cumulo
