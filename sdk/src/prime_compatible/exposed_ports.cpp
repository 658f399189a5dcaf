// Prime's port models (ExposePortRequest, ExposedPort, ListExposedPortsResponse).
#include "ppio_sandbox/core/json_fields.hpp"
#include "ppio_sandbox/prime_compatible/models.hpp"

namespace ppio_sandbox::prime_compatible {

using nlohmann::json;
namespace jf = core::json_fields;

namespace {

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

void to_json(json& j, const ExposePortRequest& v) {
  // Prime's body: {port, protocol}, plus name when given.
  j = json{{"port", v.port}, {"protocol", v.protocol}};
  jf::write_if(j, "name", v.name);
}

void from_json(const json& j, ExposePortRequest& v) {
  v = {};
  jf::require(j, {"port"}, v.port);
  jf::read(j, {"name"}, v.name);
  jf::read(j, {"protocol"}, v.protocol);
}

void to_json(json& j, const ExposedPort& v) {
  j = json{{"exposure_id", v.exposure_id},
           {"sandbox_id", v.sandbox_id},
           {"port", v.port},
           {"name", or_null(v.name)},
           {"url", v.url},
           {"tls_socket", v.tls_socket},
           {"protocol", or_null(v.protocol)},
           {"external_port", or_null(v.external_port)},
           {"external_endpoint", or_null(v.external_endpoint)},
           {"created_at", or_null(v.created_at)}};
}

void from_json(const json& j, ExposedPort& v) {
  v = {};
  jf::require(j, {"exposure_id"}, v.exposure_id);
  jf::require(j, {"sandbox_id"}, v.sandbox_id);
  jf::require(j, {"port"}, v.port);
  // Prime declares name without a default: the key must be there, null or not.
  if (!j.contains("name")) {
    throw json::out_of_range::create(403, "missing required field 'name'", &j);
  }
  jf::read(j, {"name"}, v.name);
  jf::require(j, {"url"}, v.url);
  jf::require(j, {"tls_socket"}, v.tls_socket);
  jf::read(j, {"protocol"}, v.protocol);
  jf::read(j, {"external_port"}, v.external_port);
  jf::read(j, {"external_endpoint"}, v.external_endpoint);
  jf::read(j, {"created_at"}, v.created_at);
}

void to_json(json& j, const ListExposedPortsResponse& v) { j = json{{"exposures", v.exposures}}; }

void from_json(const json& j, ListExposedPortsResponse& v) {
  v = {};
  jf::require(j, {"exposures"}, v.exposures);
}

}  // namespace ppio_sandbox::prime_compatible
