// What the console proxy reads of a client's opening request beyond the
// WebSocket handshake (api/websocket.hpp): the token of its query and
// whether a browser's Origin may use it. Pure, and fuzzed with the
// handshake (tests/fuzz/websocket_fuzz.cpp).
#pragma once

#include <string>

namespace cumulo::api {

// The value of "token=" in a request's query (as sent, not decoded); ""
// when there is none or it is not a token's text (a UUID's characters, at
// most 64 of them): nothing else is ever looked up.
std::string console_token_of(const std::string& query);

// The host part of an authority ("[::1]:80" -> "::1", "A.b:80" -> "a.b").
std::string authority_host(const std::string& authority);

// Whether a request with this Origin (as sent; "" for clients that are not
// browsers, which may) and Host may open a console: a browser's page must
// be of the host the request was sent to, over http or https, as Nova's
// proxy checks, so a page elsewhere cannot use a token it got hold of.
bool console_origin_allowed(const std::string& origin, const std::string& host);

}  // namespace cumulo::api
