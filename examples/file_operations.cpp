// File operations: upload a local script, run it, download what it wrote.
// Transfers are binary-safe and streamed.
#include <fstream>
#include <iostream>
#include <sstream>

#include <ppio_sandbox/prime_compatible.hpp>

namespace prime = ppio_sandbox::prime_compatible;

int main() {
  try {
    prime::SandboxClient sandbox_client{prime::APIClient()};
    const prime::Sandbox sandbox =
        sandbox_client.create({.name = "files-sandbox", .docker_image = "python:3.11-slim"});
    sandbox_client.wait_for_creation(sandbox.id);

    // A local script to send.
    std::ofstream("local_script.py") << "with open('/app/output.txt', 'w') as f:\n"
                                        "    f.write('Hello from the uploaded script\\n')\n";

    // Upload a file
    const prime::FileUploadResponse uploaded = sandbox_client.upload_file(
        /*sandbox_id=*/sandbox.id, /*file_path=*/"/app/script.py", /*local_file_path=*/"./local_script.py");
    std::cout << "Uploaded " << uploaded.size << " bytes to " << uploaded.path << "\n";

    const prime::CommandResponse run = sandbox_client.execute_command(sandbox.id, "python3 /app/script.py");
    std::cout << "Script exited with " << run.exit_code << "\n";

    // Download a file
    sandbox_client.download_file(
        /*sandbox_id=*/sandbox.id, /*file_path=*/"/app/output.txt", /*local_file_path=*/"./output.txt");
    std::stringstream downloaded;
    downloaded << std::ifstream("output.txt").rdbuf();
    std::cout << "Downloaded: " << downloaded.str();

    // Bytes held in memory, and a window of a file read back.
    sandbox_client.upload_bytes(sandbox.id, "/app/data.txt", "0123456789", "data.txt");
    const prime::ReadFileResponse window = sandbox_client.read_file(sandbox.id, "/app/data.txt", {.offset = -4});
    std::cout << "Last 4 bytes: " << window.content << " (of " << window.total_size.value_or(0) << ")\n";

    sandbox_client.delete_(sandbox.id);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
