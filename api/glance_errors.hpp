// Glance's errors as its clients read them. Glance (webob) answers an error
// as an HTML page unless the client prefers JSON: python-glanceclient sends
// `Accept: */*` and reads the page (a JSON error is only readable to it as
// {key: {"message": ...}}, which Glance's {"code", "title", "message"} is
// not: it crashed on every error, issue 18), openstacksdk and the dashboard
// ask for JSON. Pure text functions: the HTTP framing fuzz target runs them.
#pragma once

#include <string>
#include <string_view>

namespace cumulo::api {

// Whether an Accept header prefers JSON to HTML, as webob decides between
// its two error bodies: by q-values, a named type over a wildcard, HTML on
// a tie and when there is no header. At most 64 media ranges are read.
bool prefers_json(std::string_view accept);

// webob's error page for `status` ("404 Not Found"), with the message of the
// JSON error body `json_error` (Glance's {"code", "title", "message"}) as
// its explanation, HTML-escaped.
std::string glance_error_page(int status, const std::string& json_error);

}  // namespace cumulo::api
