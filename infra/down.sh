#!/usr/bin/env bash
# Stops, by pid, what infra/up.sh started from this checkout; never touches anything else.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${PCC_RUN_DIR:-$ROOT/.run}"

stop() { # name pidfile
  local name="$1" pidf="$2"
  if [ ! -f "$pidf" ]; then echo "[down] $name: not started by this checkout"; return; fi
  local pid; pid="$(cat "$pidf")"
  if ! kill -0 "$pid" 2>/dev/null; then echo "[down] $name: not running"; rm -f "$pidf"; return; fi
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then echo "[down] $name: still running after 30s; sending SIGKILL"; kill -KILL "$pid"; fi
  rm -f "$pidf"
  echo "[down] $name: stopped (pid $pid)"
}

# `down.sh` stops both; `down.sh kafka` or `down.sh registry` stops one (tests restart the broker).
case "${1:-all}" in
  kafka) stop kafka "$RUN_DIR/kafka.pid" ;;
  registry) stop registry "$RUN_DIR/registry.pid" ;;
  all) stop registry "$RUN_DIR/registry.pid"; stop kafka "$RUN_DIR/kafka.pid" ;;
  *) echo "usage: infra/down.sh [kafka|registry]" >&2; exit 2 ;;
esac
