#pragma once
// Where the fake's data files are: templates.json, tenants.json and scenarios/.
// An installed program finds them beside itself (<prefix>/share/ppio-mock for
// <prefix>/bin/ppio-mock, however the prefix was moved or chosen); a program
// in the build tree reads the source tree's fixtures/.
#include <string>

namespace ppio_mock {

std::string data_dir();
// data_dir() + "/scenarios": where POST /_mock/faults {"scenario": NAME} looks.
std::string default_scenario_dir();

}  // namespace ppio_mock
