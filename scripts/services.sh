#!/usr/bin/env bash
# Local Kafka (single-node KRaft, jars from Maven Central) and Redis for tests and development.
# Usage: scripts/services.sh up|down|status|start-kafka|stop-kafka|restart-kafka
# Addresses go to .sluice/services/env as shell exports. KAFKA_BROKERS / REDIS_URL already set in
# the environment (to anything but our own address) are checked and written through, not started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SVC="$ROOT/.sluice/services"
KAFKA_VERSION="${SLUICE_KAFKA_VERSION:-4.4.0}"
LOG4J_VERSION=2.25.5
KAFKA_PORT="${SLUICE_KAFKA_PORT:-19092}"
CONTROLLER_PORT="${SLUICE_KAFKA_CONTROLLER_PORT:-19093}"
# A second listener with SASL/PLAIN, so the clients' SASL settings are tested against a real broker.
SASL_PORT="${SLUICE_KAFKA_SASL_PORT:-19094}"
SASL_USER=sluice
SASL_PASSWORD=sluice-secret
# A third listener with TLS (a private CA made here with openssl), so the clients' TLS settings are too.
TLS_PORT="${SLUICE_KAFKA_TLS_PORT:-19095}"
REDIS_PORT="${SLUICE_REDIS_PORT:-16379}"
START_TIMEOUT="${SLUICE_KAFKA_START_TIMEOUT:-90}"
KDIR="$SVC/kafka" RDIR="$SVC/redis"
JARS="$KDIR/jars-$KAFKA_VERSION" KLOG="$KDIR/logs" KPID="$KDIR/kafka.pid" RPID="$RDIR/redis.pid"
OWN_KAFKA="127.0.0.1:$KAFKA_PORT" OWN_REDIS="redis://127.0.0.1:$REDIS_PORT"
JVM=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$KDIR/log4j2.xml" -cp "$JARS/*")

say() { echo "services: $*"; }
die() { echo "services: ERROR: $*" >&2; exit 1; }
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
# A pidfile only counts while its pid is still the process we started (pids get reused).
live_pid() { local pid; pid="$(cat "$1" 2>/dev/null)" && [[ -n "$pid" ]] && grep -qa -- "$2" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"; }
kafka_pid() { live_pid "$KPID" kafka.Kafka; }
redis_pid() { live_pid "$RPID" redis-server; }
have_kafkajs() { (cd "$ROOT" && node -e 'require.resolve("kafkajs")') >/dev/null 2>&1; }
kjs() { # script brokers: run a kafkajs snippet (k = client) from the repo root
  (cd "$ROOT" && timeout "${KJS_TIMEOUT:-15}" node -e "const { Kafka, logLevel } = require('kafkajs');
    const k = new Kafka({ clientId: 'sluice-services', brokers: process.argv[1].split(','), logLevel: logLevel.NOTHING,
      connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: ${KJS_RETRIES:-0} } });
    (async () => { $1 })().then(() => process.exit(0), () => process.exit(1));" "$2") >/dev/null 2>&1
}

# Readiness is a real metadata round trip when kafkajs is installed, else the broker's log line.
kafka_ready() {
  if have_kafkajs; then kjs 'const a = k.admin(); await a.connect(); await a.listTopics(); await a.disconnect();' "$OWN_KAFKA"
  else grep -q "Kafka Server started" "$KLOG/server.log" 2>/dev/null; fi
}

fetch_kafka_jars() {
  [[ -f "$JARS/.complete" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
  say "fetching Kafka $KAFKA_VERSION jars from Maven Central (first run only)..."
  local tmp="$KDIR/fetch"; rm -rf "$tmp" "$JARS"; mkdir -p "$tmp"
  # Kafka's poms pin slf4j-api 1.7, hence log4j2's slf4j 1.x binding.
  cat >"$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>sluice.local</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  mvn -q -B -f "$tmp/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -Dmdep.includeScope=runtime -DoutputDirectory="$tmp/jars" >"$KDIR/maven.log" 2>&1 \
    || die "Maven could not fetch Kafka $KAFKA_VERSION; see $KDIR/maven.log"
  touch "$tmp/jars/.complete" && mv "$tmp/jars" "$JARS" && rm -rf "$tmp"
  say "Kafka jars: $(du -sh "$JARS" | cut -f1) in $JARS"
}

# The TLS listener's private CA and server certificate (for 127.0.0.1), made once.
make_kafka_tls() {
  local dir="$KDIR/tls"
  [[ -f "$dir/server.pem" && -f "$dir/ca.pem" ]] && return 0
  command -v openssl >/dev/null || die "openssl not found (scripts/system-packages.sh installs it)"
  mkdir -p "$dir"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=sluice-test-ca" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext" &&
      openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 3650 -extfile "$dir/san.ext" -out "$dir/server.crt" &&
      openssl pkcs8 -topk8 -nocrypt -in "$dir/server.key" -out "$dir/server.pk8" &&
      cat "$dir/server.pk8" "$dir/server.crt" "$dir/ca.pem" >"$dir/server.pem"
  } >"$KDIR/tls.log" 2>&1 || die "making the Kafka TLS certificates failed; see $KDIR/tls.log"
}

write_kafka_config() {
  mkdir -p "$KLOG" "$KDIR/data"
  make_kafka_tls
  cat >"$KDIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$TLS_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$TLS_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
listener.name.ssl.ssl.keystore.type=PEM
listener.name.ssl.ssl.keystore.location=$KDIR/tls/server.pem
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_USER="$SASL_PASSWORD";
log.dirs=$KDIR/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
# One replica everywhere, and one partition per internal topic: creating the default 50 on a
# 2-core box makes the first group join / first transaction slow.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Lets tests use short consumer session timeouts.
group.min.session.timeout.ms=1000
num.network.threads=2
num.io.threads=4
EOF
  cat >"$KDIR/log4j2.xml" <<EOF
<Configuration status="warn">
  <Appenders>
    <RollingFile name="file" fileName="$KLOG/server.log" filePattern="$KLOG/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="20MB"/></Policies>
      <DefaultRolloverStrategy max="2"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="${SLUICE_KAFKA_LOG_LEVEL:-warn}"><AppenderRef ref="file"/></Root>
    <Logger name="kafka.server.KafkaRaftServer" level="info"/>
  </Loggers>
</Configuration>
EOF
}

start_kafka() {
  if kafka_pid >/dev/null; then wait_kafka_ready; return 0; fi
  port_open 127.0.0.1 "$KAFKA_PORT" && die "port $KAFKA_PORT is in use by a process this script did not start; stop it, or set KAFKA_BROKERS / SLUICE_KAFKA_PORT"
  command -v java >/dev/null || die "java not found (apt-get install -y openjdk-17-jre-headless)"
  fetch_kafka_jars
  write_kafka_config
  if [[ ! -f "$KDIR/data/meta.properties" ]]; then
    say "formatting Kafka storage in $KDIR/data..."
    # Base64url of 16 random bytes, without '-' and '_': an id that starts with '-' reads as an option.
    local id; id="$(head -c16 /dev/urandom | base64 | tr '+/' 'xy' | tr -d '=')"
    java "${JVM[@]}" kafka.tools.StorageTool format -t "$id" -c "$KDIR/server.properties" >"$KLOG/format.log" 2>&1 9>&- \
      || die "formatting Kafka storage failed; see $KLOG/format.log"
  fi
  say "starting Kafka $KAFKA_VERSION on $OWN_KAFKA..."
  # The previous run's log moves aside so the readiness fallback never sees an old "started" line.
  [[ -f "$KLOG/server.log" ]] && mv "$KLOG/server.log" "$KLOG/server-previous.log"
  # fd 9 (the lock) is closed so the long-lived broker never holds it.
  setsid nohup java "${JVM[@]}" kafka.Kafka "$KDIR/server.properties" >"$KLOG/stdout.log" 2>&1 </dev/null 9>&- &
  echo $! >"$KPID"
  wait_kafka_ready
  warm_kafka
  say "Kafka ready (pid $(cat "$KPID"))"
}

wait_kafka_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open 127.0.0.1 "$KAFKA_PORT" && kafka_ready; do
    kafka_pid >/dev/null || die "Kafka exited during startup; see $KLOG/server.log and $KLOG/stdout.log"
    ((SECONDS < deadline)) || die "Kafka not ready after ${START_TIMEOUT}s; see $KLOG/server.log"
    sleep 0.5
  done
}

# The group and transaction coordinators load lazily after every (re)start, creating their internal
# topics on first use; doing that here keeps "coordinator loading" retries out of test timings.
warm_kafka() {
  have_kafkajs || return 0
  KJS_TIMEOUT=60 KJS_RETRIES=8 kjs 'const a = k.admin(); await a.connect();
    await a.describeGroups(["sluice-services-warmup"]); await a.disconnect();
    const p = k.producer({ transactionalId: "sluice-services-warmup", idempotent: true, maxInFlightRequests: 1 });
    await p.connect(); await p.disconnect();' "$OWN_KAFKA" \
    || say "warning: Kafka coordinators did not warm up (first group join / transaction may be slow)"
}

stop_pid() { # name pidfile pid port
  say "stopping $1 (pid $3)..."
  kill -TERM "$3" 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while kill -0 "$3" 2>/dev/null || port_open 127.0.0.1 "$4"; do
    ((SECONDS < deadline)) || kill -KILL "$3" 2>/dev/null || true
    ((SECONDS < deadline + 10)) || die "$1 (pid $3) did not stop"
    sleep 0.2
  done
  rm -f "$2"
}
stop_kafka() { local pid; if pid="$(kafka_pid)"; then stop_pid Kafka "$KPID" "$pid" "$KAFKA_PORT"; else rm -f "$KPID"; fi; }
stop_redis() { local pid; if pid="$(redis_pid)"; then stop_pid Redis "$RPID" "$pid" "$REDIS_PORT"; else rm -f "$RPID"; fi; }

start_redis() {
  redis_pid >/dev/null && return 0
  if ! command -v redis-server >/dev/null; then
    [[ $EUID -eq 0 ]] || die "redis-server is not installed (sudo apt-get install -y redis-server)"
    say "installing redis-server with apt-get..."
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; } >"$SVC/apt.log" 2>&1 \
      || die "apt-get install redis-server failed; see $SVC/apt.log"
  fi
  port_open 127.0.0.1 "$REDIS_PORT" && die "port $REDIS_PORT is in use by a process this script did not start; stop it, or set REDIS_URL / SLUICE_REDIS_PORT"
  mkdir -p "$RDIR"
  say "starting Redis on $OWN_REDIS..."
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$RPID" --dir "$RDIR" \
    --save '' --appendonly no --logfile "$RDIR/redis.log" >/dev/null 9>&-
  local deadline=$((SECONDS + 20))
  until [[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; do
    ((SECONDS < deadline)) || die "Redis does not answer PING; see $RDIR/redis.log"
    sleep 0.1
  done
}

check_external() { # var value host:port...
  local hp
  for hp in "${@:3}"; do port_open "${hp%:*}" "${hp##*:}" && return 0; done
  die "$1=$2 is set but not reachable (unset it to let this script start one)"
}
redis_hostport() { local r="${1#*://}"; r="${r##*@}"; r="${r%%/*}"; [[ "$r" == *:* ]] || r="$r:6379"; echo "$r"; }

up() {
  local kafka="${KAFKA_BROKERS:-}" redis="${REDIS_URL:-}"
  # Our own address in the environment (e.g. the env file was sourced) still means "manage it".
  if [[ -z "$kafka" || "$kafka" == "$OWN_KAFKA" ]]; then start_kafka; kafka="$OWN_KAFKA"
  else check_external KAFKA_BROKERS "$kafka" ${kafka//,/ }; fi
  if [[ -z "$redis" || "$redis" == "$OWN_REDIS" ]]; then start_redis; redis="$OWN_REDIS"
  else check_external REDIS_URL "$redis" "$(redis_hostport "$redis")"; fi
  printf 'export KAFKA_BROKERS=%q\nexport REDIS_URL=%q\n' "$kafka" "$redis" >"$SVC/env.tmp"
  # Only the broker this script runs has the SASL listener (and its known test user).
  if [[ "$kafka" == "$OWN_KAFKA" ]]; then
    printf 'export KAFKA_SASL_BROKERS=%q\nexport KAFKA_SASL_USERNAME=%q\nexport KAFKA_SASL_PASSWORD=%q\n' \
      "127.0.0.1:$SASL_PORT" "$SASL_USER" "$SASL_PASSWORD" >>"$SVC/env.tmp"
    # A broker started before the TLS listener existed has none: restart-kafka adds it.
    if port_open 127.0.0.1 "$TLS_PORT"; then
      printf 'export KAFKA_TLS_BROKERS=%q\nexport KAFKA_TLS_CA_FILE=%q\n' "127.0.0.1:$TLS_PORT" "$KDIR/tls/ca.pem" >>"$SVC/env.tmp"
    else
      say "warning: the running broker has no TLS listener on $TLS_PORT; \`npm run services -- restart-kafka\` adds it"
    fi
  fi
  mv "$SVC/env.tmp" "$SVC/env"
  say "KAFKA_BROKERS=$kafka"
  say "REDIS_URL=$redis"
  say "exports written to $SVC/env"
}

status() {
  local pid
  if pid="$(kafka_pid)"; then say "kafka: running, pid $pid, $OWN_KAFKA (Kafka $KAFKA_VERSION, logs in $KLOG)"
  else say "kafka: not running (would serve $OWN_KAFKA)"; fi
  if pid="$(redis_pid)"; then say "redis: running, pid $pid, $OWN_REDIS"
  else say "redis: not running (would serve $OWN_REDIS)"; fi
  if [[ -f "$SVC/env" ]]; then say "$SVC/env:"; sed 's/^/  /' "$SVC/env"; fi
}

cmd="${1:-}"
case "$cmd" in
  up | down | status | start-kafka | stop-kafka | restart-kafka) ;;
  *) echo "usage: $0 up|down|status|start-kafka|stop-kafka|restart-kafka" >&2; exit 2 ;;
esac
mkdir -p "$SVC"
# Serialize all invocations: several test runners and people may call this at once.
exec 9>"$SVC/lock"
if ! flock -n 9; then
  say "waiting for another services.sh invocation to finish..."
  flock -w 900 9 || die "timed out waiting for $SVC/lock"
fi
case "$cmd" in
  up) up ;;
  down) stop_kafka; stop_redis; rm -f "$SVC/env"; say "stopped what this script started" ;;
  status) status ;;
  start-kafka) start_kafka ;;
  stop-kafka) stop_kafka ;;
  restart-kafka) stop_kafka; start_kafka ;;
esac
