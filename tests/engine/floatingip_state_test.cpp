#include "engine/floatingip_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/fold.hpp"
#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = floatingip_machine;

floatingip_state run(floatingip_state s, const floatingip::command& c,
                     std::vector<floatingip_event>* history = nullptr) {
  return run_command_on<M>(std::move(s), c, history);
}

floatingip_state fresh() {
  floatingip_state s;
  s.id = "f1";
  return s;
}

floatingip_state created() {
  return run(fresh(), floatingip::create{"ext", "203.0.113.10", "fport", "p1", "web"});
}

bool records_nothing(const floatingip_state& s, const floatingip::command& c) {
  auto d = M::decide(s, c);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  return d.ok() && d.value().empty();
}

TEST(FloatingipState, CreateAssociateDisassociateDelete) {
  auto s = created();
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.floating_network_id, "ext");
  EXPECT_EQ(s.floating_ip_address, "203.0.113.10");
  EXPECT_EQ(s.floating_port_id, "fport");
  EXPECT_EQ(s.project_id, "p1");
  EXPECT_EQ(s.description, "web");
  EXPECT_FALSE(s.associated());
  EXPECT_EQ(s.status(), "DOWN");
  auto j = nlohmann::json(s);
  EXPECT_EQ(j["status"], "DOWN");
  EXPECT_TRUE(j["port_id"].is_null());
  EXPECT_TRUE(j["fixed_ip_address"].is_null());
  EXPECT_TRUE(j["router_id"].is_null());

  s = run(s, floatingip::associate{"port-a", "10.0.0.5", "r1"});
  EXPECT_TRUE(s.associated());
  EXPECT_EQ(s.status(), "ACTIVE");
  EXPECT_EQ(s.port_id, "port-a");
  EXPECT_EQ(s.fixed_ip_address, "10.0.0.5");
  EXPECT_EQ(s.router_id, "r1");
  j = nlohmann::json(s);
  EXPECT_EQ(j["status"], "ACTIVE");
  EXPECT_EQ(j["port_id"], "port-a");

  s = run(s, floatingip::disassociate{});
  EXPECT_FALSE(s.associated());
  EXPECT_EQ(s.status(), "DOWN");
  EXPECT_EQ(s.port_id, "");
  EXPECT_EQ(s.fixed_ip_address, "");
  EXPECT_EQ(s.router_id, "");

  s = run(s, floatingip::remove{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(FloatingipState, AddressesAreCanonical) {
  auto s = run(fresh(), floatingip::create{"ext", "2001:DB8::0:10", "fport", "p1", ""});
  EXPECT_EQ(s.floating_ip_address, "2001:db8::10");
  s = run(s, floatingip::associate{"port-a", "2001:DB8:1::5", "r1"});
  EXPECT_EQ(s.fixed_ip_address, "2001:db8:1::5");
  EXPECT_EQ(
      refusal_of<M>(fresh(), floatingip::create{"ext", "203.0.113.300", "fport", "p1", ""}).code,
      errc::bad_request);
  EXPECT_EQ(refusal_of<M>(created(), floatingip::associate{"port-a", "nope", "r1"}).code,
            errc::bad_request);
  EXPECT_EQ(refusal_of<M>(created(), floatingip::associate{"", "10.0.0.5", "r1"}).code,
            errc::bad_request);
}

TEST(FloatingipState, ReassociatingToTheSamePortAndAddressRecordsNothing) {
  auto s = run(created(), floatingip::associate{"port-a", "10.0.0.5", "r1"});
  EXPECT_TRUE(records_nothing(s, floatingip::associate{"port-a", "10.0.0.5", "r1"}));
  s = run(s, floatingip::associate{"port-a", "10.0.0.6", "r1"});
  EXPECT_EQ(s.fixed_ip_address, "10.0.0.6") << "another address of the same port: recorded";
}

// Neutron moves an associated floating IP to another port in one update
// (OpenStack's test_create_list_show_update_delete_floating_ip).
TEST(FloatingipState, AssociatingToAnotherPortMovesIt) {
  auto s = run(created(), floatingip::associate{"port-a", "10.0.0.5", "r1"});
  s = run(s, floatingip::associate{"port-b", "10.0.0.7", "r1"});
  EXPECT_EQ(s.port_id, "port-b");
  EXPECT_EQ(s.fixed_ip_address, "10.0.0.7");
}

TEST(FloatingipState, DisassociatingWhenNotAssociatedRecordsNothing) {
  EXPECT_TRUE(records_nothing(created(), floatingip::disassociate{}));
}

TEST(FloatingipState, RefusesCommandsOnAFloatingIpThatDoesNotExist) {
  const auto none = fresh();
  for (const floatingip::command& c :
       {floatingip::command{floatingip::remove{}}, floatingip::command{floatingip::disassociate{}},
        floatingip::command{floatingip::associate{"port-a", "10.0.0.5", "r1"}}}) {
    const domain_error e = refusal_of<M>(none, c);
    EXPECT_EQ(e.code, errc::not_found);
    EXPECT_EQ(e.type, "FloatingIPNotFound");
    EXPECT_EQ(e.message, "Floating IP f1 could not be found");
  }
  auto gone = run(created(), floatingip::remove{});
  EXPECT_EQ(refusal_of<M>(gone, floatingip::remove{}).type, "FloatingIPNotFound");
  EXPECT_EQ(
      refusal_of<M>(created(), floatingip::create{"ext", "203.0.113.10", "fport", "p1", ""}).code,
      errc::conflict);
}

TEST(FloatingipState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), floatingip_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), floatingip_associated{"p", "10.0.0.5", "r"}), invalid_event);
  auto s = created();
  EXPECT_THROW(M::apply(s, floatingip_created{}), invalid_event);
  EXPECT_THROW(M::apply(s, floatingip_disassociated{}), invalid_event) << "not associated";
  EXPECT_THROW(M::apply(s, floatingip_associated{}), invalid_event) << "no port";
}

TEST(FloatingipState, EventsRoundTripThroughTheCodecAndTheLogFold) {
  std::vector<floatingip_event> history;
  auto s = run(fresh(), floatingip::create{"ext", "203.0.113.10", "fport", "p1", "d"}, &history);
  s = run(s, floatingip::associate{"port-a", "10.0.0.5", "r1"}, &history);
  s = run(s, floatingip::disassociate{}, &history);
  s = run(s, floatingip::associate{"port-b", "10.0.0.9", "r2"}, &history);
  log_fold f;
  std::int64_t seq = 0;
  for (const auto& e : history) {
    new_event n = encode(e);
    ++seq;
    f.apply(recorded_event{seq, "floatingip/f1", seq, n.type, n.schema_version, seq, "req", "admin",
                           n.payload});
  }
  const floatingip_state* folded = f.get<floatingip_state>("floatingip/f1");
  ASSERT_NE(folded, nullptr);
  EXPECT_EQ(folded->status(), "ACTIVE");
  EXPECT_EQ(folded->port_id, "port-b");
  EXPECT_EQ(folded->router_id, "r2");
  EXPECT_EQ(folded->floating_ip_address, "203.0.113.10");
  EXPECT_EQ(folded->version, 4);
  const auto& kinds = stream_kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "floatingip"), kinds.end());
}

}  // namespace
}  // namespace cumulo
