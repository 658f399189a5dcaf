#pragma once
// The templates sandboxes start from, found by id or alias.
#include <cstdint>
#include <string>
#include <vector>

#include "ppio_sandbox/core/api_models.hpp"

namespace ppio_mock::state {

using ppio_sandbox::core::TemplateInfo;

// What the fake reads from a template beyond the API's shape (fields the API
// does not return): who a command runs as when the call names nobody, and how
// many processes one sandbox may have at once. Its memory limit is memoryMB.
struct TemplateRuntime {
  std::string default_user = "user";  // "defaultUser": "user" or "root"
  std::uint32_t max_processes = 1024;  // "maxProcesses"
};

class TemplateCatalog {
 public:
  explicit TemplateCatalog(std::vector<TemplateInfo> templates, std::vector<TemplateRuntime> runtimes = {});
  // fixtures/templates.json, compiled in.
  static TemplateCatalog defaults();
  // A JSON array of templates in the wire shape; throws std::invalid_argument.
  static TemplateCatalog from_json_text(const std::string& text);
  static TemplateCatalog from_file(const std::string& path);

  // By template id or alias; a ":tag" suffix is ignored. Null when unknown.
  const TemplateInfo* find(const std::string& reference) const;
  // The runtime fields of the template with this id or alias; the defaults when unknown.
  const TemplateRuntime& runtime(const std::string& reference) const;
  const std::vector<TemplateInfo>& all() const { return templates_; }

 private:
  std::vector<TemplateInfo> templates_;
  std::vector<TemplateRuntime> runtimes_;  // one per template
};

}  // namespace ppio_mock::state
