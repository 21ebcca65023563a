// What the metadata service reads of a guest's request head and the answer
// it writes (api/metadata_request): GET and HEAD only, strict and bounded.
#include "api/metadata_request.hpp"

#include <gtest/gtest.h>

namespace cumulo::api {
namespace {

std::string head(const std::string& request_line, const std::string& headers = "Host: x\r\n") {
  return request_line + "\r\n" + headers + "\r\n";
}

TEST(MetadataRequest, GetAndHeadAreServedWithTheirDecodedPath) {
  auto r = parse_metadata_request(head("GET /openstack/latest/meta_data.json HTTP/1.1"));
  ASSERT_TRUE(r.request) << r.why;
  EXPECT_EQ(r.request->path, "/openstack/latest/meta_data.json");
  EXPECT_FALSE(r.request->head);
  EXPECT_FALSE(r.request->http10);

  r = parse_metadata_request(head("HEAD /latest/meta-data/?x=1 HTTP/1.0", ""));
  ASSERT_TRUE(r.request) << r.why;
  EXPECT_TRUE(r.request->head);
  EXPECT_TRUE(r.request->http10) << "HTTP/1.0 needs no Host";
  EXPECT_EQ(r.request->path, "/latest/meta-data/") << "the query is no part of the path";

  r = parse_metadata_request(head("GET /latest/meta%2Ddata/a+b%20c HTTP/1.1"));
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->path, "/latest/meta-data/a+b c") << "'+' is itself in a path";
  r = parse_metadata_request(head("GET /latest/%zz HTTP/1.1"));
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->path, "/latest/%zz") << "not an escape: taken as it is (then a 404)";
  r = parse_metadata_request(head("GET /openstack#frag HTTP/1.1"));
  ASSERT_TRUE(r.request);
  EXPECT_EQ(r.request->path, "/openstack");
}

TEST(MetadataRequest, OtherMethodsAre405) {
  for (const char* m : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT"}) {
    auto r = parse_metadata_request(head(std::string(m) + " /openstack/latest/password HTTP/1.1",
                                         "Host: x\r\nContent-Length: 3\r\n"));
    EXPECT_FALSE(r.request) << m;
    EXPECT_EQ(r.status, 405) << m;
  }
}

TEST(MetadataRequest, MalformedHeadsAre400AndLargeOnes431) {
  for (const std::string& bad :
       {std::string("GET / HTTP/1.1\r\n\r\n"),              // no Host in 1.1
        std::string("GET / HTTP/1.1\nHost: x\n\n"),         // bare LF
        std::string("GET /  HTTP/1.1\r\nHost: x\r\n\r\n"),  // two spaces
        std::string("GET / HTTP/2.0\r\nHost: x\r\n\r\n"),   // another version
        std::string("GET http://169.254.169.254/ HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        std::string("GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n"),       // NUL once decoded
        std::string("GET /a%0d%0aX:y HTTP/1.1\r\nHost: x\r\n\r\n"),  // CRLF once decoded
        std::string("G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n"), std::string("\r\n\r\n")}) {
    auto r = parse_metadata_request(bad);
    EXPECT_FALSE(r.request) << bad;
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.why, nullptr) << bad;
  }
  const auto big = head("GET /" + std::string(metadata_max_head_bytes, 'a') + " HTTP/1.1");
  auto r = parse_metadata_request(big);
  EXPECT_FALSE(r.request);
  EXPECT_EQ(r.status, 431);
  // Just under the limit is fine.
  const std::string line = "GET /";
  const std::string tail = " HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto fits =
      line + std::string(metadata_max_head_bytes - line.size() - tail.size(), 'a') + tail;
  ASSERT_EQ(fits.size(), metadata_max_head_bytes);
  EXPECT_TRUE(parse_metadata_request(fits).request);
}

TEST(MetadataRequest, AnswersSayTheirLengthAndClose) {
  EXPECT_EQ(metadata_http_response(200, "application/json", "{}"),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n{}");
  EXPECT_EQ(metadata_http_response(200, "text/plain", "abc", true, true),
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            "Connection: close\r\n\r\n")
      << "HEAD: the length of the body not sent";
  const auto refused = metadata_error_response(405, "Only GET and HEAD are served here.");
  EXPECT_EQ(refused.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << refused;
  EXPECT_NE(refused.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Only GET and HEAD"), std::string::npos);
  EXPECT_EQ(metadata_error_response(404, "x").rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u);
}

}  // namespace
}  // namespace cumulo::api
