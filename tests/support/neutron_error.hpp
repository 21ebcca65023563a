// Neutron's error body as the HTTP tests check it:
// {"NeutronError": {"type", "message", "detail"}}.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/support/keystone_client.hpp"

namespace cumulo {

// The status, the exception's type and (when given) a part of its message.
inline void expect_neutron_error(const http_response& r, int status, const std::string& type,
                                 const std::string& message_part = "") {
  EXPECT_EQ(r.status, status) << r.body;
  auto body = json_of(r);
  ASSERT_TRUE(body.is_object() && body.contains("NeutronError")) << r.body;
  const auto& e = body["NeutronError"];
  EXPECT_EQ(e["type"], type) << r.body;
  ASSERT_TRUE(e["message"].is_string()) << r.body;
  EXPECT_NE(e["message"].get<std::string>().find(message_part), std::string::npos) << r.body;
  EXPECT_TRUE(e.contains("detail")) << r.body;
}

}  // namespace cumulo
