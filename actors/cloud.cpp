#include "actors/cloud.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "engine/clock.hpp"
#include "store/wall_clock.hpp"

#include "virt/libvirt_driver.hpp"

#include "actors/compute_host.hpp"
#include "actors/compute_supervisor.hpp"
#include "actors/block_storage.hpp"
#include "actors/console_auth.hpp"
#include "actors/volume_host.hpp"
#include "virt/file_volume_backend.hpp"
#include "virt/faulty_virt_driver.hpp"
#include "virt/faulty_volume_backend.hpp"
#include "actors/compute.hpp"
#include "actors/conductor.hpp"
#include "actors/instance.hpp"
#include "actors/errors.hpp"
#include "actors/identity.hpp"
#include "actors/image_registry.hpp"
#include "actors/network_host.hpp"
#include "store/cloud_id.hpp"
#include "actors/networking.hpp"
#include "actors/journal.hpp"
#include "actors/scheduler.hpp"

namespace cumulo {

cloud::cloud(const cloud_options& opts) {
  dir_ = std::make_unique<data_dir>(opts.data_dir);
  store_options store_opts;
  store_opts.sync = opts.sync;
  auto store = std::make_unique<event_store>(dir_->events_db(), store_opts);

  config_ = std::make_unique<caf::actor_system_config>();
  config_->set("scheduler.max-threads", opts.threads);
  system_ = std::make_unique<caf::actor_system>(*config_);
  journal_ = spawn_journal(*system_, std::move(store));

  // Fold the log once, here, so a log that does not fold stops the start.
  log_fold_ptr fold;
  caf::error failure;
  {
    caf::scoped_actor self{*system_};
    self->request(journal_, caf::infinite, fold_atom::value)
        .receive([&](log_fold_ptr& f) { fold = std::move(f); },
                 [&](caf::error& e) { failure = std::move(e); });
  }
  if (!fold) {
    caf::anon_send_exit(journal_, caf::exit_reason::user_shutdown);
    system_.reset();
    throw std::runtime_error(from_caf_error(failure).message);
  }
  events_at_start_ = fold->events();
  conductor_ = spawn_conductor(*system_, journal_, fold);
  identity_options id_opts;
  id_opts.token_key_file = dir_->root() / "token.key";
  id_opts.credential_key_file = dir_->root() / "credential.key";
  id_opts.token_ttl = opts.token_ttl;
  id_opts.cost = opts.cost;
  id_opts.clock = opts.clock;
  try {
    identity_ = spawn_identity(*system_, conductor_, id_opts);
    plane_.cloud_id = cloud_id(dir_->root());
    plane_.run_dir = "/run/cumulo/" + plane_.cloud_id;
    plane_.external_cidr = opts.external_cidr;
    plane_.external_bridge = opts.external_bridge;
    plane_.masquerade = opts.external_masquerade;
    real_plane_ = cumulo::runs_tenant_plane(opts.hypervisor_uri);
    network_host_ = spawn_network_host(*system_, opts.hypervisor_uri, plane_);
    networking_ = spawn_networking(*system_, conductor_, network_host_, nullptr, real_plane_);
    image_registry_ = spawn_image_registry(*system_, conductor_, image_dir());
    compute_options compute_opts;
    compute_opts.reservation_expiry = opts.reservation_expiry;
    compute_opts.launch_timeout = opts.launch_timeout;
    std::shared_ptr<volume_backend> volumes =
        std::make_shared<file_volume_backend>(dir_->root() / "volumes");
    // With --faults the backend can be made full (the fault API's
    // volume_backend_full).
    if (opts.faults) volumes = std::make_shared<faulty_volume_backend>(volumes, opts.faults);
    volume_host_ = spawn_volume_host(*system_, std::move(volumes));
    block_storage_ =
        spawn_block_storage(*system_, conductor_, volume_host_, image_registry_, image_dir());
    compute_opts.block_storage = block_storage_;
    compute_ = spawn_compute(*system_, conductor_, networking_, image_registry_, compute_opts);
    start_compute(opts);
    console_auth_ = spawn_console_auth(*system_, compute_hosts_);
  } catch (const std::exception&) {
    stop_actors();
    throw;
  }
}

namespace {

template <class Reply, class... Ts>
Reply ask_or_throw(caf::actor_system& sys, const caf::actor& to, const std::string& what,
                   Ts&&... msg) {
  caf::scoped_actor self{sys};
  std::optional<Reply> out;
  caf::error failure;
  self->request(to, std::chrono::minutes(5), std::forward<Ts>(msg)...)
      .receive([&](Reply& r) { out = std::move(r); }, [&](caf::error& e) { failure = e; });
  if (!out) throw std::runtime_error(what + ": " + from_caf_error(failure).message);
  return std::move(*out);
}

bool has_domain(const instance_state& s) {
  return s.vm_state == vm_states::active || s.vm_state == vm_states::stopped ||
         s.vm_state == vm_states::paused || s.vm_state == vm_states::suspended ||
         s.vm_state == vm_states::resized || s.vm_state == vm_states::rescued ||
         s.vm_state == vm_states::shelved;
}

}  // namespace

// The compute hosts register with the scheduler; the instances get their
// links and those in flight are resolved; then each host's domains are made
// to agree with the log (the test driver forgets them with the process).
void cloud::start_compute(const cloud_options& opts) {
  scheduler_ = ask_or_throw<caf::actor>(*system_, conductor_, "scheduler", caf::get_atom::value,
                                        scheduler_atom::value);
  auto configs = opts.compute_hosts;
  if (configs.empty()) configs.emplace_back();
  const auto instances_dir = dir_->root() / "instances";
  compute_hosts_ = std::make_shared<host_directory>();
  compute_supervision supervision;
  supervision.hosts = compute_hosts_;
  for (const auto& cfg : configs) {
    if (compute_hosts_->get(cfg.name))
      throw std::runtime_error("compute host " + cfg.name + " is given twice");
    libvirt_driver_options lo;
    lo.uri = cfg.uri.empty() ? write_test_node(dir_->root() / "hosts" / (cfg.name + ".xml"),
                                               cfg.vcpus, cfg.memory_mb)
                             : cfg.uri;
    // A test node is named after its host; a real one is the machine.
    if (is_test_uri(lo.uri)) lo.hostname = cfg.name;
    lo.local_gb = cfg.local_gb;
    lo.console_dir = instances_dir;
    lo.require_image_files = opts.require_image_files;
    lo.virt_type = cfg.virt_type;
    lo.clock = wall_clock();
    if (real_plane_) lo.dhcp_dir = plane_.run_dir + "/dhcp";
    // A new connection each time: a host restarted after a crash starts on
    // a fresh one, as a restarted nova-compute does.
    auto make_driver = [lo, faults = opts.faults, name = cfg.name,
                        conductor = conductor_]() -> std::shared_ptr<virt_driver> {
      auto real = std::make_shared<libvirt_driver>(lo);
      // A guest that powers itself off (or crashes) shows so in the log:
      // the instance decides whether the change is news (Nova's power sync).
      real->on_power_change([conductor](const std::string& id, power_states p) {
        spdlog::info("libvirt: the domain of instance {} is now {}", id, to_string(p));
        caf::anon_send(conductor, command_atom::value, id,
                       instance::command{instance::sync_power{p, "libvirt event"}},
                       event_metadata{"req-libvirt-event", "cumulo"});
      });
      if (!faults) return real;
      return std::make_shared<faulty_virt_driver>(real, name, faults);
    };
    compute_host_options co;
    co.name = cfg.name;
    co.shutdown_timeout = cfg.shutdown_timeout;
    supervision.options[cfg.name] = co;
    supervision.drivers[cfg.name] = make_driver;
    co.driver = make_driver();
    auto host = spawn_compute_host(*system_, std::move(co), scheduler_);
    compute_hosts_->put(cfg.name, host);
    ask_or_throw<host_state>(*system_, host, "compute host " + cfg.name, register_atom::value);
  }
  auto links = std::make_shared<compute_links>();
  links->conductor = conductor_;
  links->scheduler = scheduler_;
  links->networking = networking_;
  links->image_registry = image_registry_;
  links->block_storage = block_storage_;
  links->compute = compute_;
  links->hosts = compute_hosts_;
  links->images_dir = image_dir();
  links->spawn_timeout = opts.spawn_timeout;
  for (const auto& cfg : configs)
    links->config_drives |= !cfg.uri.empty() && !is_test_uri(cfg.uri);
  ask_or_throw<caf::ok_atom>(*system_, conductor_, "resolving instances", caf::put_atom::value,
                             compute_links_ptr(links));
  auto instances = ask_or_throw<std::vector<instance_state>>(
      *system_, conductor_, "listing instances", list_atom::value, instance_atom::value);
  // The scheduler places a server group's next member against those placed.
  group_membership placed;
  for (const auto& s : instances)
    if (!s.server_group_id.empty() && !s.host.empty()) placed[s.server_group_id].push_back(s.id);
  caf::anon_send(scheduler_, caf::put_atom::value, server_group_atom::value, std::move(placed));
  for (const auto& [name, host] : compute_hosts_->all()) {
    std::vector<expected_domain> expected;
    for (const auto& s : instances)
      if (s.host == name && has_domain(s)) {
        // A domain brought back keeps the guest's disk where it has one.
        auto spec = domain_spec_of(s, links->images_dir);
        spec.keep_disk = true;
        expected.push_back({std::move(spec), s.power_state});
      }
    auto report = ask_or_throw<reconcile_report>(*system_, host, "reconciling " + name,
                                                 reconcile_atom::value, std::move(expected));
    // libvirt is the truth for power: a guest that stopped (or was started)
    // while cumulo was down shows so.
    const auto powers = ask_or_throw<domain_power_states>(*system_, host, "power states of " + name,
                                                          list_atom::value, power_atom::value);
    for (const auto& s : instances) {
      auto it = powers.find(s.id);
      if (s.host != name || it == powers.end() || it->second == s.power_state) continue;
      ask_or_throw<instance_state>(*system_, conductor_, "syncing the power of " + s.id,
                                   command_atom::value, s.id,
                                   instance::command{instance::sync_power{it->second, "restart"}},
                                   event_metadata{"req-restart", "cumulo"});
    }
    if (!report.recreated.empty() || !report.reaped.empty())
      spdlog::info("compute host {}: {} domains defined again from the log, {} reaped", name,
                   report.recreated.size(), report.reaped.size());
    // An instance whose domain can't come back is not left looking alive.
    for (const auto& [id, why] : report.failed) {
      if (std::none_of(instances.begin(), instances.end(),
                       [&](const instance_state& s) { return s.id == id; }))
        continue;  // a stray domain that could not be reaped: logged by the host
      ask_or_throw<instance_state>(
          *system_, conductor_, "failing instance " + id, command_atom::value, id,
          instance::command{instance::fail{"Its domain could not be defined again after a "
                                           "restart: " +
                                               why,
                                           500, "restart", now_us()}},
          event_metadata{"req-restart", "cumulo"});
    }
  }
  supervision.scheduler = scheduler_;
  supervision.conductor = conductor_;
  supervision.images_dir = image_dir();
  compute_supervisor_ = spawn_compute_supervisor(*system_, std::move(supervision));
  faults_ = opts.faults;
  if (opts.faults) {
    // Non-blocking (the fault API calls it on an HTTP thread): the
    // supervisor sends the crash.
    opts.faults->set_crash_handler(
        [hosts = compute_hosts_, sup = compute_supervisor_](const std::string& name) {
          if (!hosts->get(name)) return false;
          caf::anon_send(sup, crash_atom::value, name);
          return true;
        });
  }
}

void cloud::stop_actors() {
  if (faults_) faults_->set_crash_handler(nullptr);  // it holds the supervisor
  for (const auto* a : {&block_storage_, &console_auth_, &identity_, &networking_, &image_registry_,
                        &compute_, &conductor_})
    if (*a) caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  {
    // The journal goes last: children still answering may append.
    caf::scoped_actor self{*system_};
    for (const auto* a : {&block_storage_, &console_auth_, &identity_, &networking_,
                          &image_registry_, &compute_, &conductor_})
      if (*a) self->wait_for(*a);
  }
  // The supervisor first, so it does not start again the hosts it sees stop.
  if (compute_supervisor_) {
    caf::anon_send_exit(compute_supervisor_, caf::exit_reason::user_shutdown);
    caf::scoped_actor self{*system_};
    self->wait_for(compute_supervisor_);
    compute_supervisor_ = nullptr;
  }
  if (compute_hosts_)
    for (auto& [name, host] : compute_hosts_->all())
      caf::anon_send_exit(host, caf::exit_reason::user_shutdown);
  compute_hosts_.reset();
  if (network_host_) caf::anon_send_exit(network_host_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(journal_, caf::exit_reason::user_shutdown);
  // The volume host after the door: a copy it runs finishes or is cut
  // short by the process's end, and the next start resolves it.
  if (volume_host_) {
    caf::anon_send_exit(volume_host_, caf::exit_reason::user_shutdown);
    caf::scoped_actor self{*system_};
    self->wait_for(volume_host_);
  }
  volume_host_ = nullptr;
  block_storage_ = nullptr;
  network_host_ = nullptr;
  console_auth_ = nullptr;
  identity_ = nullptr;
  networking_ = nullptr;
  image_registry_ = nullptr;
  scheduler_ = nullptr;
  compute_ = nullptr;
  conductor_ = nullptr;
  journal_ = nullptr;
  system_.reset();  // joins every actor
}

std::filesystem::path cloud::image_dir() const {
  return dir_->root() / "images";
}

cloud::~cloud() {
  stop_actors();
}

std::map<std::string, caf::actor> cloud::compute_hosts() const {
  return compute_hosts_ ? compute_hosts_->all() : std::map<std::string, caf::actor>{};
}

caf::actor_system& cloud::system() {
  return *system_;
}

}  // namespace cumulo
