#include "loader/plugin_permissions.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace agenthost::loader {
namespace {

std::string user_name(::uid_t uid) {
  if (const passwd* pw = ::getpwuid(uid)) return pw->pw_name;
  return std::to_string(uid);
}

std::string group_name(::gid_t gid) {
  if (const group* gr = ::getgrgid(gid)) return gr->gr_name;
  return std::to_string(gid);
}

// What is wrong with one path, `what` being "plugin file" or "plugin folder".
std::optional<std::string> check(const std::filesystem::path& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fmt::format("cannot check the {} {}: {}", what, path.string(), std::strerror(errno));
  const ::uid_t me = ::geteuid();
  const auto mode = static_cast<unsigned>(st.st_mode & 07777);
  if (st.st_uid != 0 && st.st_uid != me)
    return fmt::format("refusing the {} {}: it belongs to user '{}', who could change the code this host runs "
                       "(only root or '{}', the user agenthost runs as, may own it: chown root {})",
                       what, path.string(), user_name(st.st_uid), user_name(me), path.string());
  if (st.st_mode & S_IWOTH)
    return fmt::format("refusing the {} {}: anyone can write it (mode {:04o}; chmod o-w {})", what, path.string(),
                       mode, path.string());
  if (st.st_mode & S_IWGRP)
    return fmt::format("refusing the {} {}: group '{}' can write it (mode {:04o}; only root or the user agenthost "
                       "runs as may: chmod g-w {})",
                       what, path.string(), group_name(st.st_gid), mode, path.string());
  return std::nullopt;
}

}  // namespace

std::optional<std::string> unsafe_plugin_permissions(const std::filesystem::path& file) {
  if (auto problem = check(file, "plugin file")) return problem;
  auto folder = file.parent_path();
  if (folder.empty()) folder = ".";
  return check(folder, "plugin folder");
}

}  // namespace agenthost::loader
