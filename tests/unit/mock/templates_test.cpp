// The fake's own template fields: who runs commands by default and how many
// processes a sandbox may have; defaults when absent, clear errors when wrong.
#include <gtest/gtest.h>

#include "mockserver/state/templates.hpp"

namespace {

using ppio_mock::state::TemplateCatalog;

TEST(TemplateRuntime, TheShippedTemplatesRunAsUserWithAThousandProcesses) {
  const auto catalog = TemplateCatalog::defaults();
  for (const char* name : {"base", "code-interpreter-v1"}) {
    EXPECT_EQ(catalog.runtime(name).default_user, "user") << name;
    EXPECT_EQ(catalog.runtime(name).max_processes, 1024u) << name;
  }
}

TEST(TemplateRuntime, FieldsAreReadPerTemplateAndDefaultWhenAbsent) {
  const auto catalog = TemplateCatalog::from_json_text(R"([
    {"templateID": "a", "aliases": ["root-one"], "memoryMB": 64, "defaultUser": "root", "maxProcesses": 16},
    {"templateID": "b", "memoryMB": 64}])");
  EXPECT_EQ(catalog.runtime("root-one").default_user, "root");
  EXPECT_EQ(catalog.runtime("a:latest").max_processes, 16u);
  EXPECT_EQ(catalog.runtime("b").default_user, "user");
  EXPECT_EQ(catalog.runtime("b").max_processes, 1024u);
  EXPECT_EQ(catalog.runtime("unknown").default_user, "user");
}

TEST(TemplateRuntime, WrongValuesAreRefusedWithTheirName) {
  const auto message = [](const std::string& text) {
    try {
      TemplateCatalog::from_json_text(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message(R"([{"templateID": "a", "defaultUser": "alice"}])").find("defaultUser"), std::string::npos);
  EXPECT_NE(message(R"([{"templateID": "a", "maxProcesses": 0}])").find("maxProcesses"), std::string::npos);
  EXPECT_NE(message(R"([{"templateID": "a", "maxProcesses": "many"}])").find("bad templates JSON"), std::string::npos);
}

}  // namespace
