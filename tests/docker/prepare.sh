#!/usr/bin/env bash
# Makes Docker usable for the Testcontainers tests, or says in one line why it cannot.
#   1. installs docker.io (apt) when dockerd is missing;
#   2. starts a daemon when none answers: dockerd --bridge=none --iptables=false, in the background, logging to
#      $DOCKER_PREPARE_LOG (default /tmp/hashtag-bench-dockerd.log); a daemon that already answers is never stopped
#      or reconfigured;
#   3. makes sure the Redis image ($REDIS_IMAGE, default redis:7.2) exists: uses it when present, else tries
#      `docker pull` (bounded by $DOCKER_PULL_TIMEOUT seconds, default 20), else builds it from the installed
#      Debian redis-server (installing redis-server when missing): redis-server, redis-cli, /bin/sh and their
#      shared libraries, imported as a one-layer image.
# One line per step says what it did. Exit 0: Docker is usable. Non-zero: it is not (the reason is the last line);
# callers treat that as "skip the Docker tests". Idempotent: a second run with everything in place does nothing.
set -u
IMAGE="${REDIS_IMAGE:-redis:7.2}"
LOG="${DOCKER_PREPARE_LOG:-/tmp/hashtag-bench-dockerd.log}"
PULL_TIMEOUT="${DOCKER_PULL_TIMEOUT:-20}"
say() { echo "docker-prepare: $*"; }
fail() { echo "docker-prepare: NOT USABLE: $*" >&2; exit 1; }
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif [ -n "$SUDO" ]; then $SUDO "$@"; else return 1; fi; }
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$APT_UPDATED" = 0 ]; then as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# The docker CLI: prefer the one that came with the daemon (another docker on PATH may be a client stub).
find_docker() {
  if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker 2>/dev/null; fi
}

# --- 1. dockerd --------------------------------------------------------------------------------------------
DOCKERD="$(command -v dockerd 2>/dev/null || true)"
[ -z "$DOCKERD" ] && [ -x /usr/sbin/dockerd ] && DOCKERD=/usr/sbin/dockerd
DOCKER="$(find_docker || true)"
daemon_answers() { [ -n "$DOCKER" ] && timeout 5 "$DOCKER" info >/dev/null 2>&1; }

if daemon_answers; then
  say "daemon: already running ($("$DOCKER" version --format 'Engine {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null)); left as it is"
else
  if [ -z "$DOCKERD" ]; then
    apt_install docker.io || fail "dockerd is missing and 'apt-get install docker.io' failed (not root and no sudo, or no package source)"
    DOCKERD="$(command -v dockerd 2>/dev/null || echo /usr/sbin/dockerd)"
    [ -x "$DOCKERD" ] || fail "docker.io installed but dockerd not found"
    DOCKER="$(find_docker || true)"
    say "install: docker.io installed ($("$DOCKERD" --version 2>/dev/null))"
  else
    say "install: dockerd present at $DOCKERD"
  fi
  [ -n "$DOCKER" ] || fail "no docker CLI found"
  case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
    unix:///var/run/docker.sock) ;;
    *) fail "DOCKER_HOST=$DOCKER_HOST does not answer; not starting a daemon for another endpoint" ;;
  esac
  if pgrep -x dockerd >/dev/null 2>&1; then
    # A daemon of someone else's that is still starting: give it a moment, never restart it.
    for _ in $(seq 1 20); do daemon_answers && break; sleep 0.5; done
    daemon_answers || fail "a dockerd process exists but does not answer within 10s; not touching it"
    say "daemon: an existing dockerd answered after a wait; left as it is"
  else
    # No bridge and no iptables: containers use host networking only, and the machine's network is left alone.
    as_root sh -c "nohup '$DOCKERD' --bridge=none --iptables=false >>'$LOG' 2>&1 </dev/null &" \
      || fail "cannot start dockerd (needs root or passwordless sudo)"
    for _ in $(seq 1 60); do daemon_answers && break; sleep 0.5; done
    daemon_answers || fail "dockerd did not answer within 30s; last log lines: $(tail -n 3 "$LOG" 2>/dev/null | tr '\n' ' ')"
    say "daemon: started dockerd --bridge=none --iptables=false (log: $LOG; $("$DOCKER" version --format 'Engine {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null))"
  fi
fi

# --- 2. the Redis image ------------------------------------------------------------------------------------
if "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  say "image: $IMAGE present"
  exit 0
fi
if timeout "$PULL_TIMEOUT" "$DOCKER" pull -q "$IMAGE" >/dev/null 2>&1; then
  say "image: pulled $IMAGE"
  exit 0
fi
say "image: 'docker pull $IMAGE' failed or timed out after ${PULL_TIMEOUT}s (registry unreachable?); building it from the installed redis-server"
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  apt_install redis-server redis-tools || fail "redis-server is missing and 'apt-get install redis-server' failed"
  say "install: redis-server installed for the image build"
fi
ROOT="$(mktemp -d)"
trap 'rm -rf "$ROOT"' EXIT
copy_with_libs() {
  local f="$1"
  mkdir -p "$ROOT$(dirname "$f")" && cp -L "$f" "$ROOT$f" || return 1
  ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
    [ -e "$lib" ] || continue
    mkdir -p "$ROOT$(dirname "$lib")" && cp -Ln "$lib" "$ROOT$lib"
  done
}
# Debian's redis-server is a symlink to redis-check-rdb (the mode comes from argv[0]): keep the name redis-server.
SERVER="$(readlink -f "$(command -v redis-server)")"
CLI="$(readlink -f "$(command -v redis-cli)")"
SH="$(readlink -f /bin/sh)"
for f in "$SERVER" "$CLI" "$SH"; do copy_with_libs "$f" || fail "cannot copy $f into the image root"; done
mkdir -p "$ROOT/usr/local/bin" "$ROOT/bin" "$ROOT/data" "$ROOT/tmp" "$ROOT/etc"
chmod 1777 "$ROOT/tmp"
ln -sf "$SERVER" "$ROOT/usr/local/bin/redis-server"
ln -sf "$CLI" "$ROOT/usr/local/bin/redis-cli"
[ "$SH" = /bin/sh ] || ln -sf "$SH" "$ROOT/bin/sh"
echo "root:x:0:0:root:/root:/bin/sh" > "$ROOT/etc/passwd"
echo "root:x:0:" > "$ROOT/etc/group"
VERSION="$(redis-server --version | grep -oE 'v=[0-9.]+' | cut -d= -f2)"
tar -C "$ROOT" -c . | "$DOCKER" import \
    -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' -c 'WORKDIR /data' -c 'CMD ["redis-server"]' \
    -m "hashtag-bench: Debian redis-server $VERSION (registry unreachable)" - "$IMAGE" >/dev/null \
  || fail "docker import of the local Redis image failed"
"$DOCKER" run --rm --network host --entrypoint redis-server "$IMAGE" --version >/dev/null 2>&1 \
  || fail "the built image $IMAGE does not run redis-server"
say "image: built $IMAGE from the installed redis-server $VERSION"
exit 0
