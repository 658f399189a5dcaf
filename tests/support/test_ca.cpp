#include "tests/support/test_ca.hpp"

#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace ppio_test {

namespace {

std::string make_temp_dir() {
  std::string path = (std::filesystem::temp_directory_path() / "ppio-test-ca-XXXXXX").string();
  if (mkdtemp(path.data()) == nullptr) throw std::runtime_error("TestCa: cannot create a temporary directory");
  return path;
}

// Runs argv without a shell, so no argument needs quoting; true on exit 0.
bool run(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return false;
  int status = 0;
  pid_t waited = 0;
  do {
    waited = waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  return waited == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TestCa::TestCa(const std::string& domain) : dir_(make_temp_dir()) {
  if (!run({"bash", PPIO_MAKE_TEST_CA, dir_, domain})) {
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("TestCa: make_test_ca.sh failed (is the openssl program installed?)");
  }
}

TestCa::~TestCa() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

int unused_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("unused_loopback_port: no socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) throw std::runtime_error("unused_loopback_port: cannot bind 127.0.0.1:0");
  return ntohs(addr.sin_port);
}

}  // namespace ppio_test
