# Shared set-up for scripts/demo and scripts/test: Debian packages, then the CMake build.
# Sourced, not run.

PROBE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Everything the build, the tests and the report checks need, as Debian 12 packages.
PROBE_PACKAGES=(
  g++ cmake ninja-build pkg-config curl ca-certificates
  libcurl4-openssl-dev libssl-dev libyaml-dev nlohmann-json3-dev libsimdjson-dev libre2-dev
  libpugixml-dev
  libcli11-dev libspdlog-dev libfmt-dev libcpp-httplib-dev libgtest-dev libgmock-dev
  python3 python3-httpbin python3-junitparser python3-jsonschema python3-yaml libxml2-utils perl
)

log() { printf '==> %s\n' "$*" >&2; }

# Installs the packages of PROBE_PACKAGES that are missing, with apt-get.
install_packages() {
  local missing=()
  local package
  for package in "${PROBE_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { log "missing packages: ${missing[*]}; run as root or install sudo"; return 1; }
    sudo=(sudo)
  fi
  log "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Configures and builds into $1 with any further CMake arguments. BUILD_TARGETS, when set,
# limits the build to those targets.
build_tree() {
  local dir=$1
  shift
  log "building in ${dir#"$PROBE_ROOT"/}"
  cmake -S "$PROBE_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  local targets=()
  [ -n "${BUILD_TARGETS:-}" ] && targets=(--target $BUILD_TARGETS)
  cmake --build "$dir" -j "$(nproc)" "${targets[@]}"
}

# Starts build/tapis-sim on a free loopback port; sets SIM_PID and SIM_URL.
start_simulator() {
  local binary=$1
  shift
  local fifo
  fifo=$(mktemp -u)
  mkfifo "$fifo"
  "$binary" --port 0 "$@" >"$fifo" 2>"${SIM_LOG:-/dev/null}" &
  SIM_PID=$!
  local line=""
  read -r -t 10 line <"$fifo" || true
  rm -f "$fifo"
  case "$line" in
    "listening on "*) SIM_URL=${line#listening on } ;;
    *) log "the simulator did not start (first line: '$line')"; kill "$SIM_PID" 2>/dev/null; return 1 ;;
  esac
}
