#!/usr/bin/env bash
# Starts and stops the local stack as plain processes: Kafka (KRaft), Redis, the dev mailbox
# and the three services. Pid files in var/run, logs in var/log. Every start is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VAR=$ROOT/var
PY=$ROOT/.venv/bin/python
mkdir -p "$VAR/run" "$VAR/log" "$VAR/kafka" "$VAR/redis" "$VAR/mail/tmp" "$VAR/mail/new" "$VAR/mail/cur"

KAFKA_PORT=${ROSTRUM_KAFKA_PORT:-9092}
REDIS_PORT=${ROSTRUM_REDIS_PORT:-6380}
# The local broker lives for a session on a small machine it shares with the services: the JIT's top tier
# (C2) cost it more CPU than it saved, and the parallel collector less than G1 (see README, Tests).
KAFKA_JVM_OPTS=${ROSTRUM_KAFKA_JVM_OPTS:--Xms256m -Xmx768m -XX:+UseParallelGC -XX:TieredStopAtLevel=1}
declare -A SERVICE_PORT=([registration]=8000 [queue]=8001 [notifier]=8002)

alive() { [ -f "$VAR/run/$1.pid" ] && kill -0 "$(cat "$VAR/run/$1.pid")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # name port seconds
  for _ in $(seq 1 $(( $3 * 5 ))); do port_open "$2" && return 0; sleep 0.2; done
  echo "$1 did not open port $2 within $3 s; see var/log/$1.log" >&2; return 1
}

start() {  # name command...: runs it in the background unless already running
  local name=$1; shift
  if alive "$name"; then echo "$name: already running (pid $(cat "$VAR/run/$name.pid"))"; return 0; fi
  nohup "$@" >>"$VAR/log/$name.log" 2>&1 &
  echo $! >"$VAR/run/$name.pid"
  echo "$name: started (pid $!)"
}

kafka_up() {
  if port_open "$KAFKA_PORT" && ! alive kafka; then echo "kafka: something already listens on $KAFKA_PORT" >&2; return 1; fi
  local cp="$VAR/cache/kafka-libs/*"
  if [ ! -f "$VAR/kafka/data/meta.properties" ]; then
    java -cp "$cp" -Dlog4j2.configurationFile=deploy/kafka/log4j2.yaml kafka.tools.StorageTool format \
      -t "$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null)" -c deploy/kafka/server.properties \
      >>"$VAR/log/kafka.log" 2>&1
  fi
  # shellcheck disable=SC2086  # the options are words
  start kafka java $KAFKA_JVM_OPTS -Dlog4j2.configurationFile=deploy/kafka/log4j2.yaml \
    -cp "$cp" kafka.Kafka deploy/kafka/server.properties
  "$PY" deploy/wait_kafka.py 90
  "$PY" deploy/topics.py
}

redis_up() {
  if alive redis; then echo "redis: already running (pid $(cat "$VAR/run/redis.pid"))"; return 0; fi
  # AOF on: the read model and the idempotency keys must survive a restart.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$VAR/redis" --appendonly yes \
    --appendfsync everysec --daemonize yes --pidfile "$VAR/run/redis.pid" --logfile "$VAR/log/redis.log" \
    --save ""
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "redis: started on $REDIS_PORT"
}

mailbox_up() {  # development SMTP server keeping every message under var/mail (a Maildir)
  start mailbox "$PY" -m aiosmtpd -n -l 127.0.0.1:1025 -c aiosmtpd.handlers.Mailbox "$VAR/mail"
}

service_up() {
  local name=$1 port=${SERVICE_PORT[$1]}
  case $name in
    queue) start queue "$PY" -m services.queue ;;
    *) start "$name" "$PY" -m "services.$name" ;;
  esac
  wait_port "$name" "$port" 60
}

stop_one() {
  local name=$1 pid
  alive "$name" || { rm -f "$VAR/run/$name.pid"; return 0; }
  pid=$(cat "$VAR/run/$name.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$VAR/run/$name.pid"
  echo "$name: stopped"
}

case ${1:-} in
  kafka) kafka_up ;;
  redis) redis_up ;;
  mailbox) mailbox_up ;;
  service) service_up "$2" ;;
  stop-one) stop_one "$2" ;;
  stop) for n in registration notifier queue mailbox redis kafka; do stop_one "$n"; done ;;
  *) echo "usage: deploy/stack.sh kafka|redis|mailbox|service NAME|stop-one NAME|stop" >&2; exit 2 ;;
esac
