// Writes the codec fuzzer's seed corpus (codec_fuzz.cpp's record format)
// from events encoded by the engine's own codec:
//   build-fuzz/codec_seeds tests/fuzz/corpus/codec
// One file per stream kind with each of its event types in order (default
// payloads), and a few streams with realistic payloads.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include "codec_machines.hpp"
#include "engine/codec.hpp"

using namespace cumulo;

namespace {

struct record {
  std::uint8_t kind;    // index in fuzz::kinds()
  std::uint8_t stream;  // 0..3
  std::uint8_t type;    // index in the kind's variant
  new_event event;
};

std::string bytes_of(const std::vector<record>& records) {
  std::string out;
  for (const auto& r : records) {
    out += static_cast<char>((r.kind & 0x0f) | ((r.kind & 0x10) << 3) | (r.stream << 4));
    out += static_cast<char>(r.type);
    out += static_cast<char>(r.event.schema_version);
    out += static_cast<char>(r.event.payload.size() & 0xff);
    out += static_cast<char>(r.event.payload.size() >> 8);
    out += r.event.payload;
  }
  return out;
}

void write(const std::string& dir, const std::string& name, const std::vector<record>& records) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes_of(records);
}

template <class Variant, std::size_t... I>
std::vector<new_event> defaults(std::index_sequence<I...>) {
  return {encode(std::variant_alternative_t<I, Variant>{})...};
}

template <std::size_t M>
void every_type(const std::string& dir) {
  using machine = std::tuple_element_t<M, fuzz::machines>;
  using ev = typename machine::event;
  auto events = defaults<ev>(std::make_index_sequence<std::variant_size_v<ev>>());
  std::vector<record> records;
  for (std::size_t i = 0; i < events.size(); ++i)
    records.push_back({static_cast<std::uint8_t>(M), 0, static_cast<std::uint8_t>(i), events[i]});
  write(dir, std::string("kind-") + machine::kind, records);
}

template <std::size_t... M>
void every_kind(const std::string& dir, std::index_sequence<M...>) {
  (every_type<M>(dir), ...);
}

template <class Machine>
std::uint8_t kind_index() {
  const auto& k = fuzz::kinds();
  for (std::size_t i = 0; i < k.size(); ++i)
    if (k[i].kind == Machine::kind) return static_cast<std::uint8_t>(i);
  throw std::logic_error("no kind");
}

template <class Machine, class Event>
record rec(const Event& e, std::uint8_t stream = 0) {
  return {kind_index<Machine>(), stream,
          static_cast<std::uint8_t>(typename Machine::event(e).index()), encode(e)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: codec_seeds DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  every_kind(dir, std::make_index_sequence<std::tuple_size_v<fuzz::machines>>());

  project_created p{.name = "demo", .domain_id = "default", .description = "a project",
                    .enabled = true, .tags = {"a", "b"}};
  project_updated pu{.name = std::string("demo2"), .enabled = false};
  write(dir, "project-life",
        {rec<project_machine>(p), rec<project_machine>(pu),
         rec<project_machine>(project_role_granted{.user_id = "u1", .role_id = "r1"}),
         rec<project_machine>(project_deleted{})});

  network_created n{.name = "net1", .project_id = "p1", .shared = true, .mtu = 1450,
                    .description = "x"};
  write(dir, "network-created", {rec<network_machine>(n), rec<network_machine>(n, 1)});
  // A network shared with one project, then with every one, then with none.
  write(
      dir, "network-rbac",
      {rec<network_machine>(n),
       rec<network_machine>(network_rbac_policy_created{.policy_id = "r1",
                                                        .action = "access_as_shared",
                                                        .target_project = "p2",
                                                        .project_id = "p1"}),
       rec<network_machine>(network_rbac_policy_updated{.policy_id = "r1", .target_project = "*"}),
       rec<network_machine>(network_rbac_policy_deleted{.policy_id = "r1"})});

  image_created i{.name = "cirros", .owner = "p1", .disk_format = "qcow2",
                  .container_format = "bare", .visibility = "public", .min_disk = 1,
                  .tags = {"t"}, .properties = {{"os_hidden", "false"}}};
  write(dir, "image-created", {rec<image_machine>(i)});

  user_created u{.name = "alice", .domain_id = "default", .default_project_id = "p1",
                 .email = "a@example.org", .password_hash = "$argon2id$v=19$m=65536,t=2,p=1$x$y"};
  write(dir, "user-created", {rec<user_machine>(u)});

  instance_requested ir{.name = "vm1", .project_id = "p1", .user_id = "u1", .image_id = "i1",
                        .key_name = "k", .metadata = {{"a", "b"}}, .security_groups = {"default"}};
  instance_scheduled is{.host = "host-1", .node = "host-1", .reasons = {{"host-2", "no RAM"}}};
  write(dir, "instance-scheduled", {rec<instance_machine>(ir), rec<instance_machine>(is)});

  // A payload of a newer schema version than the build knows, and an old one
  // (no upcaster is registered: a decode_error).
  auto newer = rec<project_machine>(p);
  newer.event.schema_version = 2;
  auto older = rec<project_machine>(p);
  older.event.schema_version = 0;
  write(dir, "project-versions", {newer, older});
  std::cout << "codec seeds written to " << dir << "\n";
  return 0;
}
