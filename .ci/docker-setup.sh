#!/usr/bin/env bash
# Bring up a Docker engine (>= 24.0.6), compose v2 (>= 2.21) and a registry-free Debian base image on a
# Debian 12 machine that reaches only the Debian/PyPI/npm package registries (this project's CI machines).
#
# Debian 12 ships docker.io 20.10 and compose v1, which inspect_ai rejects, so the Debian 13 (trixie) packages are
# fetched from the mirror apt already uses, through a private apt state dir (the system's apt sources stay as they
# are). The base image comes from debootstrap + `docker import`, since no container registry is reachable.
#
# Idempotent: steps whose result is already present are skipped. Leaves dockerd running when it had to start it and
# records that PID in $DOCKER_SETUP_DIR/dockerd.pid, so the caller can stop exactly the daemon this script started.
# Machines with a working Docker engine and registry access (real users) do not need this script.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
W=${DOCKER_SETUP_DIR:-/tmp/inspect-mlebench-docker}
BASE_IMAGE=${INSPECT_MLEBENCH_BASE_IMAGE:-local/debian:bookworm-slim}
mkdir -p "$W"
t0=$SECONDS
step() { echo "[docker-setup] +$((SECONDS - t0))s $*"; }
die() { echo "[docker-setup] ERROR: $*" >&2; exit 1; }
retry() {  # retry a network step a few times: mirrors hiccup
  local n
  for n in 1 2 3; do "$@" && return 0; echo "[docker-setup] retry $n: $*" >&2; sleep $((n * 3)); done
  return 1
}

if [ "$(id -u)" != 0 ]; then die "run as root (it installs packages and starts dockerd)"; fi

# The Debian mirror apt is configured with; only URIs:/deb lines, never comments.
MIRROR=$( { cat /etc/apt/sources.list 2>/dev/null || true; cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
  | sed -nE 's#^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)(https?://[^[:space:]]+/debian/?)([[:space:]].*)?$#\3#p' \
  | head -1)
[ -n "$MIRROR" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}"

engine_version_ok() {
  dpkg --compare-versions "$(dpkg-query -W -f='${Version}' docker.io 2>/dev/null || echo 0)" ge 24
}

# 1. Engine, CLI, compose v2 and buildx from trixie; their dependencies (runc, tini, iptables) from bookworm.
if [ "${DOCKER_SETUP_FORCE_PKGS:-0}" = 1 ] || ! engine_version_ok \
   || [ ! -x /usr/libexec/docker/cli-plugins/docker-compose ]; then
  step "fetching Debian 13 docker packages from $MIRROR"
  A="$W/apt"
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/parts" "$A/debs"
  KR=$(ls /usr/share/keyrings/debian-archive-keyring.gpg /usr/share/keyrings/debian-archive-keyring.pgp 2>/dev/null | head -1 || true)
  [ -n "$KR" ] || die "debian-archive-keyring is not installed"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' "$MIRROR" "$KR" >"$A/parts/trixie.sources"
  O=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$A/parts" -o Dir::State::Lists="$A/lists"
     -o Dir::Cache="$A/cache" -o APT::Sandbox::User=root)
  retry apt-get "${O[@]}" -qq update
  (cd "$A/debs" && rm -f ./*.deb && retry apt-get "${O[@]}" -qq download docker.io docker-cli containerd docker-compose docker-buildx)
  retry apt-get -qq update
  # a running old daemon would keep its binary busy during the upgrade
  if pgrep -x dockerd >/dev/null && ! engine_version_ok; then pkill -x dockerd || true; sleep 2; fi
  retry apt-get install -y -qq --no-install-recommends "$A"/debs/*.deb debootstrap >/dev/null
fi
if ! command -v debootstrap >/dev/null; then
  retry apt-get -qq update
  retry apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# 2. The daemon. There is no systemd here, so it is started by hand. A daemon killed earlier can linger as a zombie
# (PID 1 reaps late) and dockerd then refuses to start while its pidfile names a live-looking PID.
stale_pidfile() {  # $1 pidfile, $2 expected process name
  local p
  [ -f "$1" ] || return 0
  p=$(cat "$1" 2>/dev/null || true)
  if [ -z "$p" ] || [ ! -r "/proc/$p/stat" ] || [ "$(awk '{print $3}' "/proc/$p/stat")" = Z ] \
     || [ "$(cat "/proc/$p/comm" 2>/dev/null)" != "$2" ]; then
    rm -f "$1"
  fi
}
rm -f "$W/dockerd.pid"
if ! docker info >/dev/null 2>&1; then
  step "starting dockerd"
  stale_pidfile /var/run/docker.pid dockerd
  stale_pidfile /var/run/docker/containerd/containerd.pid containerd
  nohup /usr/sbin/dockerd >"$W/dockerd.log" 2>&1 &
  echo $! >"$W/dockerd.pid"
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$(cat "$W/dockerd.pid")" 2>/dev/null || break   # the daemon died: stop waiting
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { tail -40 "$W/dockerd.log" >&2; die "dockerd did not come up (log: $W/dockerd.log)"; }
fi

# 3. A base image without any registry.
if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  step "debootstrap bookworm (minbase)"
  R="$W/rootfs"
  rm -rf "$R"
  retry debootstrap --variant=minbase bookworm "$R" "$MIRROR" >"$W/debootstrap.log" 2>&1 \
    || { tail -40 "$W/debootstrap.log" >&2; die "debootstrap failed (log: $W/debootstrap.log)"; }
  # the official debian image's apt settings: no caches left in layers
  cat >"$R/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
CONF
  printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
    >"$R/etc/dpkg/dpkg.cfg.d/docker-slim"
  rm -rf "$R"/var/cache/apt/*.bin "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/* \
         "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/locale/*
  step "docker import -> $BASE_IMAGE"
  tar -C "$R" -c . | docker import --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$R"
fi

step "ready: $(docker version --format 'engine {{.Server.Version}} (API {{.Server.APIVersion}})'), compose $(docker compose version --short), base image $BASE_IMAGE"
