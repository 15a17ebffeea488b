#!/usr/bin/env bash
# A single-node KRaft Apache Kafka broker on localhost for development and CI, from the Apache Kafka jars on
# Maven Central and the machine's Java 17: no Docker engine needed (architecture.md, "Real components").
#
#   bash scripts/kafka.sh start|stop|status        (npm run kafka:start|kafka:stop|kafka:status)
#
# start: resolves the jars (first time), formats a fresh data directory, starts the broker and waits until it
# answers clients (exit 1 with the log tail otherwise); a no-op when it is already running. stop: SIGTERM, SIGKILL
# after 30 s, then wipes the data directory. status: exit 0 when running, 3 when not. One broker per checkout.
#
# Environment: KAFKA_PORT (client port, default 9092), KAFKA_CONTROLLER_PORT (default KAFKA_PORT+1),
# KAFKA_START_TIMEOUT_S (default 90), KAFKA_HEAP (default 1g).
# Everything lives under .kafka/ at the repository root (git-ignored): the Maven repository (m2/), the broker's
# class path (lib/<version>/), its configuration, log and pid file, and the data directory that `stop` wipes.
#
# A second broker beside that one (a test's own, e.g. one it stops and starts again): KAFKA_DATA_DIR=DIR gives it a
# directory of its own for everything but the jars (DIR/data, DIR/conf, DIR/logs, DIR/broker.log, DIR/broker.pid),
# with its own KAFKA_PORT. KAFKA_KEEP_DATA=1 makes `stop` keep the data directory and `start` reuse it when it is
# formatted already (topics and offsets survive the restart); by default start formats a fresh one.
set -euo pipefail

KAFKA_VERSION=3.9.1 # the same version as docker-compose.yml's apache/kafka image; kafkajs 2.2.4 speaks to it
SCALA_VERSION=2.13
SLF4J_VERSION=1.7.36 # the binding Kafka 3.9's own distribution ships (slf4j-reload4j)
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
CLUSTER_ID=ZHlhZGZsb3ctdGVzdC0wMQ # base64url of the 16 bytes "dyadflow-test-01": fixed, so a restart is the same cluster

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="$ROOT/.kafka"
LIB_DIR="$HOME_DIR/lib/$KAFKA_VERSION"
M2_DIR="$HOME_DIR/m2"
INSTANCE_DIR="${KAFKA_DATA_DIR:-$HOME_DIR}" # this broker's own files; the jars above are shared
DATA_DIR="$INSTANCE_DIR/data"
CONF_DIR="$INSTANCE_DIR/conf"
LOG_DIR="$INSTANCE_DIR/logs"
LOG_FILE="$INSTANCE_DIR/broker.log"
PID_FILE="$INSTANCE_DIR/broker.pid"
PORT_FILE="$INSTANCE_DIR/broker.port" # the port of the running broker, for status
KEEP_DATA="${KAFKA_KEEP_DATA:-0}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
START_TIMEOUT_S="${KAFKA_START_TIMEOUT_S:-90}"
HEAP="${KAFKA_HEAP:-1g}"

die() {
  echo "kafka.sh: $*" >&2
  exit 1
}

say() { echo "kafka.sh: $*" >&2; }

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH: install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)"
  local line major
  line="$(java -version 2>&1 | head -n 1)"
  major="$(sed -E 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/' <<<"$line")"
  # Java 8 and older report "1.x"; their major is the second number.
  if [[ "${major%% *}" == "1" ]]; then major="${major#* }"; else major="${major%% *}"; fi
  [[ "$major" =~ ^[0-9]+$ ]] || die "cannot read the Java version from: $line"
  ((major >= 17)) || die "Java $major found, Kafka $KAFKA_VERSION needs Java 17 or newer ($line)"
}

require_maven() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH: install Maven (e.g. apt-get install maven) to fetch the Kafka jars from Maven Central"
}

# Resolves the broker's runtime class path into .kafka/lib/<version>/ once; later starts reuse it.
resolve_jars() {
  [[ -f "$LIB_DIR/.complete" ]] && return 0
  require_maven
  mkdir -p "$HOME_DIR" "$M2_DIR"
  local pom="$HOME_DIR/pom-$KAFKA_VERSION.xml"
  cat >"$pom" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dyadflow.local</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$SCALA_VERSION</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  say "resolving org.apache.kafka:kafka_$SCALA_VERSION:$KAFKA_VERSION and its runtime dependencies from Maven Central (first time only)"
  local t0=$SECONDS tmp="$LIB_DIR.partial"
  rm -rf "$tmp"
  if ! mvn -B -q -f "$pom" -Dmaven.repo.local="$M2_DIR" "$DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$HOME_DIR/mvn.log" 2>&1; then
    tail -n 30 "$HOME_DIR/mvn.log" >&2
    die "Maven could not resolve the Kafka $KAFKA_VERSION jars (full log: $HOME_DIR/mvn.log)"
  fi
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  touch "$LIB_DIR/.complete"
  say "jars resolved in $((SECONDS - t0)) s ($(find "$LIB_DIR" -name '*.jar' | wc -l) jars, $(du -sh "$LIB_DIR" | cut -f1))"
}

is_running() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

running_port() { cat "$PORT_FILE" 2>/dev/null || echo "$PORT"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_config() {
  mkdir -p "$CONF_DIR" "$LOG_DIR"
  cat >"$CONF_DIR/server.properties" <<EOF
# Generated by scripts/kafka.sh: a single-node KRaft broker+controller for development and CI.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://localhost:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are created by dyadflow (ensureTopics) with the partitions it asks for, never by a typo.
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
log.retention.hours=168
log.segment.bytes=268435456
EOF
  cat >"$CONF_DIR/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$LOG_FILE
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
EOF
}

# True once the broker answers a metadata request (kafkajs admin when installed, else the log's start line).
broker_ready() {
  port_open "$PORT" || return 1
  if [[ -d "$ROOT/node_modules/kafkajs" ]] && command -v node >/dev/null 2>&1; then
    (cd "$ROOT" && KAFKA_READY_BROKER="localhost:$PORT" node --input-type=module -e '
      import { Kafka, logLevel } from "kafkajs";
      const admin = new Kafka({ clientId: "dyadflow-kafka-sh", brokers: [process.env.KAFKA_READY_BROKER], logLevel: logLevel.NOTHING,
        connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 } }).admin();
      try { await admin.connect(); await admin.listTopics(); await admin.disconnect(); process.exit(0); }
      catch { process.exit(1); }' >/dev/null 2>&1)
  else
    grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null
  fi
}

start() {
  if is_running; then
    say "already running (pid $(cat "$PID_FILE"), localhost:$(running_port))"
    return 0
  fi
  require_java
  port_open "$PORT" && die "port $PORT is already in use by another process: set KAFKA_PORT or stop it"
  port_open "$CONTROLLER_PORT" && die "controller port $CONTROLLER_PORT is already in use: set KAFKA_CONTROLLER_PORT"
  resolve_jars
  local reuse=0
  [[ "$KEEP_DATA" == "1" && -f "$DATA_DIR/meta.properties" ]] && reuse=1
  if ((reuse == 0)); then
    rm -rf "$DATA_DIR"
    mkdir -p "$DATA_DIR"
  fi
  : >"$LOG_FILE"
  write_config
  local cp="$LIB_DIR/*"
  local jvm=(-Xms256m "-Xmx$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$CONF_DIR/log4j.properties" "-Dkafka.logs.dir=$LOG_DIR")
  if ((reuse == 1)); then
    say "reusing the formatted data directory $DATA_DIR (KAFKA_KEEP_DATA=1)"
  elif ! java "${jvm[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$CONF_DIR/server.properties" \
    >>"$LOG_FILE" 2>&1; then
    tail -n 30 "$LOG_FILE" >&2
    die "formatting the storage in $DATA_DIR failed (log: $LOG_FILE)"
  fi
  nohup java "${jvm[@]}" -cp "$cp" kafka.Kafka "$CONF_DIR/server.properties" >>"$LOG_FILE" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$PORT" >"$PORT_FILE"
  say "starting Kafka $KAFKA_VERSION (pid $pid) on localhost:$PORT, log $LOG_FILE"
  local t0=$SECONDS
  while ((SECONDS - t0 < START_TIMEOUT_S)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      echo "---- last lines of $LOG_FILE" >&2
      tail -n 40 "$LOG_FILE" >&2
      die "the broker exited during start-up"
    fi
    if broker_ready; then
      say "ready after $((SECONDS - t0)) s: bootstrap localhost:$PORT"
      return 0
    fi
    sleep 1
  done
  echo "---- last lines of $LOG_FILE" >&2
  tail -n 40 "$LOG_FILE" >&2
  stop_pid "$pid"
  die "the broker did not accept clients within ${START_TIMEOUT_S} s"
}

# SIGTERM (controlled shutdown), then SIGKILL after 30 s.
stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  say "pid $pid still running after 30 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
}

stop() {
  if is_running; then
    local pid
    pid="$(cat "$PID_FILE")"
    stop_pid "$pid"
    say "stopped (pid $pid)"
  else
    say "not running"
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
  if [[ "$KEEP_DATA" == "1" ]]; then
    say "kept the data directory $DATA_DIR (KAFKA_KEEP_DATA=1)"
  else
    rm -rf "$DATA_DIR"
  fi
}

status() {
  if is_running; then
    echo "running (pid $(cat "$PID_FILE"), localhost:$(running_port))"
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
  echo "usage: bash scripts/kafka.sh start|stop|status   (KAFKA_PORT, default 9092; KAFKA_DATA_DIR, KAFKA_KEEP_DATA)" >&2
  exit 2
  ;;
esac
