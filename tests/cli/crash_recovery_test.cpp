// Crash recovery of the real `cumulo serve`: a few client threads drive a
// mixed load over HTTP (launches, deletes, server actions and snapshots, image uploads,
// port creations) and one more drives block storage (volumes empty and
// from snapshots, snapshots, extends, attaches and detaches through Nova's
// os-volume_attachments, deletes) while the server is killed with SIGKILL
// at random moments and started again on the same data dir, many times in
// one run. After each restart, before the load goes on:
// - every operation whose answer a client received is there (a launch's
//   server, an upload's active image, a port, a volume, a snapshot); an
//   acknowledged delete is gone; an acknowledged extend has its size unless
//   the volume says it failed (error_extending);
// - nothing is left in a transitional state (BUILD, a task, saving...): an
//   operation in flight was finished or its server went to ERROR with a
//   fault saying it was interrupted; volumes and snapshots settle (within a
//   bound: the block storage door resolves them once the cloud serves) in
//   available, in-use or an error, and no attachment is reserved, attaching
//   or detaching;
// - no attachment is half-made: a volume in-use is attached to a server
//   that lists it (os-extended-volumes:volumes_attached), every volume a
//   server lists is in-use and attached to that server, and a volume not
//   in-use has no attachment;
// - `cumulo replay verify` folds the whole log;
// - libvirt and the log agree: each server whose status says it has a domain
//   has one in that state (diagnostics), the others have none, and each
//   hypervisor's running_vms (libvirt's count of domains) is the number of
//   servers the API shows with a domain on it (no orphan domain).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/keystone_client.hpp"
#include "tests/support/run_command.hpp"
#include "virt/host_command.hpp"

namespace cumulo {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kKills = 20;
constexpr int kClients = 3;
constexpr std::size_t kMaxServers = 24;  // the load deletes above this
// One page of GET /v2/images holds at most 1,000 (Glance's api_limit_max).
constexpr std::size_t kMaxImages = 600;
// Cinder's default quotas are 10 volumes and 10 snapshots a project (and
// cumulo has no PUT of quota sets yet): the volume load deletes above these,
// with room left for creations in flight.
constexpr std::size_t kMaxVolumes = 6;
constexpr std::size_t kMaxSnapshots = 4;
// How long the block storage door may take to resolve what a kill cut off.
constexpr auto kVolumeSettle = std::chrono::seconds(30);

// What the clients were told: the truth the cloud must keep across a crash.
struct acknowledged {
  std::mutex m;
  std::set<std::string> servers;          // 202 to the launch
  std::set<std::string> deleted_servers;  // 204 to the delete
  std::set<std::string> delete_sent;      // asked, the answer maybe lost with the server
  std::set<std::string> images;           // 201 to the create
  std::set<std::string> uploaded_images;  // 204 to the upload of its data
  std::set<std::string> ports;            // 201 to the create
  std::set<std::string> volumes;          // 202 to the create
  std::set<std::string> deleted_volumes;  // 202 to the delete
  std::set<std::string> volume_delete_sent;
  std::set<std::string> snapshots;          // 202 to the create
  std::set<std::string> deleted_snapshots;  // 202 to the delete
  std::set<std::string> snapshot_delete_sent;
  std::map<std::string, std::int64_t> extended_to;  // 202 to an extend: the size asked
  int volumes_from_snapshots = 0;                   // 202 to a create from a snapshot
  int attaches = 0;                                 // 200 to os-volume_attachments
  int detaches = 0;                                 // 202 to its delete

  std::size_t images_created() {
    std::lock_guard lock(m);
    return images.size();
  }

  std::vector<std::string> live_servers() {
    std::lock_guard lock(m);
    std::vector<std::string> out;
    for (const auto& s : servers)
      if (!deleted_servers.count(s)) out.push_back(s);
    return out;
  }
};

// Servers whose status says the domain exists on their host.
bool has_domain(const std::string& status) {
  return status == "ACTIVE" || status == "SHUTOFF" || status == "PAUSED" || status == "SUSPENDED" ||
         status == "RESCUE" || status == "VERIFY_RESIZE";
}

// libvirt's state of a server's domain; a migrated server awaiting its
// confirm runs or is stopped as it was (Nova's power_state 4: shut down).
std::string diagnostics_state_of(const std::string& status, int power_state) {
  if (status == "VERIFY_RESIZE") return power_state == 4 ? "shutdown" : "running";
  if (status == "ACTIVE" || status == "RESCUE") return "running";
  if (status == "SHUTOFF") return "shutdown";
  if (status == "PAUSED") return "paused";
  return "suspended";
}

// Where a volume or a snapshot may rest once nothing is in flight: every
// other status (creating, extending, reserved, attaching, detaching,
// deleting, uploading, ...) is work someone must still finish. Nothing in
// this drill fails but for the crashes, so error_deleting is not one.
bool volume_at_rest(const std::string& status) {
  return status == "available" || status == "in-use" || status == "error" ||
         status == "error_extending";
}
bool snapshot_at_rest(const std::string& status) {
  return status == "available" || status == "error";
}

// A body as JSON, an empty object when it is none (a dead server's answer).
nlohmann::json body_of(const http_response& r) {
  auto j = json_of(r);
  return j.is_object() ? j : nlohmann::json::object();
}

class CrashRecovery : public identity_test {
 protected:
  std::vector<std::string> extra_args() const override { return {"--hosts", "2"}; }

  // The address the clients use; swapped at each restart.
  std::string url(const std::string& path) {
    std::lock_guard lock(url_m_);
    return base_ + path;
  }
  void publish_url() {
    std::lock_guard lock(url_m_);
    base_ = cloud->url("");
    if (!base_.empty() && base_.back() == '/') base_.pop_back();
  }

  // A client's call: no expectation on the answer (a dead server is status 0).
  http_response send(const std::string& method, const std::string& path,
                     const std::string& body = "",
                     std::map<std::string, std::string> headers = {}) {
    if (!headers.count("Content-Type")) headers["Content-Type"] = "application/json";
    headers["X-Auth-Token"] = admin_token;
    return http_request(method, url(path), body, headers);
  }

  void prepare() {
    publish_url();
    // No quota in the way of the load.
    ASSERT_EQ(as_admin("PUT", "/compute/v2.1/os-quota-sets/" + admin_project(),
                       {{"quota_set", {{"instances", -1}, {"cores", -1}, {"ram", -1}}}})
                  .status,
              200);
    ASSERT_EQ(
        as_admin("PUT", "/networking/v2.0/quotas/" + admin_project(), {{"quota", {{"port", -1}}}})
            .status,
        200);
    auto net = as_admin("POST", "/networking/v2.0/networks", {{"network", {{"name", "load"}}}});
    ASSERT_EQ(net.status, 201) << net.body;
    network_ = json_of(net)["network"]["id"];
    auto sub = as_admin("POST", "/networking/v2.0/subnets",
                        {{"subnet",
                          {{"network_id", network_},
                           {"ip_version", 4},
                           {"cidr", "10.20.0.0/16"},
                           {"name", "load-subnet"}}}});
    ASSERT_EQ(sub.status, 201) << sub.body;
    auto img = as_admin("POST", "/image/v2/images",
                        {{"name", "base"}, {"disk_format", "raw"}, {"container_format", "bare"}});
    ASSERT_EQ(img.status, 201) << img.body;
    image_ = json_of(img)["id"];
    ASSERT_EQ(raw("PUT", "/image/v2/images/" + image_ + "/file", std::string(4096, 'x'),
                  {{"X-Auth-Token", admin_token}, {"Content-Type", "application/octet-stream"}})
                  .status,
              204);
  }

  std::string admin_project() {
    return json_of(admin)["token"]["project"]["id"].get<std::string>();
  }

  // One random operation of the load.
  void one_operation(std::mt19937& rng, int client, int n) {
    std::uniform_int_distribution<int> pick(0, 99);
    const int what = pick(rng);
    auto live = ack_.live_servers();
    auto any_live = [&]() -> std::string {
      if (live.empty()) return "";
      return live[std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(rng)];
    };
    if (what < 35 && live.size() < kMaxServers) {
      json body = {{"server",
                    {{"name", "vm-" + std::to_string(client) + "-" + std::to_string(n)},
                     {"imageRef", image_},
                     {"flavorRef", "1"},
                     {"networks", {{{"uuid", network_}}}}}}};
      auto r = send("POST", "/compute/v2.1/servers", body.dump());
      if (r.status == 202) {
        std::lock_guard lock(ack_.m);
        ack_.servers.insert(json_of(r)["server"]["id"].get<std::string>());
      }
    } else if (what < 55 || (what < 35 && live.size() >= kMaxServers)) {
      const std::string id = any_live();
      if (id.empty()) return;
      {
        std::lock_guard lock(ack_.m);
        ack_.delete_sent.insert(id);
      }
      auto r = send("DELETE", "/compute/v2.1/servers/" + id);
      if (r.status == 204) {
        std::lock_guard lock(ack_.m);
        ack_.deleted_servers.insert(id);
      }
    } else if (what < 75) {
      const std::string id = any_live();
      if (id.empty()) return;
      // A snapshot (or a shelve's) cut by a kill ends its task and takes
      // its image back; an unshelve cut ends offloaded, a rescue in ERROR;
      // a migration cut goes back to its source, a revert cut is finished.
      static const char* actions[] = {
          R"({"os-stop": null})",
          R"({"os-start": null})",
          R"({"reboot": {"type": "SOFT"}})",
          R"({"reboot": {"type": "HARD"}})",
          R"({"createImage": {"name": "crash-snapshot"}})",
          R"({"shelve": null})",
          R"({"unshelve": null})",
          R"({"rescue": null})",
          R"({"unrescue": null})",
          R"({"migrate": null})",
          R"({"os-migrateLive": {"host": null, "block_migration": false}})",
          R"({"confirmResize": null})",
          R"({"revertResize": null})"};
      constexpr int kActions = static_cast<int>(std::size(actions));
      send("POST", "/compute/v2.1/servers/" + id + "/action",
           actions[std::uniform_int_distribution<int>(0, kActions - 1)(rng)]);
    } else if (what < 88 && ack_.images_created() < kMaxImages) {
      auto r = send("POST", "/image/v2/images",
                    json{{"name", "img-" + std::to_string(client) + "-" + std::to_string(n)},
                         {"disk_format", "raw"},
                         {"container_format", "bare"}}
                        .dump());
      if (r.status != 201) return;
      const std::string id = json_of(r)["id"];
      {
        std::lock_guard lock(ack_.m);
        ack_.images.insert(id);
      }
      auto up = send("PUT", "/image/v2/images/" + id + "/file", std::string(256 * 1024, 'z'),
                     {{"Content-Type", "application/octet-stream"}});
      if (up.status == 204) {
        std::lock_guard lock(ack_.m);
        ack_.uploaded_images.insert(id);
      }
    } else {
      auto r =
          send("POST", "/networking/v2.0/ports", json{{"port", {{"network_id", network_}}}}.dump());
      if (r.status == 201) {
        std::lock_guard lock(ack_.m);
        ack_.ports.insert(json_of(r)["port"]["id"].get<std::string>());
      }
    }
  }

  // One random operation of the block storage load. Its targets come from
  // the cloud's lists rather than from what was acknowledged: a volume whose
  // create answer a kill swallowed still counts in Cinder's quota, so it is
  // deleted like any other.
  void volume_operation(std::mt19937& rng, int n) {
    auto listed_volumes = send("GET", "/volume/v3/volumes/detail");
    auto listed_snapshots = send("GET", "/volume/v3/snapshots/detail");
    if (listed_volumes.status != 200 || listed_snapshots.status != 200) return;
    const json volumes = body_of(listed_volumes).value("volumes", json::array());
    const json snapshots = body_of(listed_snapshots).value("snapshots", json::array());
    auto pick = [&](const json& list, const std::function<bool(const json&)>& fits) -> json {
      std::vector<json> fit;
      for (const auto& x : list)
        if (fits(x)) fit.push_back(x);
      if (fit.empty()) return nullptr;
      return fit[std::uniform_int_distribution<std::size_t>(0, fit.size() - 1)(rng)];
    };
    auto status_in = [](std::set<std::string> statuses) {
      return [statuses](const json& x) { return statuses.count(x.value("status", "")) > 0; };
    };
    auto has_snapshot = [&](const std::string& volume_id) {
      for (const auto& sn : snapshots)
        if (sn.value("volume_id", "") == volume_id) return true;
      return false;
    };
    auto id_of = [](const json& x) { return x.value("id", ""); };
    const std::string name = "vol-" + std::to_string(n);

    auto create = [&](json volume) {
      const bool from_snapshot = volume.contains("snapshot_id");
      auto r = send("POST", "/volume/v3/volumes", json{{"volume", volume}}.dump());
      const std::string id = body_of(r).value("volume", json::object()).value("id", "");
      if (r.status != 202 || id.empty()) return;
      std::lock_guard lock(ack_.m);
      ack_.volumes.insert(id);
      if (from_snapshot) ++ack_.volumes_from_snapshots;
    };
    auto delete_volume = [&](const std::string& id) {
      {
        std::lock_guard lock(ack_.m);
        ack_.volume_delete_sent.insert(id);
      }
      if (send("DELETE", "/volume/v3/volumes/" + id).status == 202) {
        std::lock_guard lock(ack_.m);
        ack_.deleted_volumes.insert(id);
      }
    };
    auto delete_snapshot = [&](const std::string& id) {
      {
        std::lock_guard lock(ack_.m);
        ack_.snapshot_delete_sent.insert(id);
      }
      if (send("DELETE", "/volume/v3/snapshots/" + id).status == 202) {
        std::lock_guard lock(ack_.m);
        ack_.deleted_snapshots.insert(id);
      }
    };
    // Detached through Nova, from the server Cinder says it is attached to.
    auto detach = [&](const json& v) {
      const json attachments = v.value("attachments", json::array());
      if (attachments.empty()) return;
      const std::string server = attachments[0].value("server_id", "");
      if (send("DELETE", "/compute/v2.1/servers/" + server + "/os-volume_attachments/" + id_of(v))
              .status == 202) {
        std::lock_guard lock(ack_.m);
        ++ack_.detaches;
      }
    };

    // At the caps: make room first, as a user would (a volume in-use is
    // detached, one with snapshots loses one, then it goes).
    if (snapshots.size() >= kMaxSnapshots) {
      const json sn = pick(snapshots, status_in({"available", "error"}));
      if (!sn.is_null()) delete_snapshot(id_of(sn));
      return;
    }
    if (volumes.size() >= kMaxVolumes) {
      const json v = pick(volumes, status_in({"available", "in-use", "error", "error_extending"}));
      if (v.is_null()) return;
      if (v.value("status", "") == "in-use") return detach(v);
      for (const auto& sn : snapshots)
        if (sn.value("volume_id", "") == id_of(v)) return delete_snapshot(id_of(sn));
      return delete_volume(id_of(v));
    }

    const int what = std::uniform_int_distribution<int>(0, 99)(rng);
    if (what < 20) {
      create({{"name", name}, {"size", 1}});
    } else if (what < 32) {
      const json sn = pick(snapshots, status_in({"available"}));
      if (!sn.is_null()) create({{"name", name}, {"snapshot_id", id_of(sn)}});
    } else if (what < 44) {
      // force: a snapshot of an in-use volume too, as Cinder allows.
      const json v = pick(volumes, status_in({"available", "in-use"}));
      if (v.is_null()) return;
      auto r = send(
          "POST", "/volume/v3/snapshots",
          json{{"snapshot", {{"volume_id", id_of(v)}, {"name", "snap-" + name}, {"force", true}}}}
              .dump());
      const std::string id = body_of(r).value("snapshot", json::object()).value("id", "");
      if (r.status != 202 || id.empty()) return;
      std::lock_guard lock(ack_.m);
      ack_.snapshots.insert(id);
    } else if (what < 54) {
      const json v = pick(volumes, [](const json& x) {
        return x.value("status", "") == "available" && x.value("size", 0) < 3;
      });
      if (v.is_null()) return;
      const std::int64_t size = v.value("size", 0) + 1;
      auto r = send("POST", "/volume/v3/volumes/" + id_of(v) + "/action",
                    json{{"os-extend", {{"new_size", size}}}}.dump());
      if (r.status != 202) return;
      std::lock_guard lock(ack_.m);
      auto& asked = ack_.extended_to[id_of(v)];
      asked = std::max(asked, size);
    } else if (what < 72) {
      const json v = pick(volumes, status_in({"available"}));
      auto live = ack_.live_servers();
      if (v.is_null() || live.empty()) return;
      const std::string server =
          live[std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(rng)];
      auto r = send("POST", "/compute/v2.1/servers/" + server + "/os-volume_attachments",
                    json{{"volumeAttachment", {{"volumeId", id_of(v)}}}}.dump());
      if (r.status != 200) return;
      std::lock_guard lock(ack_.m);
      ++ack_.attaches;
    } else if (what < 84) {
      const json v = pick(volumes, status_in({"in-use"}));
      if (!v.is_null()) detach(v);
    } else if (what < 92) {
      const json sn = pick(snapshots, status_in({"available", "error"}));
      if (!sn.is_null()) delete_snapshot(id_of(sn));
    } else {
      const json v = pick(volumes, [&](const json& x) {
        return status_in({"available", "error", "error_extending"})(x) && !has_snapshot(id_of(x));
      });
      if (!v.is_null()) delete_volume(id_of(v));
    }
  }

  // Block storage once it has settled: polled, since the block storage
  // door resolves what a kill cut off once the cloud serves. Fails the
  // round with what stayed in flight after kVolumeSettle.
  struct block_storage_view {
    std::map<std::string, json> volumes, snapshots;
  };
  block_storage_view settled_block_storage() {
    block_storage_view view;
    std::vector<std::string> busy;
    const auto deadline = std::chrono::steady_clock::now() + kVolumeSettle;
    do {
      view = {};
      busy.clear();
      auto v = as_admin("GET", "/volume/v3/volumes/detail?all_tenants=1&limit=1000");
      auto s = as_admin("GET", "/volume/v3/snapshots/detail?all_tenants=1&limit=1000");
      // Cinder's attachments API (3.27) lists the ones a volume's body
      // hides: reserved, attaching, detaching.
      auto a = raw("GET", "/volume/v3/attachments?all_tenants=1", "",
                   {{"X-Auth-Token", admin_token}, {"OpenStack-API-Version", "volume 3.27"}});
      if (v.status != 200 || s.status != 200 || a.status != 200) {
        busy.push_back("the lists answer " + std::to_string(v.status) + ", " +
                       std::to_string(s.status) + ", " + std::to_string(a.status));
      } else {
        const json volumes = json_of(v), snapshots = json_of(s), attachments = json_of(a);
        for (const auto& x : volumes.value("volumes", json::array())) {
          view.volumes[x.value("id", "")] = x;
          if (!volume_at_rest(x.value("status", ""))) busy.push_back("volume " + x.dump());
        }
        for (const auto& x : snapshots.value("snapshots", json::array())) {
          view.snapshots[x.value("id", "")] = x;
          if (!snapshot_at_rest(x.value("status", ""))) busy.push_back("snapshot " + x.dump());
        }
        for (const auto& x : attachments.value("attachments", json::array()))
          if (x.value("status", "") != "attached") busy.push_back("attachment " + x.dump());
      }
      if (busy.empty()) return view;
      std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < deadline);
    for (const auto& b : busy) ADD_FAILURE() << "still in flight after the restart: " << b;
    return view;
  }

  // What block storage must keep across a crash, and both sides of every
  // attachment; `servers` is the servers' list as the API shows it.
  void check_block_storage(const block_storage_view& view,
                           const std::map<std::string, json>& servers) {
    std::set<std::string> created, deleted, delete_sent, snapshots, deleted_snapshots,
        snapshot_delete_sent;
    std::map<std::string, std::int64_t> extended_to;
    {
      std::lock_guard lock(ack_.m);
      created = ack_.volumes;
      deleted = ack_.deleted_volumes;
      delete_sent = ack_.volume_delete_sent;
      snapshots = ack_.snapshots;
      deleted_snapshots = ack_.deleted_snapshots;
      snapshot_delete_sent = ack_.snapshot_delete_sent;
      extended_to = ack_.extended_to;
    }
    for (const auto& id : created) {
      if (deleted.count(id)) {
        EXPECT_EQ(view.volumes.count(id), 0u)
            << "volume " << id << " was deleted (202) but is listed";
      } else if (!delete_sent.count(id)) {
        EXPECT_EQ(view.volumes.count(id), 1u)
            << "volume " << id << " was created (202) but is gone";
      }
    }
    for (const auto& id : snapshots) {
      if (deleted_snapshots.count(id)) {
        EXPECT_EQ(view.snapshots.count(id), 0u)
            << "snapshot " << id << " was deleted (202) but is listed";
      } else if (!snapshot_delete_sent.count(id)) {
        EXPECT_EQ(view.snapshots.count(id), 1u)
            << "snapshot " << id << " was created (202) but is gone";
      }
    }
    for (const auto& [id, size] : extended_to) {
      auto v = view.volumes.find(id);
      if (v == view.volumes.end() || v->second.value("status", "") == "error_extending") continue;
      EXPECT_GE(v->second.value("size", std::int64_t{0}), size)
          << "volume " << id << " was extended to " << size << " GB (202): " << v->second.dump();
    }
    // A snapshot keeps its volume: Cinder deletes no volume that has one.
    for (const auto& [id, sn] : view.snapshots)
      EXPECT_EQ(view.volumes.count(sn.value("volume_id", "")), 1u)
          << "snapshot " << id << " outlived its volume: " << sn.dump();

    // Both sides of each attachment: Cinder's (the volume's attachments)
    // and Nova's (the server's volumes_attached).
    auto lists = [](const json& server, const std::string& volume_id) {
      for (const auto& a : server.value("os-extended-volumes:volumes_attached", json::array()))
        if (a.value("id", "") == volume_id) return true;
      return false;
    };
    for (const auto& [id, v] : view.volumes) {
      const json attachments = v.value("attachments", json::array());
      if (v.value("status", "") != "in-use") {
        EXPECT_TRUE(attachments.empty())
            << "volume " << id << " is not in-use but attached: " << v.dump();
        continue;
      }
      EXPECT_FALSE(attachments.empty()) << "volume " << id << " is in-use, attached to nothing";
      for (const auto& a : attachments) {
        const std::string server_id = a.value("server_id", "");
        auto server = servers.find(server_id);
        EXPECT_TRUE(server != servers.end() && lists(server->second, id))
            << "volume " << id << " is attached to server " << server_id << ", which "
            << (server == servers.end() ? "is gone" : "does not list it: " + server->second.dump());
      }
    }
    for (const auto& [server_id, s] : servers)
      for (const auto& listed : s.value("os-extended-volumes:volumes_attached", json::array())) {
        const std::string id = listed.value("id", "");
        auto v = view.volumes.find(id);
        bool attached_here = false;
        if (v != view.volumes.end() && v->second.value("status", "") == "in-use")
          for (const auto& a : v->second.value("attachments", json::array()))
            attached_here = attached_here || a.value("server_id", "") == server_id;
        EXPECT_TRUE(attached_here)
            << "server " << server_id << " lists volume " << id << ", which "
            << (v == view.volumes.end() ? "is gone"
                                        : "is not in-use and attached to it: " + v->second.dump());
      }
  }

  // Every check of a recovered cloud; `round` names the restart.
  void check_recovered(int round) {
    SCOPED_TRACE("after restart " + std::to_string(round));
    // First: block storage may still be resolving what the kill cut off.
    const auto block_storage = settled_block_storage();
    auto listed = as_admin("GET", "/compute/v2.1/servers/detail?all_tenants=1");
    ASSERT_EQ(listed.status, 200) << listed.body;
    std::map<std::string, json> servers;
    // Kept in a local: a range-for over a member of a temporary dangles.
    const json listed_body = json_of(listed);
    for (const auto& s : listed_body["servers"]) servers[s["id"]] = s;

    std::set<std::string> created, deleted, delete_sent, images, uploaded, ports;
    {
      std::lock_guard lock(ack_.m);
      created = ack_.servers;
      deleted = ack_.deleted_servers;
      delete_sent = ack_.delete_sent;
      images = ack_.images;
      uploaded = ack_.uploaded_images;
      ports = ack_.ports;
    }
    for (const auto& id : created) {
      if (deleted.count(id)) {
        EXPECT_EQ(servers.count(id), 0u) << "server " << id << " was deleted (204) but is listed";
      } else if (!delete_sent.count(id)) {
        EXPECT_EQ(servers.count(id), 1u) << "server " << id << " was launched (202) but is gone";
      }
    }

    std::map<std::string, int> with_domain_on;  // host -> servers with a domain
    for (const auto& [id, s] : servers) {
      const std::string status = s["status"];
      EXPECT_TRUE(s["OS-EXT-STS:task_state"].is_null()) << id << " still has a task: " << s.dump();
      EXPECT_NE(status, "BUILD") << s.dump();
      EXPECT_NE(status, "REBOOT") << s.dump();
      EXPECT_NE(status, "HARD_REBOOT") << s.dump();
      if (status == "ERROR") {
        ASSERT_TRUE(s.contains("fault")) << "an ERROR server without its fault: " << s.dump();
        // Nothing in this drill fails but for the crashes: the fault says
        // the operation was cut off by a restart.
        EXPECT_NE(s["fault"].value("message", "").find("restart"), std::string::npos) << s.dump();
      }
      auto diag = as_admin("GET", "/compute/v2.1/servers/" + id + "/diagnostics");
      if (has_domain(status)) {
        ++with_domain_on[s["OS-EXT-SRV-ATTR:host"].get<std::string>()];
        EXPECT_EQ(diag.status, 200) << id << " is " << status << " without a domain: " << diag.body;
        if (diag.status == 200) {
          EXPECT_EQ(json_of(diag)["state"],
                    diagnostics_state_of(status, s.value("OS-EXT-STS:power_state", 0)))
              << s.dump();
        }
      } else {
        EXPECT_NE(diag.status, 200) << id << " is " << status << " and has a domain";
      }
    }
    // A migrated server awaiting its confirm keeps its source's claim too
    // (under the migration's id), as Nova's placement does.
    std::map<std::string, int> source_claims_on;
    for (const auto& [id, s] : servers) {
      if (s["status"] != "VERIFY_RESIZE") continue;
      auto m = as_admin("GET", "/compute/v2.1/os-migrations?status=finished&instance_uuid=" + id);
      ASSERT_EQ(m.status, 200) << m.body;
      const json migrations = json_of(m)["migrations"];
      ASSERT_EQ(migrations.size(), 1u) << id << " awaits its confirm: " << m.body;
      ++source_claims_on[migrations[0]["source_compute"].get<std::string>()];
    }
    auto hypervisors = as_admin("GET", "/compute/v2.1/os-hypervisors/detail");
    ASSERT_EQ(hypervisors.status, 200) << hypervisors.body;
    const json hypervisors_body = json_of(hypervisors);
    for (const auto& h : hypervisors_body["hypervisors"]) {
      const std::string host = h["service"]["host"];
      EXPECT_EQ(h["running_vms"].get<int>(), with_domain_on[host])
          << "libvirt's domains on " << host << " are not the servers the API lists with one";
      // Every server here is an m1.tiny (1 vCPU); a claim left by a server
      // that is gone or failed its build would be capacity lost for good.
      EXPECT_EQ(h["vcpus_used"].get<int>(), with_domain_on[host] + source_claims_on[host])
          << "the claims on " << host << " are not the servers the API lists on it";
    }

    auto image_list = as_admin("GET", "/image/v2/images?limit=1000");
    ASSERT_EQ(image_list.status, 200) << image_list.body;
    std::map<std::string, std::string> image_status;
    const json images_body = json_of(image_list);
    for (const auto& i : images_body["images"]) image_status[i["id"]] = i["status"];
    for (const auto& [id, status] : image_status)
      EXPECT_TRUE(status == "active" || status == "queued")
          << "image " << id << " is left " << status;
    for (const auto& id : images)
      EXPECT_EQ(image_status.count(id), 1u) << "image " << id << " was created (201) but is gone";
    for (const auto& id : uploaded)
      EXPECT_EQ(image_status[id], "active") << "image " << id << " was uploaded (204)";

    auto port_list = as_admin("GET", "/networking/v2.0/ports");
    ASSERT_EQ(port_list.status, 200) << port_list.body;
    std::set<std::string> port_ids;
    const json ports_body = json_of(port_list);
    for (const auto& p : ports_body["ports"]) port_ids.insert(p["id"]);
    for (const auto& id : ports)
      EXPECT_EQ(port_ids.count(id), 1u) << "port " << id << " was created (201) but is gone";
    // A port Nova made or took for a server belongs to a server that holds
    // it: a build cut off between the port and its binding gives it back.
    for (const auto& p : ports_body["ports"]) {
      if (p.value("device_owner", "") != "compute:nova") continue;
      const std::string device = p.value("device_id", "");
      auto server = servers.find(device);
      bool shown = false;  // the server lists the port's MAC among its addresses
      if (server != servers.end())
        for (const auto& [net, addresses] : server->second["addresses"].items())
          for (const auto& a : addresses)
            shown = shown || a.value("OS-EXT-IPS-MAC:mac_addr", "") == p.value("mac_address", "");
      EXPECT_TRUE(shown) << "port " << p["id"] << " is left bound to "
                         << (server == servers.end()
                                 ? "a server that is gone"
                                 : "a server that does not hold it: " + server->second.dump());
    }

    check_block_storage(block_storage, servers);

    auto verify = run_command(
        {CUMULO_BINARY, "replay", "verify", "--data-dir", (dir.path() / "data").string()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  }

  // The fixture's restart, without a graceful stop: SIGKILL.
  void crash_and_restart() {
    cloud->stop(SIGKILL);
    std::vector<std::string> args{"--password-cost", "min"};
    for (const auto& a : extra_args()) args.push_back(a);
    cloud = std::make_unique<served_cloud>(dir.path() / "data", dir.path(), args);
    ASSERT_TRUE(cloud->serving()) << cloud->err();
    publish_url();
  }

  acknowledged ack_;
  std::string network_, image_;
  std::mutex url_m_;
  std::string base_;
};

TEST_F(CrashRecovery, SigkillUnderMixedLoadLosesNothingAcknowledged) {
  prepare();
  if (HasFatalFailure()) return;

  std::atomic<bool> stop{false}, paused{false};
  std::atomic<int> parked{0};
  std::vector<std::thread> clients;
  // The file backend copies snapshots with qemu-img: without it the
  // volume load would only make errors, so it does not run.
  const bool volumes = !find_program({"qemu-img"}).empty();
  if (!volumes) RecordProperty("volumes", "skipped: qemu-img (qemu-utils) is missing");
  const int all_clients = kClients + (volumes ? 1 : 0);
  for (int c = 0; c < all_clients; ++c)
    clients.emplace_back([&, c] {
      std::mt19937 rng(1000 + c);
      for (int n = 0; !stop; ++n) {
        if (paused) {
          ++parked;
          while (paused && !stop) std::this_thread::sleep_for(5ms);
          --parked;
          continue;
        }
        // The last client drives block storage, the others the rest.
        if (c == kClients)
          volume_operation(rng, n);
        else
          one_operation(rng, c, n);
      }
    });

  std::mt19937 rng(42);
  std::uniform_int_distribution<int> load_ms(200, 1200);
  const auto started = std::chrono::steady_clock::now();
  for (int round = 1; round <= kKills && !HasFatalFailure(); ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(load_ms(rng)));
    paused = true;
    // Killed while the clients' requests are in flight: the pause only
    // keeps them from starting new ones against the dead server.
    crash_and_restart();
    while (parked < all_clients) std::this_thread::sleep_for(2ms);
    if (HasFatalFailure()) break;
    check_recovered(round);
    paused = false;
  }
  stop = true;
  paused = false;
  for (auto& t : clients) t.join();

  std::lock_guard lock(ack_.m);
  RecordProperty("servers_launched", static_cast<int>(ack_.servers.size()));
  RecordProperty("seconds", static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count()));
  // The load did each kind of thing, or the drill proved little.
  EXPECT_GE(ack_.servers.size(), 10u);
  EXPECT_GE(ack_.deleted_servers.size(), 3u);
  EXPECT_GE(ack_.uploaded_images.size(), 3u);
  EXPECT_GE(ack_.ports.size(), 3u);
  if (!volumes) return;
  RecordProperty("volumes_created", static_cast<int>(ack_.volumes.size()));
  RecordProperty("volume_attaches", ack_.attaches);
  EXPECT_GE(ack_.volumes.size(), 5u);
  EXPECT_GE(ack_.volumes_from_snapshots, 1);
  EXPECT_GE(ack_.snapshots.size(), 2u);
  EXPECT_GE(ack_.extended_to.size(), 1u);
  EXPECT_GE(ack_.attaches, 2);
  EXPECT_GE(ack_.detaches, 1);
  EXPECT_GE(ack_.deleted_volumes.size(), 2u);
  EXPECT_GE(ack_.deleted_snapshots.size(), 1u);
}

}  // namespace
}  // namespace cumulo
