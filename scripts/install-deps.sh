#!/usr/bin/env bash
# Installs the Debian 12 packages agenthost needs to build and run; with --tests, also what
# the tests need. Idempotent.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake make pkg-config ca-certificates
  # libraries (see README: which library does what)
  libboost-dev          # Boost.DLL: loading plugins
  libyaml-cpp-dev       # config files: the nodes every part reads
  libyaml-dev           # config files: the parser (host/config/yaml_parse.hpp)
  libspdlog-dev libfmt-dev  # logging and formatting
  libcli11-dev          # command lines of agenthost and agentctl
  nlohmann-json3-dev    # control socket protocol, --json output
  libzmq3-dev cppzmq-dev  # ZeroMQ: agent endpoints, the client, the registry
  prometheus-cpp-dev    # metrics: the registry and the text exposition
  libcivetweb-dev civetweb  # the admin HTTP listener (civetweb's CMake package wants both)
  libsystemd-dev        # sd_notify: READY=1, STATUS=, WATCHDOG=1 under systemd
  libcurl4-openssl-dev  # the etcd registry backend: etcd's HTTP/JSON gateway
)
test_packages=(
  libgtest-dev libgmock-dev
  python3 python3-zmq   # the Python caller example and the seed's baseline in bench/messaging
  prometheus            # promtool checks /metrics; a real Prometheus server scrapes a host
  chromium fonts-dejavu-core  # the /status page, loaded and screenshotted headless
  # scripts/package-test.sh and tests/packaging: cpack's dpkg-shlibdeps, lintian, and
  # systemd-analyze verify on the unit (systemd itself is not started by installing it)
  dpkg-dev lintian systemd
  etcd-server           # the etcd registry backend's tests start their own etcd (tests/integration)
  gdb                   # a test that hangs gets its stacks printed (tests/integration/support/hang_reporter.cpp)
  iproute2              # ip netns, veth, bridge: the three-host cluster test in network namespaces
  clang libclang-rt-14-dev  # libFuzzer: the config loader and wire protocol fuzz targets (scripts/fuzz.sh)
)
if [ "${1:-}" = "--tests" ]; then
  packages+=("${test_packages[@]}")
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (it calls apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"
