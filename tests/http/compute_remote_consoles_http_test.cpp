// Nova's remote consoles on a real `cumulo serve`: a serial console's URL
// from POST /servers/{id}/remote-consoles (and the 2.1 action), opened as
// a WebSocket through cumulo's console proxy, which streams the console log
// of a test-hypervisor server as it grows; Nova's refusals; what the proxy
// refuses (bad tokens, a foreign Origin, broken handshakes); and
// os-console-auth-tokens for admins.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/compute_servers_support.hpp"
#include "tests/support/websocket_client.hpp"

namespace cumulo {
namespace {

using nlohmann::json;

struct console_address {
  int port = 0;
  std::string target;  // "/?token=..."
  std::string token;
};

console_address address_of(const std::string& url) {
  std::smatch m;
  static const std::regex ws(R"(^ws://127\.0\.0\.1:(\d+)(/\?token=([0-9a-f-]+))$)");
  if (!std::regex_match(url, m, ws)) return {};
  return {std::stoi(m[1]), m[2], m[3]};
}

class RemoteConsoles : public servers_test {
 protected:
  http_response console(const std::string& token, const std::string& id, const json& body,
                        const std::string& version = "2.6") {
    return compute("POST", "/servers/" + id + "/remote-consoles", token, body, version);
  }
  static json serial() {
    return {{"remote_console", {{"protocol", "serial"}, {"type", "serial"}}}};
  }

  // A member's ACTIVE server and its serial console's address.
  std::string active_server(const std::string& token, const std::string& name) {
    const auto net = make_network(token, name + "-net");
    const auto id = boot(token, name, net);
    EXPECT_EQ(settle(token, id).value("status", ""), "ACTIVE");
    return id;
  }
  console_address serial_console(const std::string& token, const std::string& id) {
    auto r = console(token, id, serial());
    EXPECT_EQ(r.status, 200) << r.body;
    const auto c = json_of(r)["remote_console"];
    EXPECT_EQ(c["protocol"], "serial");
    EXPECT_EQ(c["type"], "serial");
    auto a = address_of(c.value("url", ""));
    EXPECT_GT(a.port, 0) << r.body;
    return a;
  }
};

TEST_F(RemoteConsoles, ASerialConsoleStreamsTheServersConsoleAsItGrows) {
  auto m = make_member("sol");
  const auto id = active_server(m.token, "vm");
  const auto a = serial_console(m.token, id);
  ASSERT_GT(a.port, 0);

  websocket_client ws(a.port);
  const auto head = ws.open(a.target, {"binary"});
  ASSERT_EQ(head.rfind("HTTP/1.1 101", 0), 0u) << head;
  EXPECT_NE(head.find("Sec-WebSocket-Protocol: binary"), std::string::npos) << head;
  // What the test hypervisor's guest "says" on its serial port.
  const auto seen = ws.read_until("login prompt");
  EXPECT_NE(seen.find("cumulo: domain instance-" + id), std::string::npos) << seen;
  EXPECT_NE(seen.find("login prompt"), std::string::npos) << seen;

  // A ping is answered; a keystroke is taken (the port has no input) and
  // the console stays open.
  ws.send(9, "are you there");
  auto pong = ws.read();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, 10);
  EXPECT_EQ(pong->payload, "are you there");
  ws.send(2, "root\r");

  // The console follows the log: a stop shows up on the open console.
  ASSERT_EQ(compute("POST", "/servers/" + id + "/action", m.token, {{"os-stop", nullptr}}).status,
            202);
  const auto more = ws.read_until("domain powered off");
  EXPECT_NE(more.find("domain powered off"), std::string::npos) << more;

  ws.send(8, std::string("\x03\xe8", 2));
  auto closed = ws.read();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->opcode, 8);
}

TEST_F(RemoteConsoles, NovasRefusals) {
  auto m = make_member("nia");
  const auto id = active_server(m.token, "vm");
  // remote-consoles is 2.6's.
  EXPECT_EQ(console(m.token, id, serial(), "2.5").status, 404);
  // The body's schema, and Nova's pairs of protocol and type.
  EXPECT_EQ(console(m.token, id, {{"remote_console", {{"protocol", "telnet"}, {"type", "serial"}}}})
                .status,
            400);
  EXPECT_EQ(console(m.token, id, {{"remote_console", {{"protocol", "vnc"}}}}).status, 400);
  expect_nova_error(
      console(m.token, id, {{"remote_console", {{"protocol", "vnc"}, {"type", "serial"}}}}), 400,
      "Invalid console type serial");
  EXPECT_EQ(
      console(m.token, id, {{"remote_console", {{"protocol", "mks"}, {"type", "webmks"}}}}).status,
      400)
      << "mks is 2.8's";
  // The test hypervisor runs no VNC server; nothing here speaks SPICE or RDP.
  expect_nova_error(
      console(m.token, id, {{"remote_console", {{"protocol", "vnc"}, {"type", "novnc"}}}}), 400,
      "Unavailable console type novnc.");
  expect_nova_error(
      console(m.token, id, {{"remote_console", {{"protocol", "spice"}, {"type", "spice-html5"}}}}),
      400, "Unavailable console type spice-html5.");
  // Another project's member does not see the server.
  auto other = make_member("otto");
  EXPECT_EQ(console(other.token, id, serial()).status, 404);
  EXPECT_EQ(console(m.token, "00000000-0000-0000-0000-000000000000", serial()).status, 404);

  // The 2.1 action answers {"console": {type, url}} and is gone from 2.6.
  auto legacy = compute("POST", "/servers/" + id + "/action", m.token,
                        {{"os-getSerialConsole", {{"type", "serial"}}}}, "2.1");
  ASSERT_EQ(legacy.status, 200) << legacy.body;
  EXPECT_EQ(json_of(legacy)["console"]["type"], "serial");
  EXPECT_GT(address_of(json_of(legacy)["console"].value("url", "")).port, 0) << legacy.body;
  EXPECT_EQ(compute("POST", "/servers/" + id + "/action", m.token,
                    {{"os-getSerialConsole", {{"type", "serial"}}}}, "2.6")
                .status,
            404);
  EXPECT_EQ(compute("POST", "/servers/" + id + "/action", m.token,
                    {{"os-getVNCConsole", {{"type", "serial"}}}}, "2.1")
                .status,
            400);
  expect_nova_error(compute("POST", "/servers/" + id + "/action", m.token,
                            {{"os-getVNCConsole", {{"type", "novnc"}}}}, "2.1"),
                    400, "Unavailable console type novnc.");

  // A stopped server has no console.
  ASSERT_EQ(compute("POST", "/servers/" + id + "/action", m.token, {{"os-stop", nullptr}}).status,
            202);
  ASSERT_EQ(settle(m.token, id).value("status", ""), "SHUTOFF");
  expect_nova_error(console(m.token, id, serial()), 409, "Instance " + id + " is not ready");
}

TEST_F(RemoteConsoles, TheProxyRefusesWhatIsNotAConsoleRequest) {
  auto m = make_member("pia");
  const auto id = active_server(m.token, "vm");
  const auto a = serial_console(m.token, id);
  ASSERT_GT(a.port, 0);
  auto status = [&](const std::string& target, const std::vector<std::string>& protocols = {},
                    const std::string& origin = "", const std::string& version = "13") {
    websocket_client ws(a.port);
    const auto answer = ws.open(target, protocols, origin, version);
    return std::make_pair(status_of_response(answer), answer);
  };
  // A token nobody was given, none, or one that is not a token's text.
  auto [unknown, unknown_body] = status("/?token=0f0e0d0c-0000-4000-8000-000000000000");
  EXPECT_EQ(unknown, 403);
  EXPECT_NE(unknown_body.find("\"forbidden\""), std::string::npos) << unknown_body;
  EXPECT_EQ(status("/").first, 403);
  EXPECT_EQ(status("/?token=<script>").first, 403);
  // A page of another host (a browser's Origin) may not use a token.
  EXPECT_EQ(status(a.target, {"binary"}, "http://evil.example").first, 403);
  EXPECT_EQ(status(a.target, {"binary"}, "http://127.0.0.1:8080").first, 101);
  // The WebSocket version and the protocol the console speaks.
  auto [old_version, old_body] = status(a.target, {}, "", "8");
  EXPECT_EQ(old_version, 426);
  EXPECT_NE(old_body.find("Sec-WebSocket-Version: 13"), std::string::npos) << old_body;
  EXPECT_EQ(status(a.target, {"base64"}).first, 400);
  EXPECT_EQ(status(a.target).first, 101) << "no protocol asked: binary all the same";
  {
    websocket_client ws(a.port);
    ws.send_raw("GET / HTTP/1.1\r\nHost: x\r\n" + std::string(9000, 'a') + "\r\n\r\n");
    EXPECT_EQ(status_of_response(ws.read_head()), 431);
  }
  {
    websocket_client ws(a.port);
    ws.send_raw("POST /?token=" + a.token + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(status_of_response(ws.read_head()), 400);
  }
  // A text message that is not UTF-8 ends the console with 1007.
  {
    websocket_client ws(a.port);
    ASSERT_EQ(status_of_response(ws.open(a.target, {"binary"})), 101);
    ws.send(1, "\xff\xfe");
    std::optional<ws_message> msg;
    while ((msg = ws.read()) && msg->opcode != 8) {
    }
    ASSERT_TRUE(msg);
    ASSERT_GE(msg->payload.size(), 2u);
    EXPECT_EQ((static_cast<unsigned char>(msg->payload[0]) << 8) |
                  static_cast<unsigned char>(msg->payload[1]),
              1007);
  }
  // A deleted server's token leads nowhere.
  ASSERT_EQ(compute("DELETE", "/servers/" + id, m.token).status, 204);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (compute("GET", "/servers/" + id, m.token).status != 404 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(status(a.target, {"binary"}).first, 101);
}

TEST_F(RemoteConsoles, AdminsReadWhereATokenLeads) {
  auto m = make_member("tia");
  const auto id = active_server(m.token, "vm");
  const auto a = serial_console(m.token, id);
  ASSERT_FALSE(a.token.empty());
  const auto path = "/os-console-auth-tokens/" + a.token;
  EXPECT_EQ(compute("GET", path, m.token, nullptr, "2.31").status, 403);
  auto shown = compute("GET", path, admin_token, nullptr, "2.31");
  ASSERT_EQ(shown.status, 200) << shown.body;
  const auto c = json_of(shown)["console"];
  EXPECT_EQ(c["instance_uuid"], id);
  EXPECT_EQ(c["host"], "compute-1");
  EXPECT_TRUE(c["internal_access_path"].is_null());
  // Before 2.31 Nova shows RDP consoles' tokens only.
  EXPECT_EQ(compute("GET", path, admin_token, nullptr, "2.30").status, 400);
  expect_nova_error(compute("GET", "/os-console-auth-tokens/nope", admin_token, nullptr, "2.31"),
                    404, "Token not found");
}

}  // namespace
}  // namespace cumulo
