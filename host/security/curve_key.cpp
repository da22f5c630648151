#include "security/curve_key.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <zmq.h>

namespace agenthost::security {
namespace {

constexpr std::size_t kZ85KeyLength = 40;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// What one key file holds.
struct KeyFile {
  std::vector<std::string> public_keys;  // `public-key = "..."` and bare keys
  std::optional<std::string> secret_key;
  int secret_line = 0;
};

constexpr std::string_view kKeyHelp =
    "expected 40 Z85 characters, or a certificate line such as public-key = \"...\" (make keys with "
    "`agentctl curve-keygen DIR NAME`)";

// A key file is a few hundred bytes; a device or a huge file named by mistake must not be read
// (getline on /dev/zero never ends).
constexpr std::uintmax_t kMaxKeyFileBytes = 1 << 20;

std::variant<KeyFile, std::string> parse_key_file(const std::filesystem::path& file, bool bare_keys_are_secret) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    return fmt::format("{}: not a regular file (give a key file made by `agentctl curve-keygen DIR NAME`)",
                       file.string());
  if (const auto size = std::filesystem::file_size(file, ec); ec || size > kMaxKeyFileBytes)
    return fmt::format("{}: too large for a key file ({} bytes; keys files are a few hundred)", file.string(),
                       ec ? 0 : size);
  std::ifstream in(file);
  if (!in) return fmt::format("{}: cannot read the key file (does it exist, and may this user read it?)", file.string());
  KeyFile parsed;
  std::string raw;
  for (int line = 1; std::getline(in, raw); ++line) {
    const auto text = trim(raw);
    if (text.empty()) continue;
    const auto where = fmt::format("{}:{}", file.string(), line);
    // A bare key first: Z85 has '#' and '=' in its alphabet (a comment has spaces, a key none).
    const bool bare_key = is_z85_key(text);
    if (!bare_key && text.front() == '#') continue;
    const auto equals = bare_key ? std::string_view::npos : text.find('=');
    if (equals == std::string_view::npos) {
      if (text == "metadata" || text == "curve") continue;  // the certificate's section names
      if (!bare_key) return fmt::format("{}: not a CURVE key: {}", where, kKeyHelp);
      if (bare_keys_are_secret) {
        if (parsed.secret_key) return fmt::format("{}: a second key; a secret key file holds one key", where);
        parsed.secret_key = std::string(text);
        parsed.secret_line = line;
      } else {
        parsed.public_keys.emplace_back(text);
      }
      continue;
    }
    const auto name = trim(text.substr(0, equals));
    auto value = trim(text.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (name != "public-key" && name != "secret-key") continue;  // certificate metadata
    if (!is_z85_key(value)) return fmt::format("{}: {} is not a CURVE key: {}", where, name, kKeyHelp);
    if (name == "public-key") {
      parsed.public_keys.emplace_back(value);
    } else {
      parsed.secret_key = std::string(value);
      parsed.secret_line = line;
    }
  }
  return parsed;
}

std::string mode_text(mode_t mode) { return fmt::format("{:04o}", static_cast<unsigned>(mode & 07777)); }

bool is_secret_file_name(const std::filesystem::path& file) { return file.filename().string().ends_with("_secret"); }

}  // namespace

bool is_z85_key(std::string_view text) {
  if (text.size() != kZ85KeyLength) return false;
  std::array<std::uint8_t, 32> decoded{};
  const std::string copy(text);  // zmq_z85_decode wants a terminated string
  return zmq_z85_decode(decoded.data(), copy.c_str()) != nullptr;
}

std::variant<CurveKeyPair, std::string> read_secret_key_file(const std::filesystem::path& file) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0)
    return fmt::format("{}: cannot read the secret key file (does it exist?)", file.string());
  auto parsed = parse_key_file(file, true);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  auto& keys = std::get<KeyFile>(parsed);
  // What is in it first: a public certificate given by mistake says so, not "chmod".
  if (!keys.secret_key) {
    return fmt::format("{}: holds no secret key{} (give the secret certificate, NAME.key_secret, made by "
                       "`agentctl curve-keygen DIR NAME`)",
                       file.string(), keys.public_keys.empty() ? "" : ", only a public one");
  }
  if ((info.st_mode & (S_IRWXO | S_IWGRP)) != 0)
    return fmt::format("{}: the secret key file has mode {}: others may read or change it (chmod 600 {})",
                       file.string(), mode_text(info.st_mode), file.string());
  CurveKeyPair pair;
  pair.secret_key = *keys.secret_key;
  std::array<char, kZ85KeyLength + 1> derived{};
  if (zmq_curve_public(derived.data(), pair.secret_key.c_str()) != 0)
    return fmt::format("{}:{}: libzmq cannot use this secret key (is it built with CURVE?)", file.string(),
                       keys.secret_line);
  pair.public_key = derived.data();
  for (const auto& key : keys.public_keys) {
    if (key != pair.public_key)
      return fmt::format("{}: its public-key is not the public half of its secret-key (make a new pair with "
                         "`agentctl curve-keygen DIR NAME`)",
                         file.string());
  }
  return pair;
}

std::variant<std::vector<std::string>, std::string> read_public_keys(const std::filesystem::path& path) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path, ec)) {
    for (std::filesystem::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (name.starts_with('.') || is_secret_file_name(it->path()) || !it->is_regular_file(ec)) continue;
      files.push_back(it->path());
    }
    if (ec) return fmt::format("{}: cannot list the folder: {}", path.string(), ec.message());
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::exists(path, ec)) {
    files.push_back(path);
  } else {
    return fmt::format("{}: does not exist (create the folder of admitted public keys, or fix the path)", path.string());
  }
  std::vector<std::string> keys;
  for (const auto& file : files) {
    auto parsed = parse_key_file(file, false);
    if (auto* error = std::get_if<std::string>(&parsed)) return *error;
    auto& found = std::get<KeyFile>(parsed);
    if (found.secret_key)
      return fmt::format("{}:{}: holds a secret key: admitted keys are public certificates (NAME.key); move "
                         "the secret one out of here and keep it private",
                         file.string(), found.secret_line);
    keys.insert(keys.end(), found.public_keys.begin(), found.public_keys.end());
  }
  return keys;
}

CurveKeyPair generate_key_pair() {
  std::array<char, kZ85KeyLength + 1> public_key{}, secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0)
    throw std::runtime_error("libzmq cannot make CURVE keys (it is built without CURVE support)");
  return {public_key.data(), secret_key.data()};
}

namespace {
std::string certificate_text(const CurveKeyPair& pair, std::string_view name, bool secret) {
  std::ostringstream out;
  out << "#   ZeroMQ CURVE " << (secret ? "**Secret** " : "Public ") << "Certificate for " << name
      << ", made by agentctl curve-keygen\n";
  out << (secret ? "#   Keep it private: readable by its owner (and group) only.\n"
                 : "#   Give it to the hosts that admit this key (host.curve.authorized_keys).\n");
  out << "\nmetadata\n    name = \"" << name << "\"\ncurve\n    public-key = \"" << pair.public_key << "\"\n";
  if (secret) out << "    secret-key = \"" << pair.secret_key << "\"\n";
  return out.str();
}
}  // namespace

std::string public_certificate_text(const CurveKeyPair& pair, std::string_view name) {
  return certificate_text(pair, name, false);
}
std::string secret_certificate_text(const CurveKeyPair& pair, std::string_view name) {
  return certificate_text(pair, name, true);
}

}  // namespace agenthost::security
