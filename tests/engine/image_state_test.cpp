#include "engine/image_state.hpp"

#include <gtest/gtest.h>

#include <set>

#include "engine/fold.hpp"
#include "tests/engine/machine_test_support.hpp"

namespace cumulo {
namespace {

using M = image_machine;

// Every event the tests applied, to replay them through the codec.
std::vector<image_event> history;

image_state run(image_state s, const image::command& c) {
  return run_command_on<M>(std::move(s), c, &history);
}
domain_error refused(const image_state& s, const image::command& c) { return refusal_of<M>(s, c); }

image_state fresh() {
  image_state s;
  s.id = "i1";
  return s;
}

image::create cirros() {
  image::create c;
  c.name = "cirros";
  c.owner = "p1";
  c.disk_format = "qcow2";
  c.container_format = "bare";
  return c;
}

const std::string md5 = "d41d8cd98f00b204e9800998ecf8427e";
image::finish_upload upload() {
  return {1024, md5, "sha512", std::string(128, 'a'), 4096};
}

image_state active() {
  auto s = run(fresh(), cirros());
  s = run(s, image::start_upload{});
  return run(s, image::finish_upload{upload()});
}

TEST(ImageState, CreateUploadAndDelete) {
  auto c = cirros();
  c.tags = {"a", "b", "a"};
  c.properties = {{"hw_disk_bus", "virtio"}};
  c.min_disk = 1;
  c.min_ram = 64;
  auto s = run(fresh(), c);
  EXPECT_TRUE(s.exists());
  EXPECT_EQ(s.status, "queued");
  EXPECT_EQ(s.visibility, "shared") << "Glance's default";
  EXPECT_EQ(s.owner, "p1");
  EXPECT_EQ(s.tags, (std::vector<std::string>{"a", "b"})) << "tags are a set";
  EXPECT_EQ(s.properties.at("hw_disk_bus"), "virtio");
  EXPECT_FALSE(s.size);
  s = run(s, image::start_upload{});
  EXPECT_EQ(s.status, "saving");
  s = run(s, upload());
  EXPECT_EQ(s.status, "active");
  EXPECT_EQ(*s.size, 1024);
  EXPECT_EQ(s.checksum, md5);
  EXPECT_EQ(s.os_hash_algo, "sha512");
  EXPECT_EQ(*s.virtual_size, 4096);
  s = run(s, image::remove{});
  EXPECT_EQ(s.status, "deleted");
  EXPECT_TRUE(s.deleted);
  EXPECT_FALSE(s.exists());
}

TEST(ImageState, DeactivateAndReactivate) {
  auto s = run(active(), image::deactivate{});
  EXPECT_EQ(s.status, "deactivated");
  EXPECT_TRUE(M::decide(s, image::deactivate{}).value().empty()) << "a no-op, as in Glance";
  s = run(s, image::reactivate{});
  EXPECT_EQ(s.status, "active");
  EXPECT_TRUE(M::decide(s, image::reactivate{}).value().empty()) << "a no-op, as in Glance";
  s = run(s, image::deactivate{});
  s = run(s, image::remove{});  // a deactivated image can be deleted
  EXPECT_TRUE(s.deleted);
}

TEST(ImageState, AFailedUploadKillsTheImage) {
  auto s = run(run(fresh(), cirros()), image::start_upload{});
  s = run(s, image::fail_upload{"disk full"});
  EXPECT_EQ(s.status, "killed");
  EXPECT_EQ(refused(s, image::start_upload{}).code, errc::conflict);
  EXPECT_EQ(refused(s, image::deactivate{}).code, errc::forbidden);
  s = run(s, image::remove{});
  EXPECT_TRUE(s.deleted);

  auto q = run(run(fresh(), cirros()), image::fail_upload{"no data"});
  EXPECT_EQ(q.status, "killed") << "from queued too";
}

TEST(ImageState, AnInterruptedUploadCanBeReset) {
  auto s = run(run(fresh(), cirros()), image::start_upload{});
  s = run(s, image::reset_upload{"client went away"});
  EXPECT_EQ(s.status, "queued");
  s = run(s, image::start_upload{});
  s = run(s, upload());
  EXPECT_EQ(s.status, "active");
}

TEST(ImageState, UpdatesMetadata) {
  auto s = run(fresh(), cirros());
  s.properties["old"] = "x";
  image::update u;
  u.name = "cirros-0.6";
  u.visibility = "public";
  u.min_disk = 2;
  u.min_ram = 128;
  u.is_protected = true;
  u.tags = std::vector<std::string>{"t"};
  u.disk_format = "raw";
  u.container_format = "ovf";
  u.properties_set = {{"os_distro", "cirros"}};
  u.properties_removed = {"old"};
  s = run(s, u);
  EXPECT_EQ(s.name, "cirros-0.6");
  EXPECT_EQ(s.visibility, "public");
  EXPECT_EQ(s.min_disk, 2);
  EXPECT_EQ(s.min_ram, 128);
  EXPECT_TRUE(s.is_protected);
  EXPECT_EQ(s.tags, std::vector<std::string>{"t"});
  EXPECT_EQ(s.disk_format, "raw") << "formats may change while queued";
  EXPECT_EQ(s.container_format, "ovf");
  EXPECT_EQ(s.properties, (std::map<std::string, std::string>{{"os_distro", "cirros"}}));
}

TEST(ImageState, FormatsAreFixedOnceDataIsAttached) {
  auto s = active();
  image::update u;
  u.disk_format = "raw";
  auto e = refused(s, u);
  EXPECT_EQ(e.code, errc::conflict);
  EXPECT_EQ(e.message, "Attribute disk_format can be only replaced for a queued image.");
  u.disk_format = "qcow2";
  EXPECT_TRUE(M::decide(s, u).ok()) << "the same value is no change";
  image::update cf;
  cf.container_format = "ova";
  EXPECT_EQ(refused(s, cf).code, errc::conflict);
  image::update name;
  name.name = "still fine";
  s = run(s, name);
  EXPECT_EQ(s.name, "still fine");
}

TEST(ImageState, RefusesBadInput) {
  auto none = fresh();
  auto bad = [&](auto change) {
    auto c = cirros();
    change(c);
    return refused(none, c).code;
  };
  EXPECT_EQ(bad([](image::create& c) { c.disk_format = "floppy"; }), errc::bad_request);
  EXPECT_EQ(bad([](image::create& c) { c.container_format = "zip"; }), errc::bad_request);
  EXPECT_EQ(bad([](image::create& c) { c.visibility = "everyone"; }), errc::bad_request);
  EXPECT_EQ(bad([](image::create& c) { c.min_disk = -1; }), errc::bad_request);
  EXPECT_EQ(bad([](image::create& c) { c.min_ram = -1; }), errc::bad_request);
  EXPECT_EQ(bad([](image::create& c) { c.name = std::string(256, 'x'); }), errc::bad_request);
  EXPECT_EQ(bad([](image::create& c) { c.tags = {std::string(256, 't')}; }), errc::bad_request);
  EXPECT_EQ(bad([](image::create& c) { c.properties = {{"status", "active"}}; }), errc::forbidden);
  EXPECT_EQ(bad([](image::create& c) { c.properties = {{"", "x"}}; }), errc::bad_request);
  EXPECT_EQ(refused(none, image::create{"x", "p", "vmdk", "docker", "secret"}).message,
            "Provided object does not match schema 'image': 'secret' is not one of ['public', "
            "'private', 'shared', 'community']");
  for (const char* f :
       {"ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"})
    EXPECT_TRUE(M::decide(none, image::create{"x", "p", f, "bare"}).ok()) << f;
  for (const char* f : {"ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"})
    EXPECT_TRUE(M::decide(none, image::create{"x", "p", "raw", f}).ok()) << f;

  auto s = run(none, cirros());
  EXPECT_EQ(refused(s, cirros()).code, errc::conflict) << "created twice";
  image::update u;
  u.visibility = "nobody";
  EXPECT_EQ(refused(s, u).code, errc::bad_request);
  image::update neg;
  neg.min_ram = -5;
  EXPECT_EQ(refused(s, neg).code, errc::bad_request);
  image::update fmt;
  fmt.disk_format = "floppy";
  EXPECT_EQ(refused(s, fmt).code, errc::bad_request);
  image::update reserved;
  reserved.properties_set = {{"size", "1"}};
  EXPECT_EQ(refused(s, reserved).code, errc::forbidden);
  image::update gone;
  gone.properties_removed = {"nothere"};
  EXPECT_EQ(refused(s, gone).code, errc::conflict);
}

TEST(ImageState, UploadNeedsFormatsAndAQueuedImage) {
  auto s = run(fresh(), image::create{"blank", "p1"});
  EXPECT_EQ(refused(s, image::start_upload{}).code, errc::bad_request) << "no formats yet";
  EXPECT_EQ(refused(s, upload()).code, errc::conflict) << "not saving";
  EXPECT_EQ(refused(s, image::reset_upload{}).code, errc::conflict);

  auto a = active();
  auto e = refused(a, image::start_upload{});
  EXPECT_EQ(e.code, errc::conflict);
  EXPECT_EQ(e.message, "Image status transition from active to saving is not allowed");
  EXPECT_EQ(refused(a, upload()).code, errc::conflict);
  EXPECT_EQ(refused(a, image::fail_upload{"x"}).code, errc::conflict);
  EXPECT_EQ(refused(a, image::reset_upload{"x"}).code, errc::conflict);

  auto saving = run(run(fresh(), cirros()), image::start_upload{});
  EXPECT_EQ(refused(saving, image::start_upload{}).code, errc::conflict);
  auto f = upload();
  f.checksum = "xyz";
  EXPECT_EQ(refused(saving, f).code, errc::bad_request);
  f = upload();
  f.size = -1;
  EXPECT_EQ(refused(saving, f).code, errc::bad_request);
  f = upload();
  f.virtual_size = -1;
  EXPECT_EQ(refused(saving, f).code, errc::bad_request);
  f = upload();
  f.os_hash_value = "";
  EXPECT_EQ(refused(saving, f).code, errc::bad_request);
  f = upload();
  f.virtual_size = std::nullopt;
  EXPECT_TRUE(M::decide(saving, f).ok()) << "virtual_size is optional";
  EXPECT_EQ(refused(saving, image::deactivate{}).code, errc::forbidden);
}

TEST(ImageState, DeactivationNeedsAnActiveImage) {
  auto q = run(fresh(), cirros());
  auto e = refused(q, image::deactivate{});
  EXPECT_EQ(e.code, errc::forbidden);
  EXPECT_EQ(e.message, "Not allowed to deactivate image in status 'queued'");
  EXPECT_EQ(refused(q, image::reactivate{}).code, errc::forbidden);
}

TEST(ImageState, ProtectedImagesCannotBeDeleted) {
  auto c = cirros();
  c.is_protected = true;
  auto s = run(fresh(), c);
  auto e = refused(s, image::remove{});
  EXPECT_EQ(e.code, errc::forbidden);
  EXPECT_EQ(e.message, "Image i1 is protected and cannot be deleted.");
  image::update u;
  u.is_protected = false;
  s = run(s, u);
  s = run(s, image::remove{});
  EXPECT_TRUE(s.deleted);
}

TEST(ImageState, AMissingOrDeletedImageIsNotFound) {
  auto none = fresh();
  auto s = run(active(), image::remove{});
  for (const auto* st : {&none, &s}) {
    for (const image::command& c :
         {image::command{image::update{}}, image::command{image::start_upload{}},
          image::command{upload()}, image::command{image::fail_upload{}},
          image::command{image::reset_upload{}}, image::command{image::deactivate{}},
          image::command{image::reactivate{}}, image::command{image::remove{}},
          image::command{image::start_stage{}}, image::command{image::finish_stage{}},
          image::command{image::reset_stage{}},
          image::command{image::start_import{"glance-direct", {}, false}},
          image::command{image::finish_import{}}, image::command{image::fail_import{}}}) {
      auto e = refused(*st, c);
      EXPECT_EQ(e.code, errc::not_found);
      EXPECT_EQ(e.message, "No image found with ID i1");
    }
  }
}

TEST(ImageState, ApplyRejectsEventsThatCannotHappen) {
  EXPECT_THROW(M::apply(fresh(), image_deleted{}), invalid_event);
  EXPECT_THROW(M::apply(fresh(), image_updated{}), invalid_event);
  auto q = run(fresh(), cirros());
  EXPECT_THROW(M::apply(q, image_created{}), invalid_event);
  EXPECT_THROW(M::apply(q, image_uploaded{}), invalid_event);
  EXPECT_THROW(M::apply(q, image_upload_reset{}), invalid_event);
  EXPECT_THROW(M::apply(q, image_deactivated{}), invalid_event);
  EXPECT_THROW(M::apply(q, image_reactivated{}), invalid_event);
  auto a = active();
  EXPECT_THROW(M::apply(a, image_upload_started{}), invalid_event);
  EXPECT_THROW(M::apply(a, image_upload_failed{}), invalid_event);
  auto d = run(a, image::remove{});
  EXPECT_THROW(M::apply(d, image_deleted{}), invalid_event);
  // The import's events need their statuses too.
  EXPECT_THROW(M::apply(q, image_staged{}), invalid_event);
  EXPECT_THROW(M::apply(q, image_stage_reset{}), invalid_event);
  EXPECT_THROW(M::apply(q, image_import_started{}), invalid_event);
  EXPECT_THROW(M::apply(q, image_imported{}), invalid_event);
  EXPECT_THROW(M::apply(q, image_import_failed{}), invalid_event);
  EXPECT_THROW(M::apply(a, image_stage_started{}), invalid_event);
  auto uploading = run(q, image::start_stage{});
  EXPECT_THROW(M::apply(uploading, image_import_started{}), invalid_event) << "nothing staged";
  auto staged = run(uploading, image::finish_stage{8, md5, "sha512", "ab"});
  EXPECT_THROW(M::apply(staged, image_staged{}), invalid_event) << "staged twice";
}

TEST(ImageState, JsonView) {
  nlohmann::json j = run(fresh(), image::create{"blank", "p1"});
  EXPECT_EQ(j["id"], "i1");
  EXPECT_EQ(j["status"], "queued");
  EXPECT_TRUE(j["disk_format"].is_null());
  EXPECT_TRUE(j["size"].is_null());
  EXPECT_EQ(j["protected"], false);
  j = active();
  EXPECT_EQ(j["size"], 1024);
  EXPECT_EQ(j["checksum"], md5);
  EXPECT_EQ(j["virtual_size"], 4096);
}

// Every event type, encoded, recorded and folded back, gives the same state.
TEST(ImageState, EventsRoundTripThroughTheCodec) {
  history.clear();
  auto c = cirros();
  c.is_protected = true;
  c.tags = {"x"};
  c.properties = {{"k", "v"}, {"k2", "v2"}};
  auto s = run(fresh(), c);
  image::update u;
  u.name = "renamed";
  u.min_ram = 32;
  u.properties_set = {{"k3", "v3"}};
  u.properties_removed = {"k2"};
  s = run(s, u);
  s = run(s, image::start_upload{});
  s = run(s, image::reset_upload{"interrupted"});
  s = run(s, image::start_upload{});
  s = run(s, upload());
  s = run(s, image::deactivate{});
  s = run(s, image::reactivate{});
  s = run(s, image::add_member{"p2", 200});
  s = run(s, image::update_member{"p2", "accepted", 300});
  s = run(s, image::add_member{"p3", 400});
  s = run(s, image::remove_member{"p3"});
  image::update unprotect;
  unprotect.is_protected = false;
  unprotect.owner = "p9";
  s = run(s, unprotect);
  s = run(s, image::remove{});
  const std::size_t end_of_i1 = history.size();
  // upload_failed lives on a second image's stream.
  image_state killed = fresh();
  killed.id = "i2";
  killed = run(killed, cirros());
  killed = run(killed, image::fail_upload{"checksum mismatch"});
  const std::size_t end_of_i2 = history.size();
  // The import's events on a third: a staging cut off, an import that
  // failed, then one that made the image active.
  image_state imported = fresh();
  imported.id = "i3";
  imported = run(imported, cirros());
  imported = run(imported, image::start_stage{});
  imported = run(imported, image::reset_stage{"client went away"});
  imported = run(imported, image::start_stage{});
  imported = run(imported, image::finish_stage{4, md5, "sha512", "abcd"});
  imported = run(imported, image::start_import{"glance-direct", {}, false});
  imported = run(imported, image::fail_import{"the staged data is gone"});
  imported = run(imported, image::start_stage{});
  imported = run(imported, image::finish_stage{5, md5, "sha512", "abcdef"});
  imported = run(imported, image::start_import{"glance-direct", {"file"}, false});
  imported = run(imported, image::finish_import{});

  std::set<std::string> types;
  std::map<std::string, image_state> folded;
  std::map<std::string, std::int64_t> versions;
  std::size_t i = 0;
  for (const auto& e : history) {
    const std::string id = i < end_of_i1 ? "i1" : i < end_of_i2 ? "i2" : "i3";
    ++i;
    new_event n = encode(e);
    types.insert(n.type);
    const std::int64_t v = ++versions[id];
    recorded_event r{v, "image/" + id, v, n.type, n.schema_version, 100 + v, "req", "u", n.payload};
    if (!folded.count(id)) folded[id].id = id;
    folded[id] = fold<M>(std::move(folded[id]), r);
  }
  EXPECT_EQ(types.size(), std::variant_size_v<image_event>) << "every event type";
  for (auto [id, direct] :
       {std::pair{"i1", s}, std::pair{"i2", killed}, std::pair{"i3", imported}}) {
    nlohmann::json a = direct, b = folded[id];
    for (auto* j : {&a, &b}) j->erase("created_at"), j->erase("updated_at");
    EXPECT_EQ(a, b) << id;
  }
  EXPECT_EQ(folded["i2"].status, "killed");
  EXPECT_EQ(folded["i3"].status, "active");
  EXPECT_EQ(*folded["i3"].size, 5);
  EXPECT_EQ(folded["i3"].os_hash_value, "abcdef");
  EXPECT_EQ(folded["i3"].properties.at("os_glance_failed_import"), "");
  EXPECT_EQ(folded["i1"].owner, "p9");
  ASSERT_EQ(folded["i1"].members.size(), 1u);
  EXPECT_EQ(folded["i1"].members.at("p2").status, "accepted");
  EXPECT_EQ(folded["i1"].members.at("p2").created_at_us, 200);
  EXPECT_EQ(folded["i1"].members.at("p2").updated_at_us, 300);
  EXPECT_EQ(folded["i1"].properties,
            (std::map<std::string, std::string>{{"k", "v"}, {"k3", "v3"}}));

  // The payload uses Glance's key "protected", not the C++ member name.
  auto payload =
      nlohmann::json::parse(payload_to_json(encode(image_event{image_created{}}).payload));
  EXPECT_TRUE(payload.contains("protected"));
  EXPECT_FALSE(payload.contains("is_protected"));
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Issue 22, item 16: Glance's image_property_quota and image_tag_quota
// (128 each) bound what one image carries: 413 past them.
TEST(ImageState, PropertiesAndTagsHaveGlancesQuotas) {
  auto c = cirros();
  for (int i = 0; i < 129; ++i) c.properties["p" + std::to_string(i)] = "v";
  expect_refusal<image_machine>(fresh(), c, errc::too_large,
                                "The limit has been exceeded on the number of allowed image "
                                "properties. Attempted: 129, Maximum: 128");
  c.properties.erase("p0");
  auto s = run(fresh(), c);
  image::update more;
  more.properties_set = {{"one-more", "v"}};
  EXPECT_EQ(refusal_of<image_machine>(s, more).code, errc::too_large);
  image::update swap;
  swap.properties_set = {{"one-more", "v"}};
  swap.properties_removed = {"p1"};
  s = run(s, swap);
  EXPECT_EQ(s.properties.size(), 128u) << "a swap keeps the count";

  auto t = cirros();
  for (int i = 0; i < 129; ++i) t.tags.push_back("t" + std::to_string(i));
  EXPECT_EQ(refusal_of<image_machine>(fresh(), t).code, errc::too_large);
  t.tags.resize(128);
  EXPECT_EQ(run(fresh(), t).tags.size(), 128u);
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Issue 18: Glance's image sharing. Only a shared image has members; each
// starts pending, the member answers; the owner withdraws an offer.
TEST(ImageState, SharedImagesHaveMembersWhoAnswer) {
  auto s = run(fresh(), cirros());
  s = run(s, image::add_member{"p2", 10});
  ASSERT_EQ(s.members.count("p2"), 1u);
  EXPECT_EQ(s.members.at("p2").status, "pending");
  EXPECT_EQ(s.members.at("p2").created_at_us, 10);
  EXPECT_EQ(refused(s, image::add_member{"p2", 11}).code, errc::conflict);
  EXPECT_EQ(refused(s, image::add_member{"", 11}).code, errc::bad_request);
  EXPECT_EQ(refused(s, image::update_member{"p2", "maybe", 12}).code, errc::bad_request);
  EXPECT_EQ(refused(s, image::update_member{"p7", "accepted", 12}).code, errc::not_found);
  s = run(s, image::update_member{"p2", "rejected", 13});
  EXPECT_EQ(s.members.at("p2").status, "rejected");
  EXPECT_EQ(s.members.at("p2").updated_at_us, 13);
  // The same answer twice records nothing.
  const auto v = s.version;
  s = run(s, image::update_member{"p2", "rejected", 14});
  EXPECT_EQ(s.version, v);
  s = run(s, image::remove_member{"p2"});
  EXPECT_TRUE(s.members.empty());
  EXPECT_EQ(refused(s, image::remove_member{"p2"}).code, errc::not_found);

  // A private (or public) image has no members.
  image::update priv;
  priv.visibility = "private";
  s = run(s, priv);
  auto e = refused(s, image::add_member{"p2", 15});
  EXPECT_EQ(e.code, errc::forbidden);
  EXPECT_EQ(e.message, "Only shared images have members.");
}

TEST(ImageState, MembersHaveGlancesQuota) {
  auto s = run(fresh(), cirros());
  for (std::size_t i = 0; i < image::member_quota; ++i)
    s = run(s, image::add_member{"p" + std::to_string(i), 1});
  EXPECT_EQ(refused(s, image::add_member{"one-more", 1}).code, errc::too_large);
}

TEST(ImageState, AnUpdateMayGiveTheImageToAnotherOwner) {
  auto s = run(fresh(), cirros());
  image::update u;
  u.name = "renamed";
  u.owner = "p2";
  s = run(s, u);
  EXPECT_EQ(s.owner, "p2");
  EXPECT_EQ(s.name, "renamed");
  u.owner = "";
  EXPECT_EQ(refused(s, u).code, errc::bad_request);
}

}  // namespace
}  // namespace cumulo

namespace cumulo {
namespace {

// Issue 18: Glance's interoperable import, glance-direct. The bytes are
// staged (queued -> uploading, the size shown once they are whole), then
// the import makes them the image's (importing -> active) with the
// digests taken while they were staged.
image::finish_stage staging() {
  return {2048, "0123456789abcdef0123456789abcdef", "sha512", std::string(128, 'c')};
}
image::start_import glance_direct() {
  return {"glance-direct", {}, false};
}

TEST(ImageImport, StagedBytesBecomeTheImagesOnImport) {
  auto s = run(fresh(), cirros());
  s = run(s, image::start_stage{});
  EXPECT_EQ(s.status, "uploading");
  EXPECT_FALSE(s.size) << "nothing whole yet";
  EXPECT_FALSE(s.staged);
  s = run(s, staging());
  EXPECT_EQ(s.status, "uploading") << "Glance keeps uploading until the import";
  ASSERT_TRUE(s.staged);
  EXPECT_EQ(*s.size, 2048) << "Glance shows the staged size";
  EXPECT_TRUE(s.checksum.empty()) << "no checksum before the import";
  s = run(s, glance_direct());
  EXPECT_EQ(s.status, "importing");
  EXPECT_EQ(s.properties.at("os_glance_importing_to_stores"), "file");
  EXPECT_EQ(s.properties.at("os_glance_failed_import"), "");
  s = run(s, image::finish_import{});
  EXPECT_EQ(s.status, "active");
  EXPECT_EQ(*s.size, 2048);
  EXPECT_EQ(s.checksum, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(s.os_hash_algo, "sha512");
  EXPECT_EQ(s.os_hash_value, std::string(128, 'c'));
  EXPECT_FALSE(s.staged);
  EXPECT_EQ(s.properties.at("os_glance_importing_to_stores"), "") << "as Glance leaves it";
  EXPECT_EQ(s.properties.at("os_glance_failed_import"), "");
}

TEST(ImageImport, AFailedImportGoesBackToQueuedAndNamesTheStore) {
  auto s = run(run(run(run(fresh(), cirros()), image::start_stage{}), staging()), glance_direct());
  s = run(s, image::fail_import{"the staged data could not be moved"});
  EXPECT_EQ(s.status, "queued");
  EXPECT_FALSE(s.staged);
  EXPECT_FALSE(s.size) << "no data any more";
  EXPECT_EQ(s.properties.at("os_glance_failed_import"), "file");
  EXPECT_EQ(s.properties.at("os_glance_importing_to_stores"), "");
  // Staged again and imported: the failure is forgotten for that store.
  s = run(run(run(s, image::start_stage{}), staging()), glance_direct());
  EXPECT_EQ(s.properties.at("os_glance_failed_import"), "");
  s = run(s, image::finish_import{});
  EXPECT_EQ(s.status, "active");
}

TEST(ImageImport, AStagingCutOffGoesBackToQueued) {
  auto s = run(run(fresh(), cirros()), image::start_stage{});
  s = run(s, image::reset_stage{"the client went away"});
  EXPECT_EQ(s.status, "queued");
  EXPECT_FALSE(s.size);
  s = run(run(s, image::start_stage{}), staging());
  s = run(s, image::reset_stage{"the staged data is gone"});
  EXPECT_EQ(s.status, "queued");
  EXPECT_FALSE(s.staged);
  EXPECT_FALSE(s.size);
  EXPECT_EQ(refused(s, image::reset_stage{}).code, errc::conflict);
}

TEST(ImageImport, StagingNeedsAQueuedImage) {
  auto a = active();
  expect_refusal<M>(a, image::start_stage{}, errc::conflict,
                    "Image status transition from active to uploading is not allowed");
  auto s = run(run(fresh(), cirros()), image::start_stage{});
  EXPECT_EQ(refused(s, image::start_stage{}).code, errc::conflict) << "a second staging";
  EXPECT_EQ(refused(s, image::start_upload{}).code, errc::conflict) << "an upload meanwhile";
  s = run(s, staging());
  expect_refusal<M>(s, staging(), errc::conflict, "The image i1 has data on staging");
  auto bad = staging();
  bad.checksum = "nope";
  EXPECT_EQ(refused(run(run(fresh(), cirros()), image::start_stage{}), bad).code,
            errc::bad_request);
  // Glance stages into an image without formats; the import needs them.
  auto blank =
      run(run(run(fresh(), image::create{"blank", "p1"}), image::start_stage{}), staging());
  expect_refusal<M>(blank, glance_direct(), errc::conflict,
                    "'container_format' needs to be set before import");
  auto no_disk = image::create{"blank", "p1", "", "bare"};
  auto b2 = run(run(run(fresh(), no_disk), image::start_stage{}), staging());
  expect_refusal<M>(b2, glance_direct(), errc::conflict,
                    "'disk_format' needs to be set before import");
}

TEST(ImageImport, RefusalsInGlancesWords) {
  auto queued = run(fresh(), cirros());
  expect_refusal<M>(queued, image::start_import{"web-download", {}, false}, errc::bad_request,
                    "Unknown import method name 'web-download'.");
  expect_refusal<M>(queued, glance_direct(), errc::conflict,
                    "Image needs to be staged before 'glance-direct' method can be used");
  auto still_coming = run(queued, image::start_stage{});
  expect_refusal<M>(still_coming, glance_direct(), errc::conflict,
                    "Image needs to be staged before 'glance-direct' method can be used");
  expect_refusal<M>(queued, image::start_import{"copy-image", {}, true}, errc::conflict,
                    "Only images with status active can be targeted for copying");
  auto a = active();
  expect_refusal<M>(a, glance_direct(), errc::conflict,
                    "Image with status active cannot be target for import");
  auto staged = run(still_coming, staging());
  expect_refusal<M>(staged, image::start_import{"glance-direct", {"ceph"}, false}, errc::conflict,
                    "Unknown scheme 'ceph' found in URI");
  auto importing = run(staged, glance_direct());
  EXPECT_EQ(refused(importing, glance_direct()).code, errc::conflict) << "a second import";
  EXPECT_EQ(refused(importing, image::start_stage{}).code, errc::conflict);
  expect_refusal<M>(a, image::finish_import{}, errc::conflict,
                    "Image status transition from active to active is not allowed");
  EXPECT_EQ(refused(staged, image::fail_import{}).code, errc::conflict);
}

// copy-image copies an active image to stores it is not in yet: cumulo
// has one store and every image is in it. Glance then answers a named
// store with 400 and all_stores with 202 and nothing to do.
TEST(ImageImport, CopyImageFindsTheImageInEveryStoreAlready) {
  auto a = active();
  expect_refusal<M>(a, image::start_import{"copy-image", {}, false}, errc::bad_request,
                    "Image is already present at store 'file'");
  expect_refusal<M>(a, image::start_import{"copy-image", {"file"}, false}, errc::bad_request,
                    "Image is already present at store 'file'");
  expect_refusal<M>(a, image::start_import{"copy-image", {"elsewhere"}, false}, errc::conflict,
                    "Unknown scheme 'elsewhere' found in URI");
  auto nothing = M::decide(a, image::start_import{"copy-image", {}, true});
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing.value().empty());
}

TEST(ImageImport, GlancesOwnPropertiesAreReserved) {
  auto c = cirros();
  c.properties = {{"os_glance_importing_to_stores", "x"}};
  expect_refusal<M>(fresh(), c, errc::forbidden,
                    "Attribute 'os_glance_importing_to_stores' is reserved.");
  c.properties = {{"stores", "file"}};
  EXPECT_EQ(refused(fresh(), c).code, errc::forbidden);
  auto s =
      run(run(run(run(run(fresh(), cirros()), image::start_stage{}), staging()), glance_direct()),
          image::finish_import{});
  image::update u;
  u.properties_removed = {"os_glance_failed_import"};
  EXPECT_EQ(refused(s, u).code, errc::forbidden);
  image::update rename;
  rename.name = "renamed";
  EXPECT_EQ(run(s, rename).name, "renamed") << "other changes go on";
}

// What a restart does to an import cut off, given the files it finds.
TEST(ImageImport, ARestartFoldsEveryStepToADefinedState) {
  auto queued = run(fresh(), cirros());
  EXPECT_FALSE(resolve_after_restart(queued, {}));
  EXPECT_FALSE(resolve_after_restart(active(), {})) << "nothing in flight";

  auto coming = run(queued, image::start_stage{});
  auto c = resolve_after_restart(coming, {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(std::holds_alternative<image::reset_stage>(*c)) << "a staging cut off";
  EXPECT_EQ(run(coming, *c).status, "queued");

  auto staged = run(coming, staging());
  EXPECT_FALSE(resolve_after_restart(staged, {2048, std::nullopt})) << "staged whole: it waits";
  c = resolve_after_restart(staged, {100, std::nullopt});
  ASSERT_TRUE(c);
  EXPECT_TRUE(std::holds_alternative<image::reset_stage>(*c)) << "the staging file is short";
  c = resolve_after_restart(staged, {});
  ASSERT_TRUE(c);
  EXPECT_TRUE(std::holds_alternative<image::reset_stage>(*c)) << "the staging file is gone";

  auto importing = run(staged, glance_direct());
  c = resolve_after_restart(importing, {2048, std::nullopt});
  ASSERT_TRUE(c);
  EXPECT_TRUE(std::holds_alternative<image::finish_import>(*c)) << "the staged bytes are whole";
  EXPECT_EQ(run(importing, *c).status, "active");
  c = resolve_after_restart(importing, {std::nullopt, 2048});
  ASSERT_TRUE(c);
  EXPECT_TRUE(std::holds_alternative<image::finish_import>(*c)) << "already moved, whole";
  for (image::restart_facts f : {image::restart_facts{}, image::restart_facts{7, std::nullopt},
                                 image::restart_facts{std::nullopt, 7}}) {
    c = resolve_after_restart(importing, f);
    ASSERT_TRUE(c);
    ASSERT_TRUE(std::holds_alternative<image::fail_import>(*c)) << "nothing whole";
    auto failed = run(importing, *c);
    EXPECT_EQ(failed.status, "queued");
    EXPECT_EQ(failed.properties.at("os_glance_failed_import"), "file");
  }
}

TEST(ImageImport, ADeleteEndsAnImportAnywhere) {
  auto staged = run(run(run(fresh(), cirros()), image::start_stage{}), staging());
  auto gone = run(staged, image::remove{});
  EXPECT_TRUE(gone.deleted);
  EXPECT_FALSE(gone.staged);
  auto importing = run(staged, glance_direct());
  EXPECT_TRUE(run(importing, image::remove{}).deleted);
  EXPECT_FALSE(resolve_after_restart(run(importing, image::remove{}), {})) << "nothing to resolve";
}

}  // namespace
}  // namespace cumulo
