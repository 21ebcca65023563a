// The framing that streams upload bodies past Pistache: request heads,
// Content-Length and chunked bodies fed in any pieces, malformed input.
#include <gtest/gtest.h>

#include <vector>

#include "api/http_framing.hpp"

namespace cumulo::api {
namespace {

TEST(HttpFraming, ParsesARequestHead) {
  const std::string text =
      "PUT /image/v2/images/x/file?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
      "X-Auth-Token:  tok \r\n\r\n";
  EXPECT_EQ(head_end(text), text.size());
  EXPECT_EQ(head_end("GET / HTTP/1.1\r\nHost: h\r\n"), std::string::npos);
  auto h = parse_request_head(text);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->method, "PUT");
  EXPECT_EQ(h->path, "/image/v2/images/x/file");
  EXPECT_EQ(h->target, "/image/v2/images/x/file?a=1");
  EXPECT_EQ(h->header("x-auth-token"), "tok");
  EXPECT_EQ(body_framing::of(*h)->declared_length(), 5u);
  EXPECT_FALSE(parse_request_head("garbage\r\n\r\n"));
}

TEST(HttpFraming, DropsHeaderLinesWithoutAValue) {
  EXPECT_EQ(head_for_pistache("PATCH /x HTTP/1.1\r\nAccept: \r\nHost: h\r\n\r\n", "/x"),
            "PATCH /x HTTP/1.1\r\nHost: h\r\n\r\n");
}

// Issue 18: Pistache keeps one value of a repeated query key, so the raw
// query goes to the routes in a header of ours; a client's own copy of that
// header is dropped, never believed.
TEST(HttpFraming, PistacheGetsTheRawQueryInAHeaderTheClientCannotForge) {
  EXPECT_EQ(head_for_pistache("GET /n?fields=id&fields=name HTTP/1.1\r\nHost: h\r\n"
                              "x-cumulo-query: id=forged\r\nAccept: \r\n\r\n",
                              "/n?fields=id&fields=name"),
            "GET /n?fields=id&fields=name HTTP/1.1\r\nHost: h\r\n"
            "X-Cumulo-Query: fields=id&fields=name\r\n\r\n");
  EXPECT_EQ(head_for_pistache("GET /n HTTP/1.1\r\nX-Cumulo-Query: a=1\r\n\r\n", "/n"),
            "GET /n HTTP/1.1\r\n\r\n");
}

// Nova's legacy /compute/v2 is served by v2.1's routes at 2.1: the path is
// rewritten and microversion headers are dropped; other paths stay.
TEST(HttpFraming, NovasLegacyV2IsV21WithoutMicroversions) {
  EXPECT_EQ(head_for_pistache("GET /compute/v2/servers HTTP/1.1\r\nHost: h\r\n"
                              "OpenStack-API-Version: compute 2.60\r\n"
                              "X-OpenStack-Nova-API-Version: 2.60\r\n\r\n",
                              "/compute/v2/servers"),
            "GET /compute/v2.1/servers HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(head_for_pistache("GET /compute/v2 HTTP/1.1\r\n\r\n", "/compute/v2"),
            "GET /compute/v2.1 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(head_for_pistache("GET /compute/v2?x=1 HTTP/1.1\r\n\r\n", "/compute/v2?x=1"),
            "GET /compute/v2.1?x=1 HTTP/1.1\r\nX-Cumulo-Query: x=1\r\n\r\n");
  const std::string v21 =
      "GET /compute/v2.1/servers HTTP/1.1\r\nOpenStack-API-Version: compute 2.60\r\n\r\n";
  EXPECT_EQ(head_for_pistache(v21, "/compute/v2.1/servers"), v21);
  EXPECT_EQ(head_for_pistache("GET /compute/v20 HTTP/1.1\r\n\r\n", "/compute/v20"),
            "GET /compute/v20 HTTP/1.1\r\n\r\n");
}

// Feeds `wire` in pieces of `step` bytes; returns the body and how many
// bytes belonged to it.
std::pair<std::string, std::size_t> feed(body_framing f, const std::string& wire, std::size_t step) {
  std::string body;
  std::size_t used = 0;
  for (std::size_t at = 0; at < wire.size() && !f.done() && !f.failed(); at += step) {
    const std::size_t n = std::min(step, wire.size() - at);
    used += f.feed(wire.data() + at, n, [&](const char* p, std::size_t k) { body.append(p, k); });
  }
  EXPECT_TRUE(f.done());
  return {body, used};
}

TEST(HttpFraming, ContentLengthBodiesEndWhereTheyShould) {
  for (std::size_t step : {1u, 3u, 100u}) {
    auto [body, used] = feed(body_framing::of_length(5), "helloGET / HTTP/1.1", step);
    EXPECT_EQ(body, "hello");
    EXPECT_EQ(used, 5u);
  }
}

TEST(HttpFraming, ChunkedBodiesWithExtensionsAndTrailersInAnyPieces) {
  const std::string wire = "3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\nNEXT";
  for (std::size_t step : {1u, 2u, 7u, 1000u}) {
    auto [body, used] = feed(body_framing::chunked(), wire, step);
    EXPECT_EQ(body, "abc0123456789");
    EXPECT_EQ(used, wire.size() - 4);
  }
}

TEST(HttpFraming, MalformedChunksFail) {
  for (const std::string& wire :
       std::vector<std::string>{"zz\r\nabc\r\n", "3\r\nabcX\r\n", std::string(5000, '1')}) {
    auto f = body_framing::chunked();
    f.feed(wire.data(), wire.size(), [](const char*, std::size_t) {});
    EXPECT_TRUE(f.failed()) << wire.substr(0, 20);
  }
  request_head both;
  both.headers = {{"content-length", "3"}, {"transfer-encoding", "chunked"}};
  EXPECT_FALSE(body_framing::of(both));
  request_head bad;
  bad.headers = {{"content-length", "3x"}};
  EXPECT_FALSE(body_framing::of(bad));
}

// Issue 22, item 9: what two parsers could read two ways is refused.
TEST(HttpFraming, RefusesHeadsTwoParsersWouldReadDifferently) {
  const std::vector<std::string> bad = {
      "GET /v3 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 0\r\n\r\n",
      "GET /v3 HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n",
      "GET /v3 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET /v3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET /v3 HTTP/1.1\nHost: x\n\n",
      "GET /v3 HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
      "GET /v3 HTTP/1.1\r\nHost : x\r\n\r\n",
      "GET /v3 HTTP/1.1\r\nHo(st: x\r\n\r\n",
      "GET /v3 HTTP/1.1\r\nX: a\x01b\r\n\r\n",
      "GET /v3\r\n\r\n",
      "GET  /v3 HTTP/1.1\r\n\r\n",
      "GET /v3 HTTP/1.1 x\r\n\r\n",
      "GET /v3 HTTP/2.0\r\n\r\n",
      "GET v3 HTTP/1.1\r\n\r\n",
      "G\"T /v3 HTTP/1.1\r\n\r\n",
      "\r\n\r\n",
  };
  for (const auto& head : bad) {
    auto p = parse_request_head_why(head);
    EXPECT_FALSE(p.head) << head;
    EXPECT_NE(p.why, nullptr) << head;
  }
  auto list = parse_request_head("GET /v3 HTTP/1.1\r\nAccept: a\r\nAccept: b\r\n\r\n");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->header("accept"), "a, b") << "a list header repeated is one list";
}

TEST(HttpFraming, AContentLengthIsDigitsOnly) {
  for (const char* bad : {"-1", "+5", "0x10", " 5 5", "99999999999999999999",
                          "18446744073709551615", "4611686018427387905", ""}) {
    request_head h;
    h.headers = {{"content-length", bad}};
    if (std::string(bad).empty()) continue;  // no header at all: an empty body
    EXPECT_FALSE(body_framing::of(h)) << bad;
  }
  request_head ok;
  ok.headers = {{"content-length", "4611686018427387904"}};
  ASSERT_TRUE(body_framing::of(ok));
  EXPECT_EQ(*body_framing::of(ok)->declared_length(), max_content_length);
}

TEST(HttpFraming, TheEndOfAHeadIsFoundFromWhereTheSearchStopped) {
  std::string buffer = "GET / HTTP/1.1\r\nHost: x\r\n\r";
  EXPECT_EQ(head_end(buffer, 0), std::string::npos);
  const std::size_t searched = buffer.size();
  buffer += "\n";
  EXPECT_EQ(head_end(buffer, searched), buffer.size()) << "a CRLFCRLF split across two reads";
  EXPECT_EQ(head_end("GET / HTTP/1.1\nHost: x\n\n"), 24u) << "bare LFs end a head too";
}

}  // namespace
}  // namespace cumulo::api
