// Bulk operations: create several sandboxes, wait for all of them with one
// list call per poll, and delete them by ids or by labels.
#include <iostream>
#include <string>
#include <vector>

#include <ppio_sandbox/prime_compatible.hpp>

namespace prime = ppio_sandbox::prime_compatible;

int main() {
  try {
    prime::SandboxClient sandbox_client{prime::APIClient()};

    // Create multiple sandboxes
    std::vector<std::string> sandbox_ids;
    for (int i = 0; i < 5; ++i) {
      const prime::Sandbox sandbox = sandbox_client.create({
          .name = "sandbox-" + std::to_string(i),
          .docker_image = "python:3.11-slim",
      });
      sandbox_ids.push_back(sandbox.id);
    }

    // Wait for all to be ready
    const auto statuses = sandbox_client.bulk_wait_for_creation(sandbox_ids);
    for (const auto& [id, status] : statuses) std::cout << id << ": " << status << "\n";

    // Delete by IDs
    const prime::BulkDeleteSandboxResponse by_ids = sandbox_client.bulk_delete({.sandbox_ids = sandbox_ids});
    std::cout << by_ids.message << "\n";

    // OR by labels
    for (int i = 0; i < 2; ++i) {
      sandbox_client.create({.name = "labeled-" + std::to_string(i),
                             .docker_image = "python:3.11-slim",
                             .labels = {"experiment-1"}});
    }
    const prime::BulkDeleteSandboxResponse by_labels =
        sandbox_client.bulk_delete({.labels = std::vector<std::string>{"experiment-1"}});
    std::cout << by_labels.message << "\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
