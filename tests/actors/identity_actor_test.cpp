// The identity actor (actors/identity.hpp): Keystone's rules over the
// project, user and role actors - unique names even when creates race,
// tokens issued on a password checked off the actor threads, validated
// against the current state, revoked durably.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "actors/identity.hpp"
#include "actors/identity_bootstrap.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/actors/identity_test_support.hpp"
#include "tests/temp_dir.hpp"

namespace cumulo {
namespace {

TEST(IdentityActor, OfManyCreatesWithOneNameExactlyOneSucceeds) {
  temp_dir dir;
  cloud c(cheap(dir));
  constexpr int n = 16;
  std::vector<reply_or_error<project_state>> replies(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      replies[i] = ask<project_state>(c.system(), c.identity(), command_atom::value,
                                      "p" + std::to_string(i),
                                      project::command{project::create{"same"}}, test_meta());
    });
  for (auto& t : threads) t.join();
  int created = 0;
  for (auto& r : replies) {
    if (r.ok()) {
      ++created;
    } else {
      EXPECT_EQ(r.error.code, errc::conflict) << r.error.message;
    }
  }
  EXPECT_EQ(created, 1);
  auto all = ask<std::vector<project_state>>(c.system(), c.identity(), list_atom::value,
                                             project_atom::value);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

// The identity's clock is injected: a token expires without the test
// waiting an hour.
TEST(IdentityActor, ATokenExpiresByTheInjectedClock) {
  temp_dir dir;
  auto now = std::make_shared<std::atomic<std::int64_t>>(1'800'000'000'000'000);
  auto o = cheap(dir);
  o.clock = [now] { return now->load(); };
  cloud c(o);
  bootstrap_identity(c, "pw");
  auto issued = ask<token_info>(c.system(), c.identity(), authenticate_atom::value,
                                password_auth("admin", "pw", "admin"));
  ASSERT_TRUE(issued.ok()) << issued.error.message;
  EXPECT_EQ(issued->payload.issued_at_us, now->load());
  auto valid = ask<token_info>(c.system(), c.identity(), validate_atom::value, issued->token);
  EXPECT_TRUE(valid.ok()) << valid.error.message;
  *now += 3600LL * 1000 * 1000;  // Keystone's hour
  auto expired = ask<token_info>(c.system(), c.identity(), validate_atom::value, issued->token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error.code, errc::unauthorized);
}

TEST(IdentityActor, IssuesValidatesAndRevokesTokensAcrossARestart) {
  temp_dir dir;
  std::string token;
  {
    cloud c(cheap(dir));
    bootstrap_identity(c, "pw");
    auto issued = ask<token_info>(c.system(), c.identity(), authenticate_atom::value,
                                  password_auth("admin", "pw", "admin"));
    ASSERT_TRUE(issued.ok()) << issued.error.message;
    ASSERT_TRUE(issued->project);
    EXPECT_TRUE(issued->is_admin());
    token = issued->token;
    auto wrong = ask<token_info>(c.system(), c.identity(), authenticate_atom::value,
                                 password_auth("admin", "nope", "admin"));
    EXPECT_EQ(wrong.error.code, errc::unauthorized);
  }
  {
    cloud c(cheap(dir));
    auto valid = ask<token_info>(c.system(), c.identity(), validate_atom::value, token);
    ASSERT_TRUE(valid.ok()) << "a token survives a restart: " << valid.error.message;
    EXPECT_EQ(valid->user.name, "admin");
    ASSERT_TRUE(
        ask<user_state>(c.system(), c.identity(), revoke_atom::value, token, test_meta()).ok());
    EXPECT_EQ(ask<token_info>(c.system(), c.identity(), validate_atom::value, token).error.code,
              errc::unauthorized);
  }
  cloud c(cheap(dir));
  EXPECT_EQ(ask<token_info>(c.system(), c.identity(), validate_atom::value, token).error.code,
            errc::unauthorized)
      << "the revocation is an event: it survives a restart";
}

TEST(IdentityActor, GrantsNeedAUserAndARoleThatExist) {
  temp_dir dir;
  cloud c(cheap(dir));
  ASSERT_TRUE(ask<project_state>(c.system(), c.identity(), command_atom::value, std::string("p1"),
                                 project::command{project::create{"demo"}}, test_meta())
                  .ok());
  auto no_user = ask<project_state>(c.system(), c.identity(), command_atom::value,
                                    std::string("p1"),
                                    project::command{project::grant_role{"ghost", "r1"}},
                                    test_meta());
  EXPECT_EQ(no_user.error.code, errc::not_found);
  EXPECT_EQ(no_user.error.message, "Could not find user: ghost.");
}

TEST(IdentityActor, APasswordChangeNeedsTheOriginalAndEndsOlderTokens) {
  temp_dir dir;
  cloud c(cheap(dir));
  bootstrap_identity(c, "pw");
  auto before = ask<token_info>(c.system(), c.identity(), authenticate_atom::value,
                                password_auth("admin", "pw", "admin"));
  ASSERT_TRUE(before.ok());
  const std::string user_id = before->user.id;
  EXPECT_EQ(ask<user_state>(c.system(), c.identity(), password_atom::value, user_id,
                            std::string("wrong"), std::string("pw2"), test_meta())
                .error.code,
            errc::unauthorized);
  ASSERT_TRUE(ask<user_state>(c.system(), c.identity(), password_atom::value, user_id,
                              std::string("pw"), std::string("pw2"), test_meta())
                  .ok());
  EXPECT_FALSE(ask<token_info>(c.system(), c.identity(), validate_atom::value, before->token).ok());
  EXPECT_FALSE(ask<token_info>(c.system(), c.identity(), authenticate_atom::value,
                               password_auth("admin", "pw", "admin"))
                   .ok());
  auto after = ask<token_info>(c.system(), c.identity(), authenticate_atom::value,
                               password_auth("admin", "pw2", "admin"));
  ASSERT_TRUE(after.ok()) << after.error.message;
  EXPECT_TRUE(ask<token_info>(c.system(), c.identity(), validate_atom::value, after->token).ok());
}

}  // namespace
}  // namespace cumulo
