#!/usr/bin/env bash
# Starts the local infrastructure without Docker: Apache Kafka (KRaft, single node), Apicurio
# Registry (Confluent-compatible API) and the machine's PostgreSQL. Idempotent: a service that
# this checkout started and that still runs is left alone; a healthy service already listening
# on its port (from another checkout, or docker compose) is used rather than fought.
#
# Everything it writes lives under $PCC_RUN_DIR (default .run/ in the checkout): pids, logs,
# Kafka's data, generated configuration. `infra/down.sh` stops by pid what this started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${PCC_RUN_DIR:-$ROOT/.run}"
KAFKA_HOST=127.0.0.1
KAFKA_PORT="${PCC_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${PCC_KAFKA_CONTROLLER_PORT:-9093}"
REGISTRY_PORT="${PCC_REGISTRY_PORT:-8081}"
# Apicurio's management interface (health, metrics); Quarkus opens it beside the API.
REGISTRY_MGMT_PORT="${PCC_REGISTRY_MGMT_PORT:-9000}"
PG_HOST="${PCC_PG_HOST:-127.0.0.1}"
PG_PORT="${PCC_PG_PORT:-5432}"
PG_USER="${PCC_PG_USER:-postgres}"
REGISTRY_DB="${PCC_REGISTRY_DB:-pcc_registry}"
KAFKA_HEAP="${PCC_KAFKA_HEAP:-768m}"
KAFKA_JVM_OPTS="${PCC_KAFKA_JVM_OPTS--XX:TieredStopAtLevel=1}"
REGISTRY_HEAP="${PCC_REGISTRY_HEAP:-512m}"
READY_TIMEOUT_S="${PCC_READY_TIMEOUT_S:-120}"

LIBS="$ROOT/infra/target/kafka-libs"
APICURIO="$ROOT/infra/target/apicurio"

log() { printf '[up] %s\n' "$*"; }
die() { printf '[up] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # name timeout_s command...
  local name="$1" timeout="$2"; shift 2
  local start=$SECONDS pidf="$RUN_DIR/$name.pid"
  until "$@"; do
    if (( SECONDS - start > timeout )); then return 1; fi
    # A process we started that has died will not become ready: fail now, with its log.
    if [ -f "$pidf" ] && ! pid_alive "$pidf"; then
      printf '[up] %s exited during start; last lines of its log:\n' "$name" >&2
      tail -n 15 "$RUN_DIR/$name.log" "$RUN_DIR/$name.out" 2>/dev/null | grep -v '^$' | tail -n 15 >&2
      rm -f "$pidf"
      return 1
    fi
    sleep 0.5
  done
  log "$name ready after $(( SECONDS - start ))s"
}

find_java25() {
  if [ -n "${PCC_REGISTRY_JAVA:-}" ]; then echo "$PCC_REGISTRY_JAVA"; return; fi
  local j
  for j in /usr/lib/jvm/temurin-25-jdk*/bin/java /usr/lib/jvm/temurin-2[1-9]-jdk*/bin/java /usr/lib/jvm/java-2[1-9]-openjdk*/bin/java; do
    [ -x "$j" ] && { echo "$j"; return; }
  done
  die "Apicurio Registry 3.x needs Java 21 or newer; none found under /usr/lib/jvm (set PCC_REGISTRY_JAVA)"
}

fetch_artifacts() {
  if [ -f "$LIBS/kafka_2.13-3.9.2.jar" ] && [ -f "$APICURIO/quarkus-run.jar" ]; then return; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Kafka and Apicurio from Maven Central"
  log "fetching Kafka and Apicurio Registry from Maven Central (first run only)"
  mvn -q -B -f "$ROOT/infra/pom.xml" package >"$RUN_DIR/mvn-fetch.log" 2>&1 \
    || die "maven fetch failed; see $RUN_DIR/mvn-fetch.log"
}

# --- PostgreSQL -------------------------------------------------------------------------------
pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }

start_postgres() {
  if pg_ready; then log "postgres: using the server on $PG_HOST:$PG_PORT"; return; fi
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    local ver; ver="$(ls /etc/postgresql | sort -V | tail -n1)"
    log "postgres: starting the machine's cluster $ver/main"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  fi
  wait_for postgres 60 pg_ready || die "PostgreSQL is not accepting connections on $PG_HOST:$PG_PORT"
}

ensure_database() {
  local db="$1"
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qc "CREATE DATABASE \"$db\"" >/dev/null
    log "postgres: created database $db"
  fi
}

# --- Kafka ------------------------------------------------------------------------------------
start_kafka() {
  local pidf="$RUN_DIR/kafka.pid" dir="$RUN_DIR/kafka"
  if pid_alive "$pidf"; then log "kafka: already running (pid $(cat "$pidf"))"; return; fi
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    log "kafka: something already listens on $KAFKA_HOST:$KAFKA_PORT; using it (readiness is checked by the bootstrap)"
    return
  fi
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=134217728
message.max.bytes=2097152
EOF
  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$RUN_DIR/kafka.log
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
log4j.logger.state.change.logger=WARN
EOF
  local cp="$LIBS/*"
  if [ ! -f "$dir/data/meta.properties" ]; then
    # A random base64url 16-byte id, the form `kafka-storage random-uuid` prints.
    local cluster_id
    cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    java -cp "$cp" -Dlog4j.configuration="file:$dir/log4j.properties" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$dir/server.properties" >"$RUN_DIR/kafka-format.log" 2>&1 \
      || die "kafka storage format failed; see $RUN_DIR/kafka-format.log"
  fi
  log "kafka: starting on $KAFKA_HOST:$KAFKA_PORT"
  # The JIT's first tier only, by default: on a 2-core machine that the broker shares with
  # everything else, its C2 compiler thread took as much CPU as the request handlers for many
  # minutes after a start (20,000 compilations, 60 s of compile time in the first ~6 minutes
  # of benchmarks) and the broker spent ~19 us of CPU per pipeline case after a 400,000-case
  # warm-up, against ~14 with C1 only (~12 for both once warm). PCC_KAFKA_JVM_OPTS replaces it
  # (PCC_KAFKA_JVM_OPTS="" for the JVM's defaults, as a dedicated production broker runs).
  # shellcheck disable=SC2086 # a list of options
  nohup java -Xms256m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true ${KAFKA_JVM_OPTS} \
    -Dlog4j.configuration="file:$dir/log4j.properties" \
    -cp "$cp" kafka.Kafka "$dir/server.properties" >"$RUN_DIR/kafka.out" 2>&1 &
  echo $! >"$pidf"
}

# --- Apicurio Registry ------------------------------------------------------------------------
registry_healthy() {
  curl -fsS -o /dev/null "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects" 2>/dev/null
}

start_registry() {
  local pidf="$RUN_DIR/registry.pid"
  if pid_alive "$pidf"; then log "registry: already running (pid $(cat "$pidf"))"; return; fi
  if port_open 127.0.0.1 "$REGISTRY_PORT"; then
    if registry_healthy; then log "registry: a healthy registry already listens on 127.0.0.1:$REGISTRY_PORT; using it"; return; fi
    die "port $REGISTRY_PORT is taken by something that is not a schema registry"
  fi
  ensure_database "$REGISTRY_DB"
  local java; java="$(find_java25)"
  log "registry: starting Apicurio on 127.0.0.1:$REGISTRY_PORT (storage: postgres database $REGISTRY_DB)"
  # `cd` on its own line: with `cd && nohup java &` the whole list is backgrounded in a
  # subshell and $! is that shell, not the JVM, so down.sh would stop the wrong process.
  (cd "$APICURIO" || exit 1
    nohup "$java" -Xms128m -Xmx"$REGISTRY_HEAP" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MGMT_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=postgresql \
    -Dapicurio.datasource.url="jdbc:postgresql://$PG_HOST:$PG_PORT/$REGISTRY_DB" \
    -Dapicurio.datasource.username="$PG_USER" -Dapicurio.datasource.password=unused \
    -Dapicurio.rules.global.compatibility=BACKWARD \
    -jar quarkus-run.jar >"$RUN_DIR/registry.log" 2>&1 &
    echo $! >"$pidf")
}

main() {
  mkdir -p "$RUN_DIR"
  command -v java >/dev/null || die "java is needed to run Kafka"
  command -v curl >/dev/null || die "curl is needed for health checks"
  fetch_artifacts
  start_postgres
  ensure_database "${PCC_PG_DATABASE:-pcc}"
  start_kafka
  start_registry
  wait_for kafka "$READY_TIMEOUT_S" port_open "$KAFKA_HOST" "$KAFKA_PORT" \
    || die "kafka did not open $KAFKA_HOST:$KAFKA_PORT in ${READY_TIMEOUT_S}s; see $RUN_DIR/kafka.log"
  wait_for registry "$READY_TIMEOUT_S" registry_healthy \
    || die "registry did not answer in ${READY_TIMEOUT_S}s; see $RUN_DIR/registry.log"
  cat <<EOF
[up] services:
[up]   kafka      $KAFKA_HOST:$KAFKA_PORT            log: $RUN_DIR/kafka.log
[up]   registry   http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7   log: $RUN_DIR/registry.log
[up]   postgres   postgres://$PG_USER@$PG_HOST:$PG_PORT/${PCC_PG_DATABASE:-pcc}   log: the machine's (pg_lsclusters)
EOF
}

main "$@"
