#include "actors/cloud.hpp"

#include <caf/all.hpp>

#include <stdexcept>

#include "actors/compute.hpp"
#include "actors/conductor.hpp"
#include "actors/errors.hpp"
#include "actors/identity.hpp"
#include "actors/network_host.hpp"
#include "actors/networking.hpp"
#include "actors/journal.hpp"

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
  id_opts.token_ttl = opts.token_ttl;
  id_opts.cost = opts.cost;
  try {
    identity_ = spawn_identity(*system_, conductor_, id_opts);
    network_host_ = spawn_network_host(*system_, opts.hypervisor_uri);
    networking_ = spawn_networking(*system_, conductor_, network_host_);
    compute_ = spawn_compute(*system_, conductor_);
  } catch (const std::exception&) {
    caf::anon_send_exit(conductor_, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(journal_, caf::exit_reason::user_shutdown);
    system_.reset();
    throw;
  }
}

cloud::~cloud() {
  caf::anon_send_exit(identity_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(networking_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(compute_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(conductor_, caf::exit_reason::user_shutdown);
  {
    // The journal goes last: children still answering may append.
    caf::scoped_actor self{*system_};
    self->wait_for(identity_, networking_, compute_, conductor_);
  }
  caf::anon_send_exit(network_host_, caf::exit_reason::user_shutdown);
  network_host_ = nullptr;
  identity_ = nullptr;
  networking_ = nullptr;
  compute_ = nullptr;
  caf::anon_send_exit(journal_, caf::exit_reason::user_shutdown);
  conductor_ = nullptr;
  journal_ = nullptr;
  system_.reset();  // joins every actor
}

caf::actor_system& cloud::system() {
  return *system_;
}

}  // namespace cumulo
