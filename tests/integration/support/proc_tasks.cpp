#include "support/proc_tasks.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace agenthost::testing {
namespace {

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::filesystem::path task_dir(int pid) { return "/proc/" + std::to_string(pid) + "/task"; }

}  // namespace

std::vector<TaskInfo> tasks_of(int pid) {
  std::vector<TaskInfo> tasks;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(task_dir(pid), error)) {
    TaskInfo info;
    info.tid = std::stoi(task.path().filename().string());
    info.name = first_line(task.path() / "comm");
    // The name in parentheses may itself hold spaces and ')': the state follows the last one.
    const auto stat = first_line(task.path() / "stat");
    if (const auto close = stat.rfind(')'); close != std::string::npos && close + 2 < stat.size())
      info.state = stat[close + 2];
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("Cpus_allowed_list:", 0) == 0) info.cpus = line.substr(line.find_first_not_of(" \t", 18));
    tasks.push_back(std::move(info));
  }
  return tasks;
}

std::vector<int> children_of(int pid) {
  std::vector<int> children;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(task_dir(pid), error)) {
    std::ifstream in(task.path() / "children");
    children.insert(children.end(), std::istream_iterator<int>(in), std::istream_iterator<int>());
  }
  return children;
}

std::vector<int> descendants_of(int pid) {
  std::vector<int> found = children_of(pid);
  for (std::size_t k = 0; k < found.size(); ++k) {
    const auto more = children_of(found[k]);
    found.insert(found.end(), more.begin(), more.end());
  }
  return found;
}

double cpu_seconds_of(int pid) {
  const auto stat = first_line("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  // After the name: state (field 3) ... utime (14), stime (15).
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int k = 3; k < 14 && fields >> field; ++k) {
  }
  double utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return -1;
  return (utime + stime) / double(::sysconf(_SC_CLK_TCK));
}

}  // namespace agenthost::testing
