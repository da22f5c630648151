#include "control/curve_keygen_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>

#include <fmt/format.h>

#include "control/atomic_file.hpp"
#include "control/unique_fd.hpp"
#include "security/curve_key.hpp"

namespace agenthost::control {
namespace {

std::string exists_message(const std::filesystem::path& file) {
  return fmt::format("{} exists already (keys are never overwritten: remove it first)", file.string());
}

// Created, never replaced: a secret key overwritten by mistake would lock every client out.
std::string write_new_file(const std::filesystem::path& file, const std::string& text, mode_t mode) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    return errno == EEXIST ? exists_message(file) : fmt::format("cannot create {}: {}", file.string(), std::strerror(errno));
  }
  ::fchmod(fd.get(), mode);  // the umask may have taken bits away from the public file
  if (!write_all(fd.get(), text)) return fmt::format("cannot write {}: {}", file.string(), std::strerror(errno));
  return {};
}

}  // namespace

int run_curve_keygen(const std::string& dir, const std::string& name, std::ostream& out, std::ostream& err) {
  if (name.empty() || name.find('/') != std::string::npos || name.starts_with('.')) {
    err << "agentctl: curve-keygen: NAME must be a plain file name such as 'cluster' or 'pc2'\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    err << fmt::format("agentctl: curve-keygen: cannot create {}: {}\n", dir, ec.message());
    return 1;
  }
  const auto pair = security::generate_key_pair();
  const auto public_file = std::filesystem::path(dir) / (name + ".key");
  const auto secret_file = std::filesystem::path(dir) / (name + ".key_secret");
  for (const auto& file : {public_file, secret_file}) {
    if (std::filesystem::exists(file, ec)) {
      err << "agentctl: curve-keygen: " << exists_message(file) << '\n';
      return 1;
    }
  }
  for (const auto& [file, text, mode] :
       {std::tuple{secret_file, security::secret_certificate_text(pair, name), mode_t{0600}},
        std::tuple{public_file, security::public_certificate_text(pair, name), mode_t{0644}}}) {
    if (auto error = write_new_file(file, text, mode); !error.empty()) {
      err << "agentctl: curve-keygen: " << error << '\n';
      return 1;
    }
  }
  out << fmt::format("{}  public certificate: give it to whoever must admit this key\n", public_file.string());
  out << fmt::format("{}  secret certificate (mode 0600): keep it on this machine\n", secret_file.string());
  out << fmt::format("public key {}\n", pair.public_key);
  return 0;
}

}  // namespace agenthost::control
