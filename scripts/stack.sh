#!/usr/bin/env bash
# stack.sh - the local stack of real services, all on 127.0.0.1, all state
# under $BMDSTREAM_STATE_DIR/stack, each process stopped by its recorded PID.
#
#   scripts/stack.sh up      start what is not running, wait until each
#                            service answers, print the settings (env lines)
#   scripts/stack.sh down    stop what we started (by PID), keep the data
#   scripts/stack.sh status  say what runs; exit 1 if something is down
#   scripts/stack.sh env     print the settings as `export` lines
#   scripts/stack.sh reset   down, then delete all stack data
#   scripts/stack.sh rotate-kafka PRINCIPAL
#                            a new Kafka password for PRINCIPAL (e.g.
#                            bmdstream-bmd): its credentials file, the
#                            broker's PLAIN user and its SCRAM credential;
#                            Kafka is restarted (PLAIN users live in the
#                            broker's JAAS configuration); restart that
#                            principal's programs afterwards
#   scripts/stack.sh rotate-pg PRINCIPAL
#                            a new PostgreSQL password for PRINCIPAL's role
#                            (e.g. bmdstream-bmd -> bmdstream_bmd), online:
#                            the role's password and its credentials file;
#                            connections made before keep working
#
# Services: Apache Kafka 4.1 (single-node KRaft, broker+controller in one
# JVM, from the Maven jars), PostgreSQL 15 (initdb/pg_ctl), S3Proxy
# (aws-v4 authorization, filesystem backend, the project bucket created).
# Ports are taken from BMDSTREAM_KAFKA_PORT (9092; controller = +1, the
# broker's JMX metrics = +2, read-only, password in the state dir),
# BMDSTREAM_PG_PORT (25432) and BMDSTREAM_S3_PORT (9000). Keep them below
# Linux's ephemeral range (32768-60999): a client reconnecting to a port
# in it while nothing listens there (a fault test's stopped server) can be
# given that very port as its own and connect to itself, and the server
# then cannot bind it again ("Address already in use"). S3Proxy logs at
# BMDSTREAM_S3_LOG_LEVEL (info; debug logs every buffer Jetty reads).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ST=$BS_STATE/stack
KAFKA_PORT=${BMDSTREAM_KAFKA_PORT:-9092}
KAFKA_CTRL_PORT=$((KAFKA_PORT + 1))
KAFKA_JMX_PORT=$((KAFKA_PORT + 2))
PG_PORT=${BMDSTREAM_PG_PORT:-25432}
S3_PORT=${BMDSTREAM_S3_PORT:-9000}
S3_BUCKET=${BMDSTREAM_S3_BUCKET:-bmdstream}
UP_TIMEOUT=${BMDSTREAM_UP_TIMEOUT:-90}
PG_BIN=/usr/lib/postgresql/15/bin
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# ---- helpers -------------------------------------------------------------

# Runs a PostgreSQL server tool as the postgres user when we are root
# (initdb refuses to run as root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

secret() { # name: a random secret, made once and kept in the state dir
  local f=$ST/secrets/$1
  if ! [ -s "$f" ]; then
    mkdir -p "$ST/secrets"
    chmod 700 "$ST/secrets"
    head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$f"
    chmod 600 "$f"
  fi
  cat "$f"
}

wait_until() { # description deadline_s pidfile command...
  local what=$1 limit=$2 pidfile=$3
  shift 3
  local start
  start=$(now_ms)
  while ! "$@" >/dev/null 2>&1; do
    if [ -n "$pidfile" ] && ! pid_alive "$pidfile"; then
      die "$what exited during start-up; see its log under $ST"
    fi
    if [ $(($(now_ms) - start)) -gt $((limit * 1000)) ]; then
      die "$what did not answer within ${limit}s; see its log under $ST"
    fi
    sleep 0.2
  done
}

print_env() {
  local s3key s3secret pgpass
  s3key=bmdstream
  s3secret=$(secret s3)
  pgpass=$(secret pg)
  cat <<ENV
export BMDSTREAM_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
export BMDSTREAM_KAFKA_CREDENTIALS=$KCRED
export BMDSTREAM_KAFKA_JMX=127.0.0.1:$KAFKA_JMX_PORT
export BMDSTREAM_KAFKA_JMX_PASSWORD_FILE=$ST/secrets/kafka-jmx
export BMDSTREAM_DATABASE_URL=postgresql://bmdstream:$pgpass@127.0.0.1:$PG_PORT/bmdstream
export BMDSTREAM_DATABASE_CREDENTIALS=$PGCRED
export BMDSTREAM_OBJECT_STORE=s3
export BMDSTREAM_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export BMDSTREAM_S3_BUCKET=$S3_BUCKET
export BMDSTREAM_S3_REGION=us-east-1
export BMDSTREAM_S3_ACCESS_KEY=$s3key
export BMDSTREAM_S3_SECRET_KEY=$s3secret
ENV
}

# ---- PostgreSQL ----------------------------------------------------------

# As root the server runs as the postgres user, which must reach its data
# directory; when the checkout lies under a private directory (e.g. /root)
# the data goes to /var/tmp instead, linked from the state directory. PGD
# is the resolved directory that the server tools are given.
PGD=$ST/pg
[ -L "$ST/pg" ] && PGD=$(readlink -f "$ST/pg")

pg_make_dir() {
  [ -e "$ST/pg" ] && return 0
  mkdir -p "$ST"
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$ST"; then
    local alt
    alt=/var/tmp/bmdstream-pg-$(printf '%s' "$ST" | sha256sum | cut -c1-12)
    mkdir -p "$alt"
    ln -sfn "$alt" "$ST/pg"
  else
    mkdir -p "$ST/pg"
  fi
  PGD=$(readlink -f "$ST/pg")
}

pg_running() {
  [ -f "$PGD/data/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" status >/dev/null 2>&1
}

pg_up() {
  pg_running && return 0
  pg_make_dir
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PGD"
  if ! [ -f "$PGD/data/PG_VERSION" ]; then
    # The postgres superuser gets the generated password too; only the
    # server's own Unix socket trusts local users.
    local pw=$PGD/.pw
    (umask 077 && secret pg >"$pw")
    [ "$(id -u)" -eq 0 ] && chown postgres: "$pw"
    as_pg "$PG_BIN/initdb" -D "$PGD/data" -U postgres --pwfile="$pw" \
      -A scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 -N >"$PGD/initdb.log" 2>&1 ||
      die "initdb failed; see $PGD/initdb.log"
    rm -f "$pw"
  fi
  # fsync=off and full_page_writes=off lose data only if the machine
  # crashes; synchronous_commit stays on, so a commit is in the WAL files
  # before a stage publishes its next event: a killed server (the fault
  # tests) keeps every commit (with it off, the last ones, held in shared
  # memory, were lost while their events were out, e.g. a BMD result row
  # its chunks then named).
  as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t "$UP_TIMEOUT" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PGD -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || die "PostgreSQL did not start; see $PGD/server.log"
  # The application role and database (idempotent). bmdstream owns the
  # schema and runs the migrations, which make the program roles
  # (CREATEROLE; sql/0005_roles.sql); each program role gets its LOGIN and
  # password here, and its credentials file.
  local pw
  pw=$(secret pg)
  as_pg psql -h "$PGD" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 <<SQL >/dev/null
SELECT 'CREATE ROLE bmdstream LOGIN CREATEDB CREATEROLE' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bmdstream')\gexec
ALTER ROLE bmdstream CREATEDB CREATEROLE PASSWORD '$pw';
SELECT 'CREATE DATABASE bmdstream OWNER bmdstream' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'bmdstream')\gexec
$(pg_role_sql)
SQL
  pg_credentials
}

# The program principals and their roles: bmdstream-bmd -> bmdstream_bmd.
# The administrator (the `bmdstream` commands) is the owner, bmdstream,
# whom BMDSTREAM_DATABASE_URL names.
PG_PRINCIPALS="bmdstream-import bmdstream-prefilter bmdstream-bmd bmdstream-category bmdstream-tracker"
PGCRED=$ST/pg-credentials

pg_role_of() { echo "$1" | tr - _; }

pg_role_sql() { # each program role, with LOGIN and its password
  local p r
  for p in $PG_PRINCIPALS; do
    r=$(pg_role_of "$p")
    printf "SELECT 'CREATE ROLE %s' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s')\\gexec\n" "$r" "$r"
    printf "ALTER ROLE %s LOGIN PASSWORD '%s';\n" "$r" "$(secret "pg-$p")"
  done
}

pg_credentials() { # one libpq keyword file per principal, mode 0600
  mkdir -p "$PGCRED"
  chmod 700 "$PGCRED"
  local p
  for p in $PG_PRINCIPALS; do
    (umask 077 && printf 'user=%s password=%s\n' "$(pg_role_of "$p")" "$(secret "pg-$p")" \
      >"$PGCRED/$p.conninfo")
  done
}

rotate_pg() {
  local p=${1:-}
  case " $PG_PRINCIPALS " in
  *" $p "*) [ -n "$p" ] || die "usage: $0 rotate-pg PRINCIPAL" ;;
  *) die "rotate-pg: '$p' is not one of: $PG_PRINCIPALS" ;;
  esac
  pg_make_dir
  pg_running || die "rotate-pg: PostgreSQL is not running"
  rm -f "$ST/secrets/pg-$p"
  as_pg psql -h "$PGD" -p "$PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
    -c "ALTER ROLE $(pg_role_of "$p") PASSWORD '$(secret "pg-$p")'" >/dev/null ||
    die "rotate-pg: the password of $(pg_role_of "$p") was not changed"
  pg_credentials
  say "stack: $p has a new PostgreSQL password ($PGCRED/$p.conninfo); its new connections use it"
}

pg_answers() {
  PGPASSWORD=$(secret pg) psql -h 127.0.0.1 -p "$PG_PORT" -U bmdstream -d bmdstream -qAtc 'SELECT 1'
}

pg_down() {
  if pg_running; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGD/data" -m fast -w -t 60 stop >/dev/null
  fi
}

# ---- Kafka ---------------------------------------------------------------

# Every client authenticates as its own principal (SASL on the client
# listener), and the broker's StandardAuthorizer allows each only what
# `bmdstream acl apply` grants it (docs/security.md). The mechanism is
# SASL/PLAIN: SCRAM-SHA-512 is enabled too and each principal has SCRAM
# credentials, but Debian 12's librdkafka 2.0.2 cannot use SCRAM against
# Kafka 4 (it repeats the client nonce, which Kafka 4 checks strictly;
# fixed in librdkafka 2.6.1, confluentinc/librdkafka#4895), so our C
# programs and kcat use PLAIN; Kafka's Java tools use SCRAM. PLAIN sends the
# password inside the connection: on 127.0.0.1 here, under TLS (SASL_SSL)
# anywhere else. The controller listener uses PLAIN with a user known only
# to this JVM (KRaft keeps SCRAM credentials in the metadata the controller
# serves).
KAFKA_PRINCIPALS="bmdstream-admin bmdstream-operator bmdstream-import bmdstream-prefilter bmdstream-bmd bmdstream-category bmdstream-tracker"
KCRED=$ST/kafka/credentials

kafka_credentials() { # one librdkafka properties file per principal, mode 0600
  mkdir -p "$KCRED"
  chmod 700 "$KCRED"
  local p
  for p in $KAFKA_PRINCIPALS; do
    (
      umask 077
      cat >"$KCRED/$p.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.username=$p
sasl.password=$(secret "kafka-$p")
PROPS
    )
  done
  # The same admin identity for Kafka's Java tools (--command-config).
  (
    umask 077
    cat >"$KCRED/bmdstream-admin.java.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bmdstream-admin" password="$(secret kafka-bmdstream-admin)";
PROPS
  )
}

plain_users() { # the PLAIN user database of the client listener (JAAS options)
  local p
  for p in $KAFKA_PRINCIPALS; do
    printf ' user_%s="%s"' "$p" "$(secret "kafka-$p")"
  done
}

kafka_config() {
  mkdir -p "$ST/kafka/data"
  local ctl admin
  ctl=$(secret kafka-controller)
  admin=$(secret kafka-bmdstream-admin)
  (
    umask 077
    cat >"$ST/kafka/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CTRL_PORT
listeners=CLIENTS://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CTRL_PORT
advertised.listeners=CLIENTS://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CTRL_PORT
inter.broker.listener.name=CLIENTS
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENTS:SASL_PLAINTEXT
listener.name.clients.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.clients.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="bmdstream-admin" password="$admin"$(plain_users);
listener.name.clients.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$ctl" user_controller="$ctl";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:bmdstream-admin;User:controller
allow.everyone.if.no.acl.found=false
log.dirs=$ST/kafka/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
auto.create.topics.enable=false
num.network.threads=2
num.io.threads=2
PROPS
  )
  cat >"$ST/kafka/log4j2.properties" <<'PROPS'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = OUT
logger.req.name = kafka.request.logger
logger.req.level = warn
PROPS
  sed 's/^rootLogger.level = info/rootLogger.level = warn/' "$ST/kafka/log4j2.properties" \
    >"$ST/kafka/tools-log4j2.properties"
}

# The broker's own metrics (JMX on 127.0.0.1:$KAFKA_JMX_PORT, read-only
# user "monitor" with a generated password) count what Kafka refuses before
# our programs see anything: failed authentications
# (socket-server-metrics failed-authentication-total) and denied requests
# (authorizer-metrics); the attack suite reads them with Kafka's JmxTool.
# (Java hashes jmx.password in place on first use: the clear password is
# the secret kafka-jmx, BMDSTREAM_KAFKA_JMX_PASSWORD_FILE.)
kafka_jmx_files() {
  (
    umask 077
    printf 'monitor %s\n' "$(secret kafka-jmx)" >"$ST/kafka/jmx.password"
    printf 'monitor readonly\n' >"$ST/kafka/jmx.access"
  )
}

kafka_up() {
  pid_alive "$ST/kafka/kafka.pid" && return 0
  [ -d "$BS_JARS/kafka" ] || die "Kafka jars missing; run scripts/setup.sh"
  # A data directory formatted before authentication (no credentials kept)
  # has no SCRAM users: it is formatted again (the stack's data is disposable).
  if [ -d "$ST/kafka/data" ] && ! [ -d "$KCRED" ]; then
    say "stack: Kafka data predates authentication; formatting it again"
    rm -rf "$ST/kafka/data"
  fi
  kafka_config
  kafka_credentials
  local cp="$BS_JARS/kafka/*" p scram=()
  if ! [ -f "$ST/kafka/cluster.id" ]; then
    java -Xmx256m -cp "$cp" kafka.tools.StorageTool random-uuid >"$ST/kafka/cluster.id" 2>/dev/null
  fi
  # The principals' SCRAM credentials are written with the first metadata.
  for p in $KAFKA_PRINCIPALS; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$p,password=$(secret "kafka-$p")]")
  done
  java -Xmx256m -Dlog4j2.configurationFile="$ST/kafka/tools-log4j2.properties" -cp "$cp" \
    kafka.tools.StorageTool format --standalone --ignore-formatted "${scram[@]}" \
    -t "$(cat "$ST/kafka/cluster.id")" -c "$ST/kafka/server.properties" >"$ST/kafka/format.log" 2>&1 ||
    die "Kafka storage format failed; see $ST/kafka/format.log"
  kafka_jmx_files
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -Djava.awt.headless=true \
    -Dcom.sun.management.jmxremote=true -Dcom.sun.management.jmxremote.host=127.0.0.1 \
    -Dcom.sun.management.jmxremote.port="$KAFKA_JMX_PORT" \
    -Dcom.sun.management.jmxremote.rmi.port="$KAFKA_JMX_PORT" -Djava.rmi.server.hostname=127.0.0.1 \
    -Dcom.sun.management.jmxremote.ssl=false -Dcom.sun.management.jmxremote.authenticate=true \
    -Dcom.sun.management.jmxremote.password.file="$ST/kafka/jmx.password" \
    -Dcom.sun.management.jmxremote.access.file="$ST/kafka/jmx.access" \
    -Dlog4j2.configurationFile="$ST/kafka/log4j2.properties" -cp "$cp" \
    kafka.Kafka "$ST/kafka/server.properties" >"$ST/kafka/server.log" 2>&1 </dev/null &
  echo $! >"$ST/kafka/kafka.pid"
}

kafka_answers() {
  grep -q 'Kafka Server started' "$ST/kafka/server.log" &&
    kcat -F "$KCRED/bmdstream-admin.properties" -L -b "127.0.0.1:$KAFKA_PORT" -m 2 >/dev/null 2>&1
}

kafka_java_tool() { # class args...: one of Kafka's Java tools, as the admin
  local class=$1
  shift
  java -Xmx256m -Dlog4j2.configurationFile="$ST/kafka/tools-log4j2.properties" \
    -cp "$BS_JARS/kafka/*" "$class" --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
    --command-config "$KCRED/bmdstream-admin.java.properties" "$@"
}

rotate_kafka() {
  local p=${1:-}
  case " $KAFKA_PRINCIPALS " in
  *" $p "*) [ -n "$p" ] || die "usage: $0 rotate-kafka PRINCIPAL" ;;
  *) die "rotate-kafka: '$p' is not one of: $KAFKA_PRINCIPALS" ;;
  esac
  pid_alive "$ST/kafka/kafka.pid" || die "rotate-kafka: Kafka is not running"
  rm -f "$ST/secrets/kafka-$p"
  local pw
  pw=$(secret "kafka-$p")
  # The SCRAM credential first (online), while the admin's password holds.
  if [ "$p" != bmdstream-admin ]; then
    kafka_java_tool kafka.admin.ConfigCommand --alter --entity-type users --entity-name "$p" \
      --add-config "SCRAM-SHA-512=[password=$pw]" >"$ST/kafka/rotate.log" 2>&1 ||
      die "rotate-kafka: the SCRAM credential was not changed; see $ST/kafka/rotate.log"
  fi
  stop_pidfile Kafka "$ST/kafka/kafka.pid"
  kafka_up
  wait_until Kafka "$UP_TIMEOUT" "$ST/kafka/kafka.pid" kafka_answers
  say "stack: $p has a new Kafka password ($KCRED/$p.properties); restart its programs"
}

# ---- S3Proxy -------------------------------------------------------------

# S3Proxy's filesystem backend writes an object to "<key>-<UUID>" and
# renames it when complete, with its metadata in extended attributes; a
# S3Proxy killed mid-upload (the fault tests) leaves that temporary file,
# which has no user.content-md5 attribute, and every later listing of the
# bucket then fails (500, "Unable to get size of extended attribute").
# Before S3Proxy starts, such leftovers are removed: the upload they belong
# to never completed, so no one was told it succeeded.
s3_remove_partial_uploads() {
  python3 - "$ST/s3/data" <<'PY'
import os, re, sys
partial = re.compile(r"-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        path = os.path.join(root, name)
        # (Java keeps the attribute "content-md5" as user.user.content-md5)
        if partial.search(name) and not any(a.endswith("content-md5")
                                            for a in os.listxattr(path)):
            os.remove(path)
            print(f"stack: removed S3Proxy's partial upload {path}", file=sys.stderr)
PY
}

# S3Proxy's jar carries no logging configuration, and logback without one
# logs everything at DEBUG: Jetty wrote a line per 8 KB buffer read, 820 MB
# of log in five minutes of the pipeline benchmark, and S3Proxy spent 27 ms
# of CPU per uploaded MB on it against 3.2 ms at INFO (20 uploads of 21.6
# MB, measured alone). INFO unless BMDSTREAM_S3_LOG_LEVEL says otherwise.
s3_logback() {
  cat <<XML
<configuration>
  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} [%thread] %-5level %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <root level="${BMDSTREAM_S3_LOG_LEVEL:-info}"><appender-ref ref="OUT"/></root>
</configuration>
XML
}

s3_up() {
  pid_alive "$ST/s3/s3proxy.pid" && return 0
  [ -d "$BS_JARS/s3proxy" ] || die "S3Proxy jars missing; run scripts/setup.sh"
  mkdir -p "$ST/s3/data"
  s3_remove_partial_uploads
  (
    umask 077
    cat >"$ST/s3/s3proxy.conf" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v4
s3proxy.identity=bmdstream
s3proxy.credential=$(secret s3)
jclouds.provider=filesystem-nio2
jclouds.identity=local
jclouds.credential=local
jclouds.filesystem.basedir=$ST/s3/data
PROPS
  )
  s3_logback >"$ST/s3/logback.xml"
  nohup java -Xmx256m -Dlogback.configurationFile="$ST/s3/logback.xml" \
    -cp "$BS_JARS/s3proxy/*" org.gaul.s3proxy.Main \
    --properties "$ST/s3/s3proxy.conf" >"$ST/s3/s3proxy.log" 2>&1 </dev/null &
  echo $! >"$ST/s3/s3proxy.pid"
}

s3_signed() { # method path
  curl -sf -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 --user "bmdstream:$(secret s3)" \
    -H "x-amz-content-sha256: $EMPTY_SHA256" -X "$1" "http://127.0.0.1:$S3_PORT$2"
}

s3_answers() { s3_signed GET "/$S3_BUCKET"; }

s3_listening() { curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/"; }

s3_bucket() {
  s3_signed GET "/$S3_BUCKET" || s3_signed PUT "/$S3_BUCKET" || die "could not create bucket $S3_BUCKET"
}

# ---- commands ------------------------------------------------------------

up() {
  mkdir -p "$ST"
  local t0 t1 t_pg t_kafka t_s3
  t0=$(now_ms)
  # Start the two JVMs first so they boot while PostgreSQL initialises.
  kafka_up
  s3_up
  t1=$(now_ms)
  pg_up
  wait_until PostgreSQL "$UP_TIMEOUT" "" pg_answers
  t_pg=$(($(now_ms) - t1))
  wait_until S3Proxy "$UP_TIMEOUT" "$ST/s3/s3proxy.pid" s3_listening
  s3_bucket
  wait_until S3Proxy "$UP_TIMEOUT" "$ST/s3/s3proxy.pid" s3_answers
  t_s3=$(($(now_ms) - t0))
  wait_until Kafka "$UP_TIMEOUT" "$ST/kafka/kafka.pid" kafka_answers
  t_kafka=$(($(now_ms) - t0))
  say "stack: up in $(($(now_ms) - t0)) ms (answering after: PostgreSQL ${t_pg} ms, S3Proxy ${t_s3} ms, Kafka ${t_kafka} ms; the JVMs start in parallel)"
  print_env
}

down() {
  stop_pidfile Kafka "$ST/kafka/kafka.pid"
  stop_pidfile S3Proxy "$ST/s3/s3proxy.pid"
  pg_down
  say "stack: down"
}

status() {
  local rc=0
  if pg_running && pg_answers >/dev/null 2>&1; then
    say "postgresql  up    127.0.0.1:$PG_PORT"
  else
    say "postgresql  down"
    rc=1
  fi
  if pid_alive "$ST/kafka/kafka.pid" && kafka_answers; then
    say "kafka       up    127.0.0.1:$KAFKA_PORT (pid $(cat "$ST/kafka/kafka.pid"))"
  else
    say "kafka       down"
    rc=1
  fi
  if pid_alive "$ST/s3/s3proxy.pid" && s3_answers; then
    say "s3proxy     up    http://127.0.0.1:$S3_PORT bucket $S3_BUCKET (pid $(cat "$ST/s3/s3proxy.pid"))"
  else
    say "s3proxy     down"
    rc=1
  fi
  return $rc
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
env) print_env ;;
rotate-kafka) rotate_kafka "${2:-}" ;;
rotate-pg) rotate_pg "${2:-}" ;;
reset)
  down
  [ -L "$ST/pg" ] && rm -rf "$(readlink "$ST/pg")"
  rm -rf "$ST"
  ;;
*)
  say "usage: $0 up|down|status|env|reset|rotate-kafka PRINCIPAL|rotate-pg PRINCIPAL"
  exit 2
  ;;
esac
