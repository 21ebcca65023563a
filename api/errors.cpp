#include "api/errors.hpp"

namespace cumulo::api {
namespace {

// nova.api.openstack.wsgi.Fault's names; anything else is a computeFault.
const char* nova_fault_key(int status) {
  switch (status) {
    case 400:
      return "badRequest";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "itemNotFound";
    case 405:
      return "badMethod";
    case 409:
      return "conflictingRequest";
    case 413:
      return "overLimit";
    case 415:
      return "badMediaType";
    case 429:
      return "overLimit";
    case 501:
      return "notImplemented";
    case 503:
      return "serviceUnavailable";
    default:
      return "computeFault";
  }
}

// Cinder's Fault names the statuses Nova does, but not 429 (it has no
// rate limiting of its own): that one is a computeFault there too.
const char* cinder_fault_key(int status) {
  return status == 429 ? "computeFault" : nova_fault_key(status);
}

std::string neutron_generic_type(int status) {
  std::string title = status_title(status);
  std::string type = "HTTP";
  for (char c : title)
    if (c != ' ') type += c;
  return type;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0 &&
         (s.size() == prefix.size() || s[prefix.size()] == '/');
}

}  // namespace

const char* status_title(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Request Entity Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

nlohmann::json error_body(service svc, int status, const std::string& message,
                          const std::string& neutron_type) {
  switch (svc) {
    case service::identity:
      return {{"error", {{"code", status}, {"title", status_title(status)}, {"message", message}}}};
    case service::compute:
      return {{nova_fault_key(status), {{"code", status}, {"message", message}}}};
    case service::network:
      return {{"NeutronError",
               {{"type", neutron_type.empty() ? neutron_generic_type(status) : neutron_type},
                {"message", message},
                {"detail", ""}}}};
    case service::image:
      return {{"code", status}, {"title", status_title(status)}, {"message", message}};
    case service::volume:
      return {{cinder_fault_key(status), {{"code", status}, {"message", message}}}};
  }
  return {};
}

nlohmann::json error_body(service svc, const domain_error& e, const std::string& neutron_type) {
  return error_body(svc, status_of(e), e.message, neutron_type.empty() ? e.type : neutron_type);
}

int status_of(const domain_error& e) {
  return http_status(e.code);
}

service service_of_path(const std::string& path) {
  if (starts_with(path, "/compute")) return service::compute;
  if (starts_with(path, "/image")) return service::image;
  if (starts_with(path, "/networking")) return service::network;
  if (starts_with(path, "/volume")) return service::volume;
  return service::identity;
}

}  // namespace cumulo::api
