// bench_library_floor: does nothing, but is linked with exactly the shared libraries the
// agenthost executable loads (bench/startup/CMakeLists.txt). Its spawn → exit is what every
// host start pays before main() for libzmq and its twelve, yaml-cpp, spdlog, fmt,
// prometheus-cpp and civetweb: the floor under the demo's start-up figure.
int main() { return 0; }
