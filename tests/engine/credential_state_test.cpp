// Keystone's credentials as a machine (engine/credential_state): create,
// update, delete and the fold of their events; an ec2 credential names its
// project; a blob is only ever recorded sealed; an EC2 access key stored
// again after a delete gets its id back; and Keystone's EC2 rules (the id
// is the access key's SHA-256, the blob a JSON object with an access).
#include "engine/credential_state.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = credential_machine;

const std::string sealed = std::string(sealed_blob_prefix) + "c2VhbGVk";
const std::string resealed = std::string(sealed_blob_prefix) + "YWdhaW4";

credential_state fresh(const std::string& id = "c1") {
  credential_state s;
  s.id = id;
  return s;
}

TEST(CredentialState, CreateUpdateDeleteAndTheFoldAgree) {
  std::vector<credential_event> history;
  auto s = run_command_on<M>(fresh(), credential::create{"u1", "p1", "cert", sealed}, &history);
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.user_id, "u1");
  EXPECT_EQ(s.project_id, "p1");
  EXPECT_EQ(s.type, "cert");
  EXPECT_EQ(s.blob, sealed);

  credential::update u;
  u.user_id = "u2";
  u.project_id = "";
  u.blob = resealed;
  s = run_command_on<M>(s, u, &history);
  EXPECT_EQ(s.user_id, "u2");
  EXPECT_EQ(s.project_id, "") << "a null project_id removes the project";
  EXPECT_EQ(s.type, "cert") << "what the update does not name stays";
  EXPECT_EQ(s.blob, resealed);

  std::set<std::string> types;
  const auto folded = refold<M>("c1", history, &types);
  EXPECT_EQ(folded.user_id, s.user_id);
  EXPECT_EQ(folded.project_id, s.project_id);
  EXPECT_EQ(folded.blob, s.blob);
  EXPECT_EQ(folded.version, 2);

  s = run_command_on<M>(s, credential::remove{}, &history);
  EXPECT_FALSE(s.exists());
  EXPECT_FALSE(refold<M>("c1", history, &types).exists());
  EXPECT_EQ(types, (std::set<std::string>{"credential.created", "credential.updated",
                                          "credential.deleted"}));
}

TEST(CredentialState, KeystonesRefusals) {
  expect_refusal<M>(fresh(), credential::remove{}, errc::not_found,
                    "Could not find credential: c1.");
  expect_refusal<M>(fresh(), credential::update{}, errc::not_found,
                    "Could not find credential: c1.");
  EXPECT_EQ(refusal_of<M>(fresh(), credential::create{"", "", "cert", sealed}).code,
            errc::bad_request)
      << "no user";
  EXPECT_EQ(refusal_of<M>(fresh(), credential::create{"u1", "", "", sealed}).code,
            errc::bad_request)
      << "no type";
  // An ec2 credential names its project (EC2 is any case, as Keystone reads it).
  for (const char* type : {"ec2", "EC2"}) {
    const auto e = refusal_of<M>(fresh(), credential::create{"u1", "", type, sealed});
    EXPECT_EQ(e.code, errc::bad_request) << type;
    EXPECT_NE(e.message.find("project_id"), std::string::npos) << e.message;
  }
  auto ec2 = run_command_on<M>(fresh(), credential::create{"u1", "p1", "ec2", sealed});
  credential::update drop_project;
  drop_project.project_id = "";
  EXPECT_EQ(refusal_of<M>(ec2, drop_project).code, errc::bad_request);
  credential::update to_cert = drop_project;
  to_cert.type = "cert";
  EXPECT_TRUE(run_command_on<M>(ec2, to_cert).exists()) << "a cert may have no project";

  // A duplicate id is Keystone's 409.
  expect_refusal<M>(ec2, credential::create{"u2", "p2", "ec2", sealed}, errc::conflict,
                    "Conflict occurred attempting to store credential - Duplicate entry found "
                    "with ID c1.");
}

TEST(CredentialState, ABlobIsRecordedOnlySealed) {
  const auto e = refusal_of<M>(fresh(), credential::create{"u1", "p1", "cert", "-----BEGIN"});
  EXPECT_EQ(e.code, errc::internal);
  EXPECT_EQ(e.message.find("BEGIN"), std::string::npos) << "the refusal shows no blob";
  auto s = run_command_on<M>(fresh(), credential::create{"u1", "p1", "cert", sealed});
  credential::update u;
  u.blob = "{\"access\": \"a\"}";
  EXPECT_EQ(refusal_of<M>(s, u).code, errc::internal);
}

TEST(CredentialState, AnAccessKeyStoredAgainAfterADeleteGetsItsIdBack) {
  std::vector<credential_event> history;
  auto s = run_command_on<M>(fresh(), credential::create{"u1", "p1", "ec2", sealed}, &history);
  s = run_command_on<M>(s, credential::remove{}, &history);
  s = run_command_on<M>(s, credential::create{"u2", "p2", "ec2", resealed}, &history);
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.user_id, "u2");
  const auto folded = refold<M>("c1", history);
  EXPECT_TRUE(folded.exists());
  EXPECT_EQ(folded.user_id, "u2");
  EXPECT_EQ(folded.blob, resealed);
  EXPECT_EQ(folded.version, 3);
}

TEST(CredentialState, ReplayShowsNoBlob) {
  auto s = run_command_on<M>(fresh(), credential::create{"u1", "", "totp", sealed});
  const nlohmann::json j = s;
  EXPECT_EQ(j["user_id"], "u1");
  EXPECT_TRUE(j["project_id"].is_null());
  EXPECT_EQ(j["type"], "totp");
  EXPECT_FALSE(j.contains("blob"));
  EXPECT_EQ(j.dump().find("c2VhbGVk"), std::string::npos);
}

TEST(Ec2Credentials, TheIdIsTheSha256OfTheAccessKey) {
  // FIPS 180-2's test vector.
  EXPECT_EQ(ec2_credential_id("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ec2_credential_id("").size(), 64u);
  EXPECT_TRUE(is_ec2("ec2"));
  EXPECT_TRUE(is_ec2("Ec2"));
  EXPECT_FALSE(is_ec2("ec2x"));
  EXPECT_FALSE(is_ec2("cert"));
}

TEST(Ec2Credentials, TheBlobIsAJsonObjectWithAnAccess) {
  auto ok = read_ec2_blob(R"({"access": "a1", "secret": "s1"})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value()["secret"], "s1");
  for (const std::string bad : {"not json", "", "[1, 2]", "{}", R"({"secret": "s"})",
                                R"({"access": null})", R"({"access": 5})", R"({"access": ""})"}) {
    auto e = read_ec2_blob(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code, errc::bad_request) << bad;
  }
  // Nothing recursive ever sees a blob nested deeper than a request body may be.
  const std::string deep =
      R"({"access": "a", "x": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto e = read_ec2_blob(deep);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "Invalid blob in credential");
  EXPECT_TRUE(read_ec2_blob(R"({"access": "a", "x": [[[1]]]})").ok());
}

}  // namespace
}  // namespace cumulo
