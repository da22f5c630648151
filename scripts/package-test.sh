#!/usr/bin/env bash
# The install test (issue 7): builds the .deb packages from a finished build, runs lintian,
# installs them on this machine, runs the installed host with the installed config and
# example plugins, builds examples/plugin-template against the installed agenthost-dev,
# deploys it and sees its agent run, then purges both packages and checks nothing is left.
#
#   scripts/package-test.sh           (as root; BUILD_DIR defaults to build)
#
# It changes the machine (dpkg, /etc, /usr, /run/agenthost): meant for CI's throwaway
# machine, which scripts/test.sh runs it on. It refuses to run where agenthost is installed.
# Every wait is bounded; the packages are purged even when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build_dir=$(realpath "${BUILD_DIR:-build}")
work=$(mktemp -d /tmp/agenthost-package-test.XXXXXX)
host_pid=
host_log=$work/agenthost.log

step() { echo "package-test: $*"; }
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs and purges packages)"
if dpkg-query -W -f='${Status}' agenthost 2>/dev/null | grep -q installed; then
  # A developer's machine that runs agenthost from the package: leave it alone. CI's
  # machine is fresh, so there this is an error.
  [ "${CI:-}" = true ] && fail "agenthost is installed on this machine; this test would purge it"
  step "SKIPPED: agenthost is installed on this machine and this test would purge it"
  exit 0
fi
# The installed config's defaults, not the caller's.
unset AGENTHOST_CONTROL_SOCKET AGENTHOST_MACHINE AGENTHOST_ADMIN_PORT AGENTHOST_ECHO_PORT

stop_host() {
  [ -n "$host_pid" ] || return 0
  kill -TERM "$host_pid" 2>/dev/null || true
  local status=0
  timeout 30 tail --pid="$host_pid" -f /dev/null || { kill -KILL "$host_pid" 2>/dev/null || true; status=124; }
  wait "$host_pid" 2>/dev/null || status=$?
  host_pid=
  return $status
}
cleanup() {
  local status=$?
  stop_host || true
  if [ $status -ne 0 ] && [ -f "$host_log" ]; then
    echo "package-test: the host's log:" >&2
    tail -n 50 "$host_log" >&2
  fi
  # The operator's own files first (dpkg leaves what it did not install), then the packages.
  rm -f /usr/lib/agenthost/plugins/greeter.so /etc/agenthost/agents.d/greeter.yaml
  DEBIAN_FRONTEND=noninteractive timeout 120 apt-get purge -y -q agenthost agenthost-dev >/dev/null 2>&1 || true
  rm -rf /run/agenthost "$work"
  exit $status
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Waits up to 30 s for URL to answer 200.
wait_http_200() {
  python3 - "$1" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
}
# The installed host as the agenthost user, as the unit runs it, but not under systemd (PID 1
# here is not systemd): /run/agenthost is made as RuntimeDirectory= would make it.
start_host() {
  install -d -o agenthost -g agenthost -m 0750 /run/agenthost
  (cd / && exec setpriv --reuid=agenthost --regid=agenthost --init-groups \
     /usr/bin/agenthost run --config /etc/agenthost/agenthost.yaml) >>"$host_log" 2>&1 &
  host_pid=$!
  wait_http_200 "http://127.0.0.1:$AGENTHOST_ADMIN_PORT/readyz" || fail "/readyz did not answer 200 within 30 s"
}
agent_state() {  # agent_state NAME: its state in `agentctl status --json`
  timeout 10 agentctl status --json | python3 -c '
import json, sys
agents = {a["name"]: a["state"] for a in json.load(sys.stdin)["agents"]}
print(agents.get(sys.argv[1], "absent"))' "$1"
}

project_version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
[ -n "$project_version" ] || fail "no CMAKE_PROJECT_VERSION in $build_dir/CMakeCache.txt"

step "cpack"
rm -f "$build_dir"/agenthost*.deb
(cd "$build_dir" && timeout 600 cpack -G DEB >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
runtime_deb=$(ls "$build_dir"/agenthost_*.deb)
dev_deb=$(ls "$build_dir"/agenthost-dev_*.deb)

step "lintian $(basename "$runtime_deb") $(basename "$dev_deb")"
timeout 600 lintian --fail-on error,warning --tag-display-limit 0 "$runtime_deb" "$dev_deb" \
  || fail "lintian found errors or warnings (above)"

step "one version: $project_version"
for deb in "$runtime_deb" "$dev_deb"; do
  deb_version=$(dpkg-deb -f "$deb" Version)
  [ "${deb_version%-*}" = "$project_version" ] || fail "$deb has version $deb_version, the project $project_version"
done

step "install"
DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q --no-install-recommends \
  "$runtime_deb" "$dev_deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install"; }
getent passwd agenthost >/dev/null || fail "the postinst made no agenthost user"
[ "$(agenthost --version)" = "agenthost $project_version" ] || fail "installed agenthost --version: $(agenthost --version)"
[ "$(agentctl --version)" = "agentctl $project_version" ] || fail "installed agentctl --version: $(agentctl --version)"
verify=$(systemd-analyze verify --man=no /lib/systemd/system/agenthost.service 2>&1) || true
[ -z "$verify" ] || fail "systemd-analyze verify on the installed unit: $verify"

# Loopback ports nobody uses now, through the config's ${VAR:-default}s: the defaults may
# be taken on a shared machine.
export AGENTHOST_ADMIN_PORT AGENTHOST_ECHO_PORT
AGENTHOST_ADMIN_PORT=$(free_port)
AGENTHOST_ECHO_PORT=$(free_port)
timeout 30 agenthost check --config /etc/agenthost/agenthost.yaml || fail "agenthost check on the installed config"

step "run the installed host (admin 127.0.0.1:$AGENTHOST_ADMIN_PORT)"
start_host
[ "$(agent_state EchoFront)" = ready ] || fail "EchoFront is not ready: $(timeout 10 agentctl status)"
# /usr/bin/python3: the one python3-zmq is for (a python3 earlier on PATH may lack pyzmq).
reply=$(timeout 10 /usr/bin/python3 examples/python/call_agent.py --endpoint "tcp://127.0.0.1:$AGENTHOST_ECHO_PORT" \
  --method echo --payload from-package-test) || fail "calling EchoFront"
[ "$reply" = from-package-test ] || fail "EchoFront answered '$reply'"

step "build examples/plugin-template against the installed agenthost-dev"
cp -r examples/plugin-template "$work/greeter"  # outside this tree: nothing of it is found
(timeout 300 cmake -S "$work/greeter" -B "$work/greeter/build" \
  && timeout 300 cmake --build "$work/greeter/build" \
  && timeout 60 cmake --install "$work/greeter/build") >"$work/greeter.log" 2>&1 \
  || { cat "$work/greeter.log"; fail "building the plugin template"; }
[ -f /usr/lib/agenthost/plugins/greeter.so ] && [ -f /etc/agenthost/agents.d/greeter.yaml ] \
  || fail "cmake --install did not deploy greeter.so and greeter.yaml"

# The running host picks the drop-in and its plugin up by itself (inotify on agents.d and
# the plugin folder): no restart, no reload command.
step "the running host starts the deployed plugin by itself"
for _ in $(seq 1 60); do
  [ "$(agent_state Greeter)" = ready ] && break
  sleep 0.5
done
[ "$(agent_state Greeter)" = ready ] || fail "Greeter did not start within 30 s: $(timeout 10 agentctl status)"
[ "$(agent_state EchoFront)" = ready ] || fail "EchoFront was disturbed: $(timeout 10 agentctl status)"
timeout 10 agentctl status
stop_host || fail "the host did not stop cleanly (exit code $?)"

step "purge"
rm -f /usr/lib/agenthost/plugins/greeter.so /etc/agenthost/agents.d/greeter.yaml
rm -rf /run/agenthost
DEBIAN_FRONTEND=noninteractive timeout 120 apt-get purge -y -q agenthost agenthost-dev >"$work/apt.log" 2>&1 \
  || { cat "$work/apt.log"; fail "apt-get purge"; }
left=()
for path in /etc/agenthost /usr/lib/agenthost /usr/include/agenthost /usr/bin/agenthost /usr/bin/agentctl \
            /lib/systemd/system/agenthost.service /var/lib/agenthost /usr/share/doc/agenthost \
            /usr/share/doc/agenthost-dev /usr/share/man/man8/agenthost.8.gz /usr/share/man/man1/agentctl.1.gz \
            /usr/lib/*/cmake/AgentHost; do
  [ -e "$path" ] && left+=("$path")
done
[ ${#left[@]} -eq 0 ] || fail "left behind after purge: ${left[*]}"
dpkg-query -W agenthost agenthost-dev >/dev/null 2>&1 && fail "dpkg still knows the packages"
# Kept on purpose (Debian policy): the agenthost system user and group.
step "ok (the agenthost user is kept, as Debian policy advises)"
