#pragma once
// A real copy of a directory tree, for snapshots and forks: regular files,
// directories, symlinks (as links: never followed, so a link planted inside
// a sandbox cannot pull in anything outside it) and FIFOs, with their modes,
// owners (when the fake may set them) and times. Sockets and device nodes
// are left out; hard links become separate files.
#include <string>

namespace ppio_mock::envd {

// Copies `from` (a directory, not a symlink) to `to`, which must not exist.
// Throws std::runtime_error naming the entry that could not be copied; the
// partial copy is then removed.
void copy_tree(const std::string& from, const std::string& to);

}  // namespace ppio_mock::envd
