#include "engine/user_state.hpp"

#include <gtest/gtest.h>

#include "engine/fold.hpp"
#include "engine/log_fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = user_machine;

// Stand-ins for real argon2id strings (engine/password.hpp): the machine
// only checks the prefix, and real hashing is slow.
const std::string hash1 = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaDE";
const std::string hash2 = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaDI";

user_state run(user_state s, const user::command& c) {
  return run_command_on<M>(std::move(s), c);
}

user_state fresh() {
  user_state s;
  s.id = "u1";
  return s;
}

user::create demo() {
  return user::create{"demo", "default", "p1", true, "a user", "demo@example.org", hash1};
}

TEST(UserState, CreateUpdateChangePasswordDelete) {
  auto s = run(fresh(), demo());
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.name, "demo");
  EXPECT_EQ(s.domain_id, "default");
  EXPECT_EQ(s.default_project_id, "p1");
  EXPECT_EQ(s.email, "demo@example.org");
  EXPECT_EQ(s.password_hash, hash1);
  EXPECT_EQ(s.password_changed_at_us, 0);
  s = run(s, user::update{"demo2", std::nullopt, false, std::nullopt, "new@example.org"});
  EXPECT_EQ(s.name, "demo2");
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.description, "a user");
  EXPECT_EQ(s.default_project_id, "p1");
  EXPECT_EQ(s.email, "new@example.org");
  s = run(s, user::change_password{hash2, 1'700'000'000'000'000});
  EXPECT_EQ(s.password_hash, hash2);
  EXPECT_EQ(s.password_changed_at_us, 1'700'000'000'000'000);
  EXPECT_EQ(s.password_set_at_us(), 1'700'000'000'000'000);
  s = run(s, user::remove{});
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(UserState, ARevokedTokenIsRecordedOnce) {
  auto s = run(fresh(), demo());
  EXPECT_FALSE(s.token_revoked("audit1"));
  s = run(s, user::revoke_token{"audit1", 42});
  EXPECT_TRUE(s.token_revoked("audit1"));
  EXPECT_EQ(s.revoked_tokens.at("audit1"), 42);
  auto again = M::decide(s, user::revoke_token{"audit1", 42});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().empty());
  EXPECT_EQ(M::decide(s, user::revoke_token{"", 42}).error().code, errc::bad_request);
  EXPECT_EQ(M::decide(fresh(), user::revoke_token{"audit2", 42}).error().code, errc::not_found);
}

TEST(UserState, AUserMayHaveNoPassword) {
  auto s = run(fresh(), user::create{"svc"});
  EXPECT_TRUE(s.password_hash.empty());
  EXPECT_FALSE(nlohmann::json(s)["has_password"].get<bool>());
}

TEST(UserState, RefusesIllegalCommands) {
  auto none = fresh();
  expect_refusal<M>(none, user::update{}, errc::not_found, "Could not find user: u1.");
  EXPECT_EQ(M::decide(none, user::remove{}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(none, user::change_password{hash2, 1}).error().code, errc::not_found);
  EXPECT_EQ(M::decide(none, user::create{""}).error().code, errc::bad_request);
  EXPECT_EQ(M::decide(none, user::create{std::string(256, 'a')}).error().code, errc::bad_request);
  EXPECT_TRUE(M::decide(none, user::create{std::string(255, 'a')}).ok());
  auto s = run(none, demo());
  expect_refusal<M>(s, demo(), errc::conflict, "User u1 already exists.");
  EXPECT_EQ(M::decide(s, user::update{""}).error().code, errc::bad_request);
  s = run(s, user::remove{});
  EXPECT_EQ(M::decide(s, user::remove{}).error().code, errc::not_found) << "delete twice";
}

TEST(UserState, RefusesAPasswordThatIsNotHashed) {
  auto none = fresh();
  auto c = demo();
  c.password_hash = "secret";
  EXPECT_EQ(M::decide(none, c).error().code, errc::internal);
  auto s = run(none, demo());
  EXPECT_EQ(M::decide(s, user::change_password{"secret", 1}).error().code, errc::internal);
  EXPECT_EQ(M::decide(s, user::change_password{"", 1}).error().code, errc::internal);
}

TEST(UserState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), user_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), user_updated{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), user_password_changed{hash1, 1}), invalid_event);
  auto s = run(fresh(), demo());
  EXPECT_THROW(M::apply(s, user_created{}), invalid_event);
}

TEST(UserState, JsonViewLeavesTheHashOut) {
  auto s = run(fresh(), demo());
  const auto j = nlohmann::json(s);
  EXPECT_EQ(j["name"], "demo");
  EXPECT_TRUE(j["has_password"].get<bool>());
  EXPECT_EQ(j.dump().find("argon2"), std::string::npos);
}

TEST(UserState, EventsRoundTripThroughTheCodecAndTheLogFold) {
  log_fold f;
  new_event n = encode(user_event{user_created{"demo", "default", "", true, "", "", hash1}});
  EXPECT_EQ(n.type, "user.created");
  f.apply(
      recorded_event{1, "user/u1", 1, n.type, n.schema_version, 5, "req-1", "admin", n.payload});
  n = encode(user_event{user_password_changed{hash2, 9}});
  EXPECT_EQ(n.type, "user.password_changed");
  f.apply(recorded_event{2, "user/u1", 2, n.type, n.schema_version, 9, "req-2", "u1", n.payload});
  const user_state* s = f.get<user_state>("user/u1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "demo");
  EXPECT_EQ(s->password_hash, hash2);
  EXPECT_EQ(s->password_changed_at_us, 9);
  EXPECT_EQ(s->created_at_us, 5);
  EXPECT_EQ(s->version, 2);
  EXPECT_TRUE(f.live("user/u1"));
  EXPECT_EQ(f.state_json("user/u1")["name"], "demo");
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Issue 18: Keystone keeps a user's other attributes (JSON text here);
// an update merges them; Keystone's own names and unbounded sets are 400s.
TEST(UserState, KeepsOtherAttributesAndMergesThem) {
  auto c = demo();
  c.extra = {{"project_id", "\"p9\""}, {"phone", "123"}};
  auto s = run(fresh(), c);
  EXPECT_EQ(s.extra.at("project_id"), "\"p9\"");
  user::update u;
  u.extra_set = {{"phone", "null"}, {"team", "[\"a\"]"}};
  s = run(s, u);
  EXPECT_EQ(s.extra.size(), 3u);
  EXPECT_EQ(s.extra.at("phone"), "null");
  EXPECT_EQ(s.extra.at("team"), "[\"a\"]");

  user::update core;
  core.extra_set = {{"password", "\"x\""}};
  EXPECT_EQ(refusal_of<M>(s, core).code, errc::bad_request);
  user::update big;
  big.extra_set = {{"blob", std::string(user::max_extra_value_bytes + 1, 'x')}};
  EXPECT_EQ(refusal_of<M>(s, big).code, errc::bad_request);
  user::update many;
  for (std::size_t i = 0; i < user::max_extra_attributes; ++i)
    many.extra_set["k" + std::to_string(i)] = "1";
  EXPECT_EQ(refusal_of<M>(s, many).code, errc::bad_request) << "3 + 64 is more than 64";

  // Through the codec, as the log keeps them.
  log_fold f;
  new_event n = encode(user_event{user_created{"x", "default", "", true, "", "", "", c.extra}});
  f.apply(recorded_event{1, "user/u2", 1, n.type, n.schema_version, 5, "r", "a", n.payload});
  n = encode(user_event{user_updated{std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                                     std::nullopt, std::nullopt, u.extra_set}});
  f.apply(recorded_event{2, "user/u2", 2, n.type, n.schema_version, 6, "r", "a", n.payload});
  EXPECT_EQ(f.get<user_state>("user/u2")->extra, s.extra);
}

user::create_application_credential app(const std::string& id, const std::string& name) {
  user::create_application_credential c;
  c.id = id;
  c.name = name;
  c.secret_hash = hash2;
  c.project_id = "p1";
  c.role_ids = {"r-member"};
  c.now_us = 1'700'000'000'000'000;
  return c;
}

TEST(UserState, ApplicationCredentialsAreKeptByIdWithUniqueNamesAndHashedSecrets) {
  auto s = run(run(fresh(), demo()), app("a1", "ci"));
  ASSERT_EQ(s.application_credentials.size(), 1u);
  const auto& a = s.application_credentials.at("a1");
  EXPECT_EQ(a.name, "ci");
  EXPECT_EQ(a.secret_hash, hash2);
  EXPECT_EQ(a.role_ids, std::vector<std::string>{"r-member"});
  EXPECT_FALSE(a.expired(1'900'000'000'000'000)) << "no expiry: never";

  auto same_name = M::decide(s, user::command{app("a2", "ci")});
  ASSERT_FALSE(same_name.ok());
  EXPECT_EQ(same_name.error().code, errc::conflict);
  auto clear = app("a2", "other");
  clear.secret_hash = "the secret itself";
  EXPECT_EQ(M::decide(s, user::command{clear}).error().code, errc::internal)
      << "only a hash is ever recorded";
  auto past = app("a2", "other");
  past.expires_at_us = past.now_us - 1;
  EXPECT_EQ(M::decide(s, user::command{past}).error().code, errc::bad_request);

  s = run(s, user::delete_application_credential{"a1"});
  EXPECT_TRUE(s.application_credentials.empty());
  EXPECT_EQ(M::decide(s, user::command{user::delete_application_credential{"a1"}}).error().code,
            errc::not_found);
}

TEST(UserState, AUserKeepsABoundedNumberOfApplicationCredentials) {
  auto s = run(fresh(), demo());
  for (std::size_t i = 0; i < user::max_application_credentials; ++i)
    s = run(s, app("a" + std::to_string(i), "n" + std::to_string(i)));
  EXPECT_EQ(M::decide(s, user::command{app("over", "over")}).error().code, errc::forbidden);
}

}  // namespace
}  // namespace cumulo
