#pragma once
// The templates sandboxes start from, found by id or alias.
#include <string>
#include <vector>

#include "ppio_sandbox/core/api_models.hpp"

namespace ppio_mock::state {

using ppio_sandbox::core::TemplateInfo;

class TemplateCatalog {
 public:
  explicit TemplateCatalog(std::vector<TemplateInfo> templates);
  // fixtures/templates.json, compiled in.
  static TemplateCatalog defaults();
  // A JSON array of templates in the wire shape; throws std::invalid_argument.
  static TemplateCatalog from_json_text(const std::string& text);
  static TemplateCatalog from_file(const std::string& path);

  // By template id or alias; a ":tag" suffix is ignored. Null when unknown.
  const TemplateInfo* find(const std::string& reference) const;
  const std::vector<TemplateInfo>& all() const { return templates_; }

 private:
  std::vector<TemplateInfo> templates_;
};

}  // namespace ppio_mock::state
