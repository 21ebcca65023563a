// The real `openstack` CLI against a real `cumulo serve`: image create with
// a file (1 MiB and 256 MiB, streamed), list, show, save (the bytes come
// back with the checksum they went in with), set --property, delete; a
// member who can't see another project's private image; a shared image
// offered to another project, which accepts it; the interoperable import
// (`image create --import`, and glanceclient's image-create-via-import,
// image-stage and image-import).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crypto/image_digest.hpp"
#include "tests/cli/openstack_cli.hpp"

namespace cumulo {
namespace {

// Writes `size` pseudo-random bytes to `path` and returns their md5.
std::string write_image_file(const std::filesystem::path& path, std::size_t size) {
  std::mt19937_64 gen(size);
  image_digest d;
  std::ofstream out(path, std::ios::binary);
  std::vector<std::uint64_t> block(1 << 16);
  for (std::size_t done = 0; done < size;) {
    for (auto& w : block) w = gen();
    const std::size_t n = std::min(size - done, block.size() * sizeof(std::uint64_t));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    d.update(reinterpret_cast<const char*>(block.data()), n);
    done += n;
  }
  return d.finish().md5;
}

std::string md5_of_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  image_digest d;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    d.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return d.finish().md5;
}

using ImageCli = openstack_cli_test;

// python3-glanceclient reads Glance's errors from the HTML page Glance
// answers to its "Accept: */*" (it crashed on the JSON body: issue 18).
TEST_F(ImageCli, GlanceClientPrintsGlancesMessageForAMissingImage) {
  const std::string id = "0b7c8f62-0000-4000-8000-000000000000";
  auto shown = client({"admin", kAdminPassword, "admin"}, "glance", {"image-show", id});
  EXPECT_NE(shown.exit_code, 0) << report(shown);
  EXPECT_NE((shown.out + shown.err).find("404 Not Found: No image found with ID " + id),
            std::string::npos)
      << report(shown);
  EXPECT_EQ((shown.out + shown.err).find("Traceback"), std::string::npos) << report(shown);
  EXPECT_EQ((shown.out + shown.err).find("has no attribute"), std::string::npos) << report(shown);
}

// Issue 18: glanceclient reads the metadefs catalog (OSC 6.0 has no
// metadef commands): list by resource type, show a namespace's properties.
TEST_F(ImageCli, GlanceClientListsAndShowsMetadefNamespaces) {
  auto list = client({"admin", kAdminPassword, "admin"}, "glance",
                     {"md-namespace-list", "--resource-types", "OS::Glance::Image"});
  ASSERT_EQ(list.exit_code, 0) << report(list);
  EXPECT_NE(list.out.find("OS::Compute::Libvirt"), std::string::npos) << report(list);
  auto shown = client({"admin", kAdminPassword, "admin"}, "glance",
                      {"md-namespace-show", "OS::Compute::Libvirt"});
  ASSERT_EQ(shown.exit_code, 0) << report(shown);
  EXPECT_NE(shown.out.find("disk_bus"), std::string::npos) << report(shown);
}

TEST_F(ImageCli, CreateListShowSaveSetAndDeleteAsAUserTypesThem) {
  for (std::size_t size : {std::size_t{1} << 20, std::size_t{256} << 20}) {
    SCOPED_TRACE("image of " + std::to_string(size) + " bytes");
    const auto file = dir.path() / "disk.qcow2";
    const std::string md5 = write_image_file(file, size);
    const std::string name = "img-" + std::to_string(size >> 20) + "m";
    auto created = cli({"image", "create", "--disk-format", "qcow2", "--container-format", "bare",
                        "--file", file.string(), name, "-f", "json"});
    ASSERT_EQ(created.exit_code, 0) << report(created);
    const std::string id = json_out(created).value("id", "");
    ASSERT_FALSE(id.empty()) << report(created);
    std::filesystem::remove(file);

    auto list = cli({"image", "list", "-f", "json"});
    ASSERT_EQ(list.exit_code, 0) << report(list);
    EXPECT_TRUE(column(json_out(list), "Name").count(name)) << report(list);

    auto shown = cli({"image", "show", name, "-f", "json"});
    ASSERT_EQ(shown.exit_code, 0) << report(shown);
    auto img = json_out(shown);
    EXPECT_EQ(img.value("status", ""), "active") << report(shown);
    EXPECT_EQ(img.value("checksum", ""), md5) << report(shown);
    EXPECT_EQ(img.value("size", 0ull), size) << report(shown);
    EXPECT_EQ(img.value("disk_format", ""), "qcow2");

    const auto saved = dir.path() / "saved.img";
    auto save = cli({"image", "save", "--file", saved.string(), name});
    ASSERT_EQ(save.exit_code, 0) << report(save);
    EXPECT_EQ(std::filesystem::file_size(saved), size);
    EXPECT_EQ(md5_of_file(saved), md5);
    std::filesystem::remove(saved);

    auto set = cli({"image", "set", "--property", "os_distro=debian", name});
    ASSERT_EQ(set.exit_code, 0) << report(set);
    auto after = json_out(cli({"image", "show", name, "-f", "json"}));
    EXPECT_EQ(after["properties"].value("os_distro", ""), "debian") << after.dump();

    auto deleted = cli({"image", "delete", name});
    ASSERT_EQ(deleted.exit_code, 0) << report(deleted);
    auto gone = cli({"image", "show", id});
    EXPECT_NE(gone.exit_code, 0) << report(gone);
  }
  // Nothing of the images is left in the data dir.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "data" / "images"));
}

TEST_F(ImageCli, AMemberCannotSeeAnotherProjectsPrivateImage) {
  auto alice = make_member("alice");
  auto bob = make_member("bob");
  const cli_user as_alice{alice.user_name, alice.password, alice.project_name};
  const cli_user as_bob{bob.user_name, bob.password, bob.project_name};
  const auto file = dir.path() / "small.raw";
  write_image_file(file, 4096);
  auto created = openstack(as_alice, {"image", "create", "--private", "--disk-format", "raw",
                                      "--container-format", "bare", "--file", file.string(),
                                      "alice-private", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  const std::string id = json_out(created).value("id", "");

  auto bobs = openstack(as_bob, {"image", "list", "-f", "json"});
  ASSERT_EQ(bobs.exit_code, 0) << report(bobs);
  EXPECT_FALSE(column(json_out(bobs), "ID").count(id)) << report(bobs);
  auto show = openstack(as_bob, {"image", "show", id});
  EXPECT_NE(show.exit_code, 0) << report(show);
  EXPECT_NE(show.err.find("No Image found"), std::string::npos) << report(show);

  auto alices = openstack(as_alice, {"image", "list", "-f", "json"});
  EXPECT_TRUE(column(json_out(alices), "ID").count(id)) << report(alices);
  // The admin sees it too.
  EXPECT_TRUE(column(json_out(cli({"image", "list", "-f", "json"})), "ID").count(id));
}

// Issue 18: `image add project` offers a shared image to another project;
// its member accepts it with `image set --accept` and then lists it;
// `image member list` shows the membership; `image remove project` withdraws it.
TEST_F(ImageCli, ASharedImageOfferedToAnotherProjectIsListedOnceAccepted) {
  auto alice = make_member("alice");
  auto bob = make_member("bob");
  const cli_user as_alice{alice.user_name, alice.password, alice.project_name};
  const cli_user as_bob{bob.user_name, bob.password, bob.project_name};
  auto created = openstack(as_alice, {"image", "create", "--shared", "--disk-format", "raw",
                                      "--container-format", "bare", "alice-shared", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  const std::string id = json_out(created).value("id", "");

  auto added = openstack(as_alice, {"image", "add", "project", id, bob.project_id, "-f", "json"});
  ASSERT_EQ(added.exit_code, 0) << report(added);
  EXPECT_NE(added.out.find("pending"), std::string::npos) << report(added);
  auto listed = openstack(as_bob, {"image", "list", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  EXPECT_FALSE(column(json_out(listed), "ID").count(id)) << "pending: " << report(listed);

  auto accepted = openstack(as_bob, {"image", "set", "--accept", id});
  ASSERT_EQ(accepted.exit_code, 0) << report(accepted);
  listed = openstack(as_bob, {"image", "list", "-f", "json"});
  EXPECT_TRUE(column(json_out(listed), "ID").count(id)) << report(listed);
  auto members = openstack(as_alice, {"image", "member", "list", id, "-f", "json"});
  ASSERT_EQ(members.exit_code, 0) << report(members);
  ASSERT_EQ(json_out(members).size(), 1u) << report(members);
  EXPECT_EQ(json_out(members)[0].value("Status", ""), "accepted") << report(members);

  auto removed = openstack(as_alice, {"image", "remove", "project", id, bob.project_id});
  ASSERT_EQ(removed.exit_code, 0) << report(removed);
  auto gone = openstack(as_bob, {"image", "show", id});
  EXPECT_NE(gone.exit_code, 0) << report(gone);
}

// Issue 18: the interoperable import as the clients drive it. OSC 6.0's
// `image create --import` (openstacksdk: create, read the
// OpenStack-image-import-methods header, PUT .../stage, POST .../import);
// the import goes on after its 202, so the image is polled until active.
class ImageImportCli : public openstack_cli_test {
 protected:
  // glanceclient as the admin, its standard input closed: a stdin that is
  // no terminal (the tests' /dev/null) is image data to glanceclient, and
  // with --file too it refuses ("You cannot use both --file and stdin").
  command_result glance(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"-c", "exec glance \"$@\" <&-", "glance"};
    argv.insert(argv.end(), args.begin(), args.end());
    return client({"admin", kAdminPassword, "admin"}, "sh", argv);
  }
  nlohmann::json wait_active(const std::string& name_or_id) {
    nlohmann::json img = nlohmann::json::object();
    for (int i = 0; i < 30; ++i) {
      auto shown = cli({"image", "show", name_or_id, "-f", "json"});
      if (shown.exit_code == 0) img = json_out(shown);
      if (img.value("status", "") == "active") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return img;
  }
};

TEST_F(ImageImportCli, ImageCreateWithImportEndsActiveWithTheFilesChecksum) {
  const auto file = dir.path() / "import.raw";
  const std::string md5 = write_image_file(file, 3 << 20);
  auto created = cli({"image", "create", "--import", "--file", file.string(), "--disk-format",
                      "raw", "--container-format", "bare", "imported", "-f", "json"});
  ASSERT_EQ(created.exit_code, 0) << report(created);
  const std::string id = json_out(created).value("id", "");
  ASSERT_FALSE(id.empty()) << report(created);
  auto img = wait_active(id);
  EXPECT_EQ(img.value("status", ""), "active") << img.dump();
  EXPECT_EQ(img.value("checksum", ""), md5) << img.dump();
  EXPECT_EQ(img.value("size", 0ull), 3ull << 20) << img.dump();
  // The bytes come back as they went in.
  const auto saved = dir.path() / "saved.raw";
  auto save = cli({"image", "save", "--file", saved.string(), id});
  ASSERT_EQ(save.exit_code, 0) << report(save);
  EXPECT_EQ(md5_of_file(saved), md5);
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "data" / "images"))
    files.insert(e.path().filename().string());
  EXPECT_EQ(files, std::set<std::string>{id}) << "nothing staged is left";
}

// glanceclient: import-info, then the create-and-import in one command,
// then the three steps apart (image-create, image-stage, image-import).
TEST_F(ImageImportCli, GlanceClientStagesAndImports) {
  auto info = glance({"import-info"});
  ASSERT_EQ(info.exit_code, 0) << report(info);
  // glanceclient wraps the table: "glance-" and "direct" may be on two lines.
  EXPECT_NE(info.out.find("copy-image"), std::string::npos) << report(info);
  EXPECT_NE(info.out.find("glance-"), std::string::npos) << report(info);
  EXPECT_EQ(info.out.find("web-download"), std::string::npos) << report(info);

  const auto file = dir.path() / "via-import.raw";
  const std::string md5 = write_image_file(file, 1 << 20);
  auto via = glance({"image-create-via-import", "--import-method", "glance-direct", "--file",
                     file.string(), "--disk-format", "raw", "--container-format", "bare", "--name",
                     "via-import"});
  ASSERT_EQ(via.exit_code, 0) << report(via);
  auto img = wait_active("via-import");
  EXPECT_EQ(img.value("status", ""), "active") << img.dump();
  EXPECT_EQ(img.value("checksum", ""), md5) << img.dump();

  auto record = glance({"image-create", "--disk-format", "raw", "--container-format", "bare",
                        "--name", "staged-apart"});
  ASSERT_EQ(record.exit_code, 0) << report(record);
  auto listed = cli({"image", "show", "staged-apart", "-f", "json"});
  ASSERT_EQ(listed.exit_code, 0) << report(listed);
  const std::string id = json_out(listed).value("id", "");
  EXPECT_EQ(json_out(listed).value("status", ""), "queued");
  const auto second = dir.path() / "apart.raw";
  const std::string md5_apart = write_image_file(second, 200000);
  auto staged = glance({"image-stage", "--file", second.string(), id});
  ASSERT_EQ(staged.exit_code, 0) << report(staged);
  EXPECT_EQ(json_out(cli({"image", "show", id, "-f", "json"})).value("status", ""), "uploading");
  auto imported = glance({"image-import", "--import-method", "glance-direct", id});
  ASSERT_EQ(imported.exit_code, 0) << report(imported);
  img = wait_active(id);
  EXPECT_EQ(img.value("status", ""), "active") << img.dump();
  EXPECT_EQ(img.value("checksum", ""), md5_apart) << img.dump();
  // Importing the active image again is refused (glanceclient looks at the
  // status before it asks; Glance would answer 409).
  auto again = glance({"image-import", "--import-method", "glance-direct", id});
  EXPECT_NE(again.exit_code, 0) << report(again);
}

}  // namespace
}  // namespace cumulo
