#include "ppio_sandbox/core/network_models.hpp"

#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_sandbox::core {

using nlohmann::json;
namespace jf = json_fields;

void from_json(const json& j, EgressProxy& v) {
  jf::require(j, {"address"}, v.address);
  jf::read(j, {"username"}, v.username);
  jf::read(j, {"password"}, v.password);
}

void to_json(json& j, const EgressProxy& v) {
  j = json{{"address", v.address}};
  jf::write_if(j, "username", v.username);
  jf::write_if(j, "password", v.password);
}

void from_json(const json& j, NetworkConfig& v) {
  if (!j.is_object()) throw json::type_error::create(302, "network must be an object", &j);
  jf::read(j, {"allowPublicTraffic"}, v.allow_public_traffic);
  jf::read(j, {"allowOut"}, v.allow_out);
  jf::read(j, {"denyOut"}, v.deny_out);
  jf::read(j, {"maskRequestHost"}, v.mask_request_host);
  if (const auto* rules = jf::find(j, {"rules"})) v.rules = *rules;
  jf::read(j, {"egressProxy"}, v.egress_proxy);
}

void from_json(const json& j, NetworkUpdate& v) {
  jf::read(j, {"allowOut"}, v.allow_out);
  jf::read(j, {"denyOut"}, v.deny_out);
  if (const auto* rules = jf::find(j, {"rules"})) v.rules = *rules;
  jf::read(j, {"egressProxy"}, v.egress_proxy);
  jf::read(j, {"allow_internet_access"}, v.allow_internet_access);
}

void to_json(json& j, const NetworkConfig& v) {
  j = json::object();
  j["allowPublicTraffic"] = v.allow_public_traffic.value_or(true);
  jf::write_if(j, "allowOut", v.allow_out);
  jf::write_if(j, "denyOut", v.deny_out);
  jf::write_if(j, "maskRequestHost", v.mask_request_host);
  jf::write_if(j, "rules", v.rules);
  if (v.egress_proxy) {
    j["egressProxy"] = json{{"address", v.egress_proxy->address}};
    jf::write_if(j["egressProxy"], "username", v.egress_proxy->username);
  }
}

void to_json(json& j, const NetworkUpdate& v) {
  j = json::object();
  jf::write_if(j, "allowOut", v.allow_out);
  jf::write_if(j, "denyOut", v.deny_out);
  jf::write_if(j, "rules", v.rules);
  jf::write_if(j, "egressProxy", v.egress_proxy);
  // snake_case on the wire, as the contract spells it
  jf::write_if(j, "allow_internet_access", v.allow_internet_access);
}

}  // namespace ppio_sandbox::core
