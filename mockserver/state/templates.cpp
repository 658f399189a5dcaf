#include "mockserver/state/templates.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "mockserver/state/default_templates.hpp"

namespace ppio_mock::state {

namespace {

TemplateRuntime runtime_of(const nlohmann::json& j) {
  TemplateRuntime r;
  if (!j.is_object()) return r;
  if (const auto it = j.find("defaultUser"); it != j.end()) {
    r.default_user = it->get<std::string>();
    if (r.default_user != "user" && r.default_user != "root") {
      throw std::invalid_argument("bad templates JSON: defaultUser must be \"user\" or \"root\", not \"" +
                                  r.default_user + "\"");
    }
  }
  if (const auto it = j.find("maxProcesses"); it != j.end()) {
    const auto n = it->get<std::int64_t>();
    if (n < 1 || n > 1 << 22) throw std::invalid_argument("bad templates JSON: maxProcesses must be 1 to 4194304");
    r.max_processes = static_cast<std::uint32_t>(n);
  }
  return r;
}

}  // namespace

TemplateCatalog::TemplateCatalog(std::vector<TemplateInfo> templates, std::vector<TemplateRuntime> runtimes)
    : templates_(std::move(templates)), runtimes_(std::move(runtimes)) {
  runtimes_.resize(templates_.size());
}

TemplateCatalog TemplateCatalog::defaults() { return from_json_text(kDefaultTemplatesJson); }

TemplateCatalog TemplateCatalog::from_json_text(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    std::vector<TemplateRuntime> runtimes;
    if (j.is_array()) {
      for (const auto& t : j) runtimes.push_back(runtime_of(t));
    }
    return TemplateCatalog(j.get<std::vector<TemplateInfo>>(), std::move(runtimes));
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("bad templates JSON: ") + e.what());
  }
}

TemplateCatalog TemplateCatalog::from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read templates file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return from_json_text(text.str());
}

const TemplateRuntime& TemplateCatalog::runtime(const std::string& reference) const {
  static const TemplateRuntime defaults;
  const auto* t = find(reference);
  return t == nullptr ? defaults : runtimes_[static_cast<std::size_t>(t - templates_.data())];
}

const TemplateInfo* TemplateCatalog::find(const std::string& reference) const {
  const std::string name = reference.substr(0, reference.find(':'));
  for (const auto& t : templates_) {
    if (t.template_id == name) return &t;
    for (const auto& alias : t.aliases) {
      if (alias == name) return &t;
    }
  }
  return nullptr;
}

}  // namespace ppio_mock::state
