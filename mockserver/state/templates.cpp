#include "mockserver/state/templates.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "mockserver/state/default_templates.hpp"

namespace ppio_mock::state {

TemplateCatalog::TemplateCatalog(std::vector<TemplateInfo> templates) : templates_(std::move(templates)) {}

TemplateCatalog TemplateCatalog::defaults() { return from_json_text(kDefaultTemplatesJson); }

TemplateCatalog TemplateCatalog::from_json_text(const std::string& text) {
  try {
    return TemplateCatalog(nlohmann::json::parse(text).get<std::vector<TemplateInfo>>());
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
