#pragma once
// The edge of envd: which sandbox a request reaches (the E2b-Sandbox-Id,
// Novita-Sandbox-Id or PPIO-Sandbox-Id header, the Host 49983-<id>.<domain>, or the path prefix
// /envd/<id>/), whether it may (running, access token), and as which user.
// Everything here runs before a handler; its refusals are EdgeReply (the
// proxy's or the auth middleware's answer) or FsError (envd's own).
#include <memory>
#include <optional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/envd/sandbox_dirs.hpp"
#include "mockserver/exec/sandbox_fs.hpp"
#include "mockserver/exec/users.hpp"
#include "mockserver/state/registry.hpp"
#include "ppio_sandbox/core/connect.hpp"

namespace ppio_mock::envd {

// The sandbox id an envd request names (header, Host or /envd/<id>/ prefix), or nullopt.
std::optional<std::string> routed_sandbox_id(const httplib::Request& req);
// POST /files (plain or prefixed): the one route whose body may exceed the control plane's limit.
bool is_file_upload(const httplib::Request& req);
// GET /files (plain or prefixed): the one route that serves a Range.
bool is_file_download(const httplib::Request& req);

// An answer the edge proxy or envd's auth middleware gives before any handler runs.
struct EdgeReply {
  int status;
  nlohmann::json body;
};

// 502 {"sandboxId","message":"The sandbox was not found","code":502}: E2B's proxy for an unknown or killed sandbox.
EdgeReply sandbox_not_found(const std::string& id);

// 403 when the sandbox's URLs need its traffic access token (network.allowPublicTraffic
// false) and the request lacks it, as E2B's proxy answers. For port traffic: envd (49983)
// is guarded by the envd access token instead.
std::optional<EdgeReply> traffic_token_refusal(const state::SandboxRecord& record, const httplib::Request& req);

// What one admitted envd request works on.
struct Call {
  state::SandboxRecord record;
  std::string id;  // the sandbox id without a client suffix
  std::shared_ptr<exec::SandboxFs> fs;
  exec::SandboxUser user = exec::default_user();  // who the call runs as; user.home resolves relative paths
};

class Edge {
 public:
  Edge(state::Registry& registry, SandboxDirs& dirs) : registry_(registry), dirs_(dirs) {}

  // The running sandbox the request reaches, its access token checked when
  // `token_required` (or when the client sent one anyway). A paused one is
  // resumed when it has autoResume, else refused (409). Throws EdgeReply.
  Call admit(const httplib::Request& req, bool token_required) const;
  // admit, then the user an HTTP call names in its `username` query (else the template's default user).
  Call admit_http(const httplib::Request& req, bool token_required) const;
  // admit_http for GET and POST /files, which envd lets through without the access token
  // when the request is signed: on a secure sandbox a request without X-Access-Token must
  // carry a valid `signature` for `operation` ("read" or "write"), unexpired when it has a
  // `signature_expiration` (on the fake's clock). Throws EdgeReply (401, envd's messages).
  Call admit_files(const httplib::Request& req, const char* operation) const;
  // admit (token required), then the user an RPC names in Basic auth (else the template's default user).
  Call admit_rpc(const httplib::Request& req) const;
  // The sandbox by id, resumed if paused with autoResume (else EdgeReply 409);
  // nullopt when gone.
  std::optional<state::SandboxRecord> reach(const std::string& id) const;

 private:
  // Runs the call as `name` ("": the template's default user); unknown users are unauthenticated.
  void run_as(Call& call, const std::string& name) const;
  void check_signature(const httplib::Request& req, const char* operation, const std::string& token) const;

  state::Registry& registry_;
  SandboxDirs& dirs_;
};

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
// envd's HTTP error shape: {"code": status, "message": "..."}.
void send_http_error(httplib::Response& res, int status, const std::string& message);
// The HTTP status /files answers for a filesystem error.
int http_status_for_files(ppio_sandbox::core::connect::Code code);

}  // namespace ppio_mock::envd
