#include "mockserver/state/snapshots.hpp"

#include <algorithm>
#include <cctype>

#include "mockserver/state/service_error.hpp"

namespace ppio_mock::state {

namespace {

constexpr const char* kDefaultTag = "default";

// Lower-case letters, digits, '-' and '_', starting and ending with a letter or digit.
bool valid_alias(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  const auto ok = [](unsigned char c) { return std::islower(c) != 0 || std::isdigit(c) != 0 || c == '-' || c == '_'; };
  return std::all_of(s.begin(), s.end(), ok) && std::isalnum(static_cast<unsigned char>(s.front())) != 0 &&
         std::isalnum(static_cast<unsigned char>(s.back())) != 0;
}

bool valid_tag(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
  });
}

// A reference split into its identifier and tag; the tag is whatever follows
// the last ':' after the last '/'.
std::pair<std::string, std::optional<std::string>> split_tag(const std::string& reference) {
  const auto slash = reference.rfind('/');
  const auto colon = reference.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {reference, std::nullopt};
  return {reference.substr(0, colon), reference.substr(colon + 1)};
}

}  // namespace

std::string Snapshot::snapshot_id() const {
  return (alias ? team + "/" + *alias : template_id) + ":" + tag;
}

std::vector<std::string> Snapshot::names() const {
  if (!alias) return {};
  return {team + "/" + *alias + ":" + tag};
}

std::string Snapshot::storage_key() const { return template_id + "_" + tag; }

SnapshotName parse_snapshot_name(const std::string& name) {
  auto [identifier, tag] = split_tag(name);
  SnapshotName parsed;
  if (const auto slash = identifier.find('/'); slash != std::string::npos) {
    parsed.ns = identifier.substr(0, slash);
    identifier = identifier.substr(slash + 1);
    if (parsed.ns->empty() || identifier.find('/') != std::string::npos) {
      throw ServiceError(400, "Invalid name: '" + name + "' has more than one namespace separator");
    }
  }
  if (!valid_alias(identifier)) {
    throw ServiceError(400, "Invalid name: '" + identifier +
                                "' must be lower-case letters, digits, '-' and '_', starting and ending with a letter "
                                "or digit");
  }
  if (tag && !valid_tag(*tag)) {
    throw ServiceError(400, "Invalid name: tag '" + *tag + "' must be letters, digits, '-', '_' and '.'");
  }
  parsed.alias = identifier;
  parsed.tag = tag;
  return parsed;
}

bool SnapshotCatalog::refers_to(const Snapshot& s, const std::string& team, const std::string& reference,
                                bool any_tag) const {
  if (s.team != team) return false;
  const auto [identifier, tag] = split_tag(reference);
  if (tag ? *tag != s.tag : (!any_tag && s.tag != kDefaultTag)) return false;
  if (const auto slash = identifier.find('/'); slash != std::string::npos) {
    return identifier.substr(0, slash) == team && s.alias && identifier.substr(slash + 1) == *s.alias;
  }
  return identifier == s.template_id || (s.alias && identifier == *s.alias);
}

const Snapshot* SnapshotCatalog::find(const std::string& team, const std::string& reference) const {
  for (const auto& s : snapshots_) {
    if (refers_to(s, team, reference, /*any_tag=*/false)) return &s;
  }
  return nullptr;
}

std::optional<std::string> SnapshotCatalog::template_of(const std::string& team, const std::string& alias) const {
  for (const auto& s : snapshots_) {
    if (s.team == team && s.alias == alias) return s.template_id;
  }
  return std::nullopt;
}

std::optional<Snapshot> SnapshotCatalog::put(Snapshot snapshot) {
  for (auto& s : snapshots_) {
    if (s.template_id == snapshot.template_id && s.tag == snapshot.tag) {
      std::optional<Snapshot> replaced = std::move(s);
      s = std::move(snapshot);
      return replaced;
    }
  }
  snapshots_.push_back(std::move(snapshot));
  return std::nullopt;
}

std::vector<Snapshot> SnapshotCatalog::matching(const std::string& team, const std::string& reference) const {
  std::vector<Snapshot> out;
  for (const auto& s : snapshots_) {
    if (refers_to(s, team, reference, /*any_tag=*/true)) out.push_back(s);
  }
  return out;
}

void SnapshotCatalog::remove(const Snapshot& snapshot) {
  std::erase_if(snapshots_, [&](const Snapshot& s) { return s.template_id == snapshot.template_id && s.tag == snapshot.tag; });
}

bool SnapshotCatalog::contains_template(const std::string& template_id) const {
  return std::any_of(snapshots_.begin(), snapshots_.end(), [&](const Snapshot& s) { return s.template_id == template_id; });
}

std::vector<Snapshot> SnapshotCatalog::list(const std::string& team, const std::optional<std::string>& sandbox_id,
                                            const std::optional<std::string>& name) const {
  std::vector<Snapshot> out;
  for (const auto& s : snapshots_) {
    if (s.team != team) continue;
    if (sandbox_id && s.source_sandbox != *sandbox_id) continue;
    if (name && !refers_to(s, team, *name, /*any_tag=*/true)) continue;
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const Snapshot& a, const Snapshot& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.snapshot_id() < b.snapshot_id();
  });
  return out;
}

}  // namespace ppio_mock::state
