// What the steps of one scenario share while it runs: the cloud's address,
// who the steps act as, the named references (vm1 -> its server), and the
// REST helpers every verb uses. Threads of `parallel` share one session.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/scenario_file.hpp"
#include "cli/scenario_http.hpp"

namespace cumulo::cli {

class child_cloud;

using json = nlohmann::json;

// A step that did not do what it should: what was expected, what came.
struct step_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct credentials {
  std::string username;
  std::string password;
  std::string project;
  std::string domain = "Default";
};

// A named reference: the resource's kind and its last known body.
struct reference {
  std::string kind;
  json body;
};

// Where a kind of resource lives in the REST API.
struct kind_info {
  std::string collection;  // path of the collection, e.g. /compute/v2.1/servers
  std::string list;        // path of the detailed list
  std::string one;         // the body key of one ("" : the body is the resource)
  std::string many;        // the body key of a list
  // The stream of one in the event log, `<stream>/<id>` (an instance's is
  // instance/<id>); "" for a kind kept in another's stream (a subnet, a
  // port) or under another id.
  std::string stream;
};
const kind_info& kind_of(const std::string& kind);  // throws step_failure when unknown
// The kinds wait/expect/delete name, in the order they are looked for.
const std::vector<std::string>& kind_names();

// Variables of one pass of a repeat or parallel body (${i}).
using variables = std::map<std::string, std::string>;

class session {
 public:
  session(std::string url, credentials admin, child_cloud* cloud);

  // --- who acts ---
  void act_as(const credentials& c);  // authenticates (tokens are cached)
  void act_as_admin() { act_as(admin_); }
  const credentials& admin() const { return admin_; }
  std::string token_for(const credentials& c);  // authenticates once per user and project
  // A call with the admin's token, whoever the steps act as (faults).
  http_reply as_admin(const std::string& method, const std::string& path, const json& body);
  std::string token();
  void remember_password(const std::string& user, const std::string& password);
  std::string password_of(const std::string& user);

  // --- REST ---
  // `expect_http` 0: any 2xx is success; else that status is. A failure
  // throws step_failure with the status and the service's error message.
  http_reply call(const std::string& method, const std::string& path, const json& body = nullptr,
                  int expect_http = 0, const std::map<std::string, std::string>& headers = {});
  http_reply raw(const std::string& method, const std::string& path, const std::string& body,
                 const std::map<std::string, std::string>& headers);

  // --- references ---
  void put_ref(const std::string& name, const std::string& kind, const json& body);
  bool has_ref(const std::string& name);
  reference get_ref(const std::string& name);  // throws step_failure when unknown
  // A resource's id from a reference name, else by its name through the
  // kind's list (?name=), else the text itself (an id).
  std::string resolve(const std::string& kind, const std::string& text);

  // --- values ---
  // A verb's YAML value as JSON, every ${ref.field} and ${var} replaced.
  json value_of(const YAML::Node& node, const variables& vars);
  std::string substitute(const std::string& text, const variables& vars);

  child_cloud* cloud() { return cloud_; }  // null against a running cloud (--url)
  std::string url() const;

 private:
  std::string url_;
  credentials admin_;
  child_cloud* cloud_;
  std::mutex m_;
  std::string token_;
  std::map<std::string, std::string> tokens_;  // user|project -> token
  std::map<std::string, reference> refs_;
  std::map<std::string, std::string> passwords_;
};

// A field of a JSON body by a dotted path ("fault.message",
// "addresses.private.0.addr"); null when absent.
json field_at(const json& body, const std::string& path);
std::string text_of(const json& v);  // strings bare, the rest as JSON

// Runs one step (and, for repeat and parallel, its body); returns a short
// note for the output line, throws step_failure.
std::string run_step(session& s, const scenario_step& step, const variables& vars);

// The verbs, by family (scenario_verbs.cpp, scenario_checks.cpp,
// scenario_flow.cpp); each returns the note of its output line.
using verb_fn =
    std::function<std::string(session&, const scenario_step&, const json&, const variables&)>;
const std::map<std::string, verb_fn>& resource_verbs();
const std::map<std::string, verb_fn>& check_verbs();
const std::map<std::string, verb_fn>& flow_verbs();

// Polls until `done` is true or `within` passes; `done` throws to give up.
bool poll_until(std::chrono::duration<double> within, const std::function<bool()>& done);

}  // namespace cumulo::cli
