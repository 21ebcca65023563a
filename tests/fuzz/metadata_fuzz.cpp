// Fuzzes the metadata service's reading of a guest (api/metadata_request)
// and Nova's answers (engine/instance_metadata).
//
// Input: a guest's bytes on one connection. When they hold a request head
// (up to its blank line, api/http_framing's head_end), that head is parsed
// as the service parses it; a request is then answered for a fixed
// instance, as the service answers it. Whatever the input, all of it is
// also a path for render_metadata (any bytes a percent-decoded path could
// hold).
//
// Besides crashes (ASan/UBSan) and exceptions (nothing here may throw), the
// promises are checked: a head is either a request or a refusal with 400,
// 405 or 431 and its reason; a request's path holds no control character;
// an answer is 200 or 404, text/plain or JSON that parses; the bytes on the
// wire say the body's length and close the connection, and a HEAD's carry
// no body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/http_framing.hpp"
#include "api/metadata_request.hpp"
#include "engine/instance_metadata.hpp"

using namespace cumulo;
using namespace cumulo::api;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const instance_metadata& a_guest() {
  static const instance_metadata md = [] {
    instance_metadata m;
    m.uuid = "0192f0a4-5b6c-7d8e-9f01-23456789abcd";
    m.name = "guest";
    m.hostname = "guest";
    m.project_id = "p1";
    m.meta = {{"role", "web"}};
    m.user_data = std::string("#!/bin/sh\n\x00\xff", 12);
    m.key_name = "k";
    m.public_key = "ssh-ed25519 AAAA k@h";
    m.security_groups = {"default"};
    m.floating_ips = {"172.24.4.10"};
    m.volume_devices = {"/dev/vdb"};
    m.random_seed = "c2VlZA==";
    metadata::fixed_address a;
    a.ip_address = "10.0.0.5";
    a.cidr = "10.0.0.0/24";
    a.gateway_ip = "10.0.0.1";
    a.dns_nameservers = {"10.0.0.53"};
    a.host_routes = {{"192.168.0.0/16", "10.0.0.254"}, {"not-a-cidr", "x"}};
    metadata::fixed_address b = a;
    b.ip_address = "fd00::5";
    b.ip_version = 6;
    b.cidr = "fd00::/64";
    b.enable_dhcp = true;
    m.ports.push_back({"port-1", "fa:16:3e:00:00:01", "net-1", 1450, {a, b}});
    return m;
  }();
  return md;
}

metadata_response answered(std::string_view path) {
  const auto r = render_metadata(a_guest(), path);
  check(r.status == 200 || r.status == 404);
  check(r.content_type == "text/plain" || r.content_type == "application/json");
  if (r.content_type == "application/json")
    check(!nlohmann::json::parse(r.body, nullptr, false).is_discarded());
  return r;
}

void wire(const metadata_response& r, bool head_only, bool http10) {
  const auto out = metadata_http_response(r.status, r.content_type, r.body, head_only, http10);
  check(out.rfind(http10 ? "HTTP/1.0 " : "HTTP/1.1 ", 0) == 0);
  check(out.find("\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n") !=
        std::string::npos);
  check(out.find("\r\nConnection: close\r\n") != std::string::npos);
  const auto end = out.find("\r\n\r\n");
  check(end != std::string::npos);
  check(out.size() - (end + 4) == (head_only ? 0 : r.body.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  answered(bytes);

  const auto end = head_end(bytes);
  if (end == std::string_view::npos) return 0;
  const auto parsed = parse_metadata_request(bytes.substr(0, end));
  check(parsed.request.has_value() == (parsed.why == nullptr));
  if (!parsed.request) {
    check(parsed.status == 400 || parsed.status == 405 || parsed.status == 431);
    const auto refusal = metadata_error_response(parsed.status, parsed.why);
    check(refusal.find("Content-Length: ") != std::string::npos);
    return 0;
  }
  check(parsed.status == 0);
  check(end <= metadata_max_head_bytes);
  const auto& req = *parsed.request;
  for (char c : req.path) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  wire(answered(req.path), req.head, req.http10);
  return 0;
}
