#pragma once
// What a new sandbox root holds before anything runs in it, as a template's
// image would: the mount points bubblewrap needs (usr, proc, dev, run), the
// merged-/usr links (bin, sbin, lib, lib64), /tmp, the users' homes (/root,
// /home/user with the skeleton files, owned by their users) and the
// sandbox's own /etc: its passwd, group, shadow, hosts, hostname and sudoers.
//
// Inside the environment that /etc is the upper layer of an overlay whose
// lower layer is the host's /etc (so the programs of the host's /usr find
// their configuration): what the sandbox writes there lands in its root, the
// rest shows through read-only, and what the host keeps from other users, or
// what names the host, is masked (init/sandbox_init.cpp). The overlay's
// scratch directory is var/lib/ppio-sandbox/etc-work. A root that already
// has etc/passwd, such as a copy of another sandbox's, keeps its own /etc:
// the tree is plain directories and files with their owners, so a recursive
// copy of it is a valid new root.
#include <string>

namespace ppio_mock::exec {

// The sandbox's hostname, as on E2B.
inline constexpr const char* kSandboxHostname = "e2b.local";

// `root_fd` is an O_PATH directory fd of the root. Ownership is set only when
// this process may (as root); otherwise every file stays the fake's own.
void prepare_root(int root_fd);

}  // namespace ppio_mock::exec
