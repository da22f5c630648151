#include "config/config_loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "config/config_sections.hpp"
#include "config/yaml_pieces.hpp"
#include "config/yaml_reader.hpp"

namespace agenthost::config {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopKeys = {"host", "agents"};
const std::vector<std::string> kDropInKeys = {"agents"};

std::optional<std::string> read_file(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    const bool exists = fs::exists(path, ec);
    diags.error({path, 0, 0}, exists ? "cannot read the file (check its permissions)"
                                     : "file does not exist (check the path)");
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses YAML text (a long agent list on several cores); a syntax error becomes a diagnostic
// at its position.
std::optional<YAML::Node> parse(const std::string& text, const std::string& file, Diagnostics& diags,
                                 const YamlPieces& pieces = {}, std::vector<std::size_t>* items_per_piece = nullptr) {
  try {
    return load_yaml(text, pieces, items_per_piece);
  } catch (const YAML::ParserException& e) {
    diags.error({file, e.mark.line + 1, e.mark.column + 1}, fmt::format("YAML syntax error: {}", e.msg));
  } catch (const YAML::Exception& e) {
    diags.error({file, 0, 0}, fmt::format("cannot parse YAML: {}", e.what()));
  }
  return std::nullopt;
}

std::string resolve(const fs::path& base, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (base / path).lexically_normal().string();
}

void read_drop_in(const std::string& file, const Environment& env, ClusterConfig& config,
                  Diagnostics& diags) {
  auto text = read_file(file, diags);
  if (!text) return;
  auto root = parse(*text, file, diags);
  if (!root || root->IsNull()) return;  // an empty drop-in is a placeholder, not a mistake
  YamlReader reader(file, env, diags, config);
  if (root->IsMap() && root->operator[]("agents") && !root->operator[]("name")) {
    reader.check_keys(*root, "a drop-in file", kDropInKeys);
    read_agent_list((*root)["agents"], reader, config.agents);
  } else if (root->IsMap() && root->operator[]("name")) {
    if (auto agent = read_agent(*root, reader)) config.agents.push_back(std::move(*agent));
  } else {
    reader.error(*root, "a drop-in file holds 'agents: [...]' or one agent mapping with 'name:' (add one)");
  }
}

void read_drop_ins(const std::string& dir, const SourceLocation& dir_where, const Environment& env,
                   ClusterConfig& config, Diagnostics& diags) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    diags.error(dir_where, fs::exists(dir, ec)
                               ? fmt::format("agents_dir '{}' is not a directory (point it at a folder)", dir)
                               : fmt::format("agents_dir '{}' does not exist (create it, or fix host.agents_dir)", dir));
    return;
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto ext = it->path().extension();
    if ((ext == ".yaml" || ext == ".yml") && !it->is_directory(ec)) files.push_back(it->path());
  }
  if (ec) diags.error(dir_where, fmt::format("cannot list agents_dir '{}': {}", dir, ec.message()));
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  for (const auto& file : files) {
    config.files.push_back(file.string());
    read_drop_in(file.string(), env, config, diags);
  }
}

// The agents of pieces 1.. of the main file's list, read on the threads that parsed them
// (reading the demo's 84 agents out of their YAML trees took 1.5 ms, a fifth of parsing them).
// Each piece has a reader of its own: its problems, substitutions and literal addresses are
// appended after those of the pieces before it, so that they come out in file order.
class AgentsReadBeside {
 public:
  AgentsReadBeside(const std::string& file, const Environment& env) : file_(file), env_(env) {}

  YamlPieces reading(YamlPieces pieces) {
    pieces.list_key = "agents";
    pieces.read_items = [this](std::size_t piece, const YAML::Node& items) { read(piece, items); };
    return pieces;
  }

  // The whole list: the first `first_piece_items` items read by `reader`, the others as read
  // beside.
  void take(const YAML::Node& list, std::size_t first_piece_items, YamlReader& reader, ClusterConfig& config,
            Diagnostics& diags) {
    read_agent_list(list, reader, config.agents, first_piece_items);
    for (auto& [piece, read] : pieces_) {
      for (auto& agent : read.agents) config.agents.push_back(std::move(agent));
      diags.append(read.diagnostics);
      config.substitutions.insert(config.substitutions.end(), read.seen.substitutions.begin(),
                                  read.seen.substitutions.end());
      config.written_addresses.insert(config.written_addresses.end(), read.seen.written_addresses.begin(),
                                      read.seen.written_addresses.end());
    }
  }

 private:
  struct Read {
    std::vector<AgentSpec> agents;
    Diagnostics diagnostics;
    ClusterConfig seen;  // substitutions and literal addresses
  };

  void read(std::size_t piece, const YAML::Node& items) {
    Read* mine = nullptr;
    {
      std::lock_guard lock(mu_);
      mine = &pieces_[piece];  // std::map: an entry stays where it is while others are added
    }
    YamlReader reader(file_, env_, mine->diagnostics, mine->seen);
    read_agent_list(items, reader, mine->agents);
  }

  const std::string& file_;
  const Environment& env_;
  std::mutex mu_;
  std::map<std::size_t, Read> pieces_;  // by piece, in order
};

LoadResult load(const std::string& text, const std::string& file, const Environment& env,
                const YamlPieces& pieces) {
  LoadResult result;
  ClusterConfig& config = result.config;
  Diagnostics& diags = result.diagnostics;
  config.main_file = file;
  config.files.push_back(file);
  AgentsReadBeside beside(file, env);
  std::vector<std::size_t> items_per_piece;
  auto root = parse(text, file, diags, beside.reading(pieces), &items_per_piece);
  if (!root) return result;
  if (root->IsNull()) {
    diags.error({file, 0, 0}, "config file is empty (add a 'host:' section and 'agents:')");
    return result;
  }
  YamlReader reader(file, env, diags, config);
  if (!reader.expect_map(*root, "the config file")) return result;
  reader.check_keys(*root, "the config file", kTopKeys);

  SourceLocation agents_dir_where{file, 0, 0};
  if (auto host = (*root)["host"]) read_host_section(host, reader, config.host, agents_dir_where);
  // A wildcard host.bind without host.advertise is reported by read_endpoint_addresses.
  if (config.host.advertise.empty()) config.host.advertise = config.host.bind;
  if (auto agents = (*root)["agents"]) {
    if (items_per_piece.empty()) read_agent_list(agents, reader, config.agents);
    else beside.take(agents, items_per_piece.front(), reader, config, diags);
  }

  const fs::path base = fs::path(file).parent_path();
  for (auto& dir : config.host.plugin_dirs) dir = resolve(base, dir);
  config.host.agents_dir = resolve(base, config.host.agents_dir);
  config.host.state_dir = resolve(base, config.host.state_dir);
  config.host.control_socket = resolve(base, config.host.control_socket);
  if (auto& curve = config.host.curve) {
    for (auto* path : {&curve->server_key, &curve->client_key, &curve->authorized_keys}) *path = resolve(base, *path);
  }
  load_curve_keys(config.host.curve, diags);
  if (!config.host.agents_dir.empty())
    read_drop_ins(config.host.agents_dir, agents_dir_where, env, config, diags);

  for (auto& agent : config.agents) {
    if (agent.machines.empty()) agent.machines = {config.host.name};
    agent.machine = agent.machines.front();
  }
  return result;
}

// The text of the main file; yaml-cpp can throw from unexpected places, and load_config
// promises a diagnostic instead.
LoadResult load_text(const std::string& text, const std::string& file_name, const Environment& env,
                     const YamlPieces& pieces) {
  try {
    return load(text, file_name, env, pieces);
  } catch (const std::exception& e) {
    LoadResult result;
    result.config.main_file = file_name;
    result.config.files.push_back(file_name);
    result.diagnostics.error({file_name, 0, 0}, fmt::format("cannot load config: {}", e.what()));
    return result;
  }
}

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

LoadResult load_config(const std::string& path, const Environment& env) {
  return load_config(path, env, YamlPieces{});
}

LoadResult load_config(const std::string& path, const Environment& env, const YamlPieces& pieces) {
  LoadResult result;
  auto text = read_file(path, result.diagnostics);
  if (!text) {
    result.config.main_file = path;
    result.config.files.push_back(path);
    return result;
  }
  return load_text(*text, path, env, pieces);
}

LoadResult load_config_text(const std::string& text, const std::string& file_name, const Environment& env) {
  return load_text(text, file_name, env, YamlPieces{});
}

}  // namespace agenthost::config
