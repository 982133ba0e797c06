#!/usr/bin/env bash
# The whole-pipeline benchmark: the bundle doing its whole job (authentication on, CRM forwarding on to a sink that
# verifies every signature, messages normalized into the tables, every event streamed to the broker), under the same
# load as the Node-RED reference flow (wrk, 50 connections, Evolution messages.upsert bodies over 500 chats).
#
#   src/bench/pipeline.sh                 # about 3 minutes; the report goes to target/benchmark/pipeline-<time>.txt
#   PROFILE=1 src/bench/pipeline.sh       # also records the measured phase with JFR and prints the hottest methods and
#                                         # the samples split by work (src/bench/jfr-work.py);
#                                         # PostgreSQL logs the plan of every statement slower than SLOW_PLAN_MS (500)
#
# Phases: warm-up; the measured load (intake rate and latency, then the seconds until every accepted event is at the
# CRM and in the message table, and the whole-pipeline rate = events / (load + drain)); the same load paced at
# PACED_RATE (default 1.5 x the Node-RED flow's latest figure; 0 leaves it out); the bare endpoint on the same
# server; memory; one hot chat (HOT_EVENTS events, drain rate, order at the CRM checked against the journal); a CRM
# outage backlog (BACKLOG events posted while the CRM answers 503, then the rate at which they drain).
# HOT_EVENTS=0 or BACKLOG=0 leaves that phase out; the bundle's own variables (RELAY_BATCH_SIZE, ...) and JAVA_OPTS
# pass through to it, PG_OPTS to PostgreSQL (e.g. PG_OPTS="-c log_lock_waits=on -c deadlock_timeout=5ms" logs every
# lock wait longer than 5 ms in the work folder's pg/postgres.log).
# Needs: Java 17, Maven, Node, Python 3 (PROFILE only), wrk (installed with apt when missing), PostgreSQL's server binaries (PGBIN; the
# benchmark runs its own cluster on PGPORT, default 5435, in its work folder).
set -euo pipefail
cd "$(dirname "$0")/../.."

CONNS=${CONNS:-50}; WARMUP_S=${WARMUP_S:-10}; RUN_S=${RUN_S:-30}; CHATS=${CHATS:-500}
HOT_EVENTS=${HOT_EVENTS:-10000}; BACKLOG=${BACKLOG:-50000}; SAT_PCT=${SAT_PCT:-90}
PORT=${PORT:-18088}; SINK_PORT=${SINK_PORT:-18090}; DB_NAME=${DB_NAME:-bench_pipeline}
PGHOST=127.0.0.1; PGPORT=${PGPORT:-5435}
TOKEN=bench-webhook-token; API=bench-api-token; SECRET=bench-crm-secret
WORK=${WORK:-$(mktemp -d -t bundle-bench.XXXXXX)}; mkdir -p "$WORK"
JAR=target/whatsapp-crm-bundle.jar
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p target/benchmark
REPORT=target/benchmark/pipeline-$STAMP.txt

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
say() { echo "$*" | tee -a "$REPORT"; }
sql() { psql -X -q -t -A -h $PGHOST -p $PGPORT -U postgres -d "$DB_NAME" -c "$1"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
sink() { local path=$1; shift; curl -sf "$@" "http://127.0.0.1:$SINK_PORT$path"; }
sink_unique() { sink /stats | sed -E 's/.*"unique":([0-9]+).*/\1/'; }
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }
cpu_snap() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
cpu_busy_pct() { set -- $1 $2; awk -v b1="$1" -v t1="$2" -v b2="$3" -v t2="$4" 'BEGIN{printf "%.0f", 100*(b2-b1)/(t2-t1)}'; }

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  declare -F stop_pg >/dev/null && stop_pg
}
trap cleanup EXIT

if [ -z "${SKIP_BUILD:-}" ]; then log "building $JAR"; mvn -B -q -DskipTests package >/dev/null; fi

# A PostgreSQL cluster of its own with the stock configuration (autovacuum on, synchronous commits), as the
# Node-RED reference flow gets: the machine's test cluster may be tuned otherwise.
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PG=$WORK/pg
rm -rf "$PG"; mkdir -p "$PG/data" "$PG/sock"; chmod 755 "$WORK"; chmod 700 "$PG/data"
[ "$(id -u)" = 0 ] && chown -R postgres "$PG"
as_postgres "$PGBIN/initdb" -D "$PG/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
as_postgres "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/postgres.log" -w \
  -o "-p $PGPORT -k $PG/sock -c listen_addresses=127.0.0.1 -c max_connections=200 ${PG_OPTS:-} ${PROFILE:+-c shared_preload_libraries=pg_stat_statements,auto_explain -c auto_explain.log_min_duration=${SLOW_PLAN_MS:-500} -c auto_explain.log_format=text}" \
  start >/dev/null
stop_pg() { as_postgres "$PGBIN/pg_ctl" -D "$PG/data" -m fast -w stop >/dev/null 2>&1 || true; }
psql -X -q -h $PGHOST -p $PGPORT -U postgres -d postgres -c "create database $DB_NAME" >/dev/null

CRM_PORT=$SINK_PORT CRM_SECRET=$SECRET node src/bench/crm-sink.js > "$WORK/sink.log" 2>&1 &
PIDS+=($!)

JFR_OPTS=()
[ -n "${PROFILE:-}" ] && JFR_OPTS=(-XX:FlightRecorderOptions=stackdepth=256 -XX:StartFlightRecording=name=bench,settings=profile,filename=$WORK/pipeline.jfr)
SERVER_PORT=$PORT DB_URL=jdbc:postgresql://$PGHOST:$PGPORT/$DB_NAME DB_USER=postgres \
  WEBHOOK_TOKEN=$TOKEN API_TOKEN=$API CRM_FORWARDING=${CRM_FORWARDING:-true} CRM_URL=http://127.0.0.1:$SINK_PORT/crm/events CRM_WEBHOOK_SECRET=$SECRET \
  BROKER_DATA_DIR=$WORK/activemq ROUTES_LOCATION="file:routes/*.camel.yaml,file:src/bench/bare.camel.yaml" \
  EVOLUTION_API_URL=http://127.0.0.1:9 EVOLUTION_API_KEY=bench \
  java ${JAVA_OPTS:-} "${JFR_OPTS[@]}" -jar $JAR > "$WORK/bundle.log" 2>&1 &
BUNDLE=$!; PIDS+=($BUNDLE)
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/actuator/health" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$PORT/actuator/health" >/dev/null || { tail -40 "$WORK/bundle.log"; exit 1; }

# wrk: URL threads tag [extra env]; prints the RESULT line
load() {
  local threads=$1 tag=$2 out="$WORK/wrk-$2.txt"; shift 2
  env RUN_TAG="$tag" WEBHOOK_TOKEN=$TOKEN CHATS=$CHATS "$@" wrk -t"$threads" -c"$CONNS" -d"${DURATION:-$RUN_S}s" \
    --timeout 10s --latency -s src/bench/webhook.lua "http://127.0.0.1:$PORT/webhook/evolution" > "$out" 2>&1 || true
  grep '^RESULT' "$out" | tail -1
}
journal() { sql "select count(*) from inbound_event where message_id like '3EB0$1%'"; }

# The server's own view of webhook latency (bundle_webhook_duration_seconds, a histogram): "le count" per bucket;
# server_pct BEFORE AFTER Q prints the upper bound in ms of the bucket holding quantile Q of the requests in between.
server_hist() {
  curl -sf -H "Authorization: Bearer $API" "http://127.0.0.1:$PORT/actuator/prometheus" \
    | sed -nE 's/^bundle_webhook_duration_seconds_bucket\{.*le="([^"]+)".*\} ([0-9.eE+]+)$/\1 \2/p'
}
server_pct() {
  awk -v q="$3" 'NR == FNR { a[$1] = $2; next } { n++; le[n] = $1; c[n] = $2 - a[$1] }
    END { for (i = 1; i <= n; i++) if (c[i] >= q * c[n]) { printf "%.1f", (le[i] == "+Inf" ? le[i - 1] : le[i]) * 1000; exit } }' "$1" "$2"
}
server_line() { echo "server's own p50 <= $(server_pct "$1" "$2" 0.5) ms, p99 <= $(server_pct "$1" "$2" 0.99) ms"; }

# Posts COUNT events (tag, count, extra env) and returns once the journal holds them all; prints the RESULT line.
post_count() {
  local tag=$1 count=$2 out="$WORK/wrk-$1.txt"; shift 2
  env RUN_TAG="$tag" WEBHOOK_TOKEN=$TOKEN CHATS=$CHATS MAX_REQUESTS=$((count / 2)) "$@" wrk -t2 -c"$CONNS" -d600s \
    --timeout 10s --latency -s src/bench/webhook.lua "http://127.0.0.1:$PORT/webhook/evolution" > "$out" 2>&1 &
  local wrk_pid=$!
  while [ "$(journal "$tag")" -lt "$count" ] && kill -0 $wrk_pid 2>/dev/null; do sleep 0.2; done
  kill -INT $wrk_pid 2>/dev/null || true; wait $wrk_pid 2>/dev/null || true
  grep '^RESULT' "$out" | tail -1
}
stored() { sql "select count(*) from message where wa_message_id like '3EB0$1%'"; }

# Waits until the run's accepted events are all at the CRM and in the message table. Prints "crm_s tables_s".
drain() {
  local tag=$1 crm0=$2 t0=$3 max=${4:-600} expected crm_at="" tables_at="" t
  expected=$(journal "$tag")
  for _ in $(seq $((max * 10))); do
    t=$(now)
    [ -z "$crm_at" ] && { [ "${CRM_FORWARDING:-true}" = false ] || [ $(( $(sink_unique) - crm0 )) -ge "$expected" ]; } && crm_at=$t
    [ -z "$tables_at" ] && [ "$(stored "$tag")" -ge "$expected" ] && tables_at=$t
    [ -n "$crm_at" ] && [ -n "$tables_at" ] && break
    sleep 0.1
  done
  echo "$(secs "$t0" "${crm_at:-$t}") $(secs "$t0" "${tables_at:-$t}") $expected"
}

say "==== whole pipeline: Evolution webhooks -> bundle -> CRM sink (signatures verified) + message table + broker streams"
say "date $(date -u +%FT%TZ); $(nproc) cores; $(java -version 2>&1 | head -1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
say "load: wrk, $CONNS connections, $CHATS chats, ${WARMUP_S}s warm-up, ${RUN_S}s measured; PostgreSQL $(sql 'show server_version')"

log "warm-up ${WARMUP_S}s"
c0=$(sink_unique); b0=$(cpu_snap)
DURATION=$WARMUP_S load 2 W >/dev/null
busy=$(cpu_busy_pct "$b0" "$(cpu_snap)")
if [ -n "${WRK_THREADS:-}" ]; then threads=$WRK_THREADS; elif [ "$busy" -ge "$SAT_PCT" ]; then threads=1; else threads=2; fi
drain W "$c0" "$(now)" >/dev/null
log "warm-up cpu ${busy}% -> wrk -t$threads"

if [ -n "${PROFILE:-}" ]; then
  jcmd $BUNDLE JFR.start name=measured settings=profile >/dev/null
  sql "create extension if not exists pg_stat_statements; select pg_stat_statements_reset()" >/dev/null
fi
c0=$(sink_unique); b0=$(cpu_snap); server_hist > "$WORK/hist-M0"
res=$(load "$threads" M)
t_end=$(now); busy=$(cpu_busy_pct "$b0" "$(cpu_snap)"); server_hist > "$WORK/hist-M1"
read -r crm_s tables_s accepted < <(drain M "$c0" "$t_end")
if [ -n "${PROFILE:-}" ]; then
  jcmd $BUNDLE JFR.dump name=measured filename=$WORK/measured.jfr >/dev/null
  sql "select calls, round(total_exec_time) as ms, round(mean_exec_time::numeric, 2) as mean_ms, rows,
              round(wal_bytes / 1048576) as wal_mb, left(regexp_replace(query, '\s+', ' ', 'g'), 100)
         from pg_stat_statements order by total_exec_time desc limit 12" > "$WORK/statements.txt"
fi
drain_s=$(awk -v a="$crm_s" -v b="$tables_s" 'BEGIN{print (a>b)?a:b}')
whole=$(awk -v n="$accepted" -v r="$RUN_S" -v d="$drain_s" 'BEGIN{printf "%.0f", n/(r+d)}')
say ""
say "intake        $(field rps "$res") req/s, p50 $(field p50_ms "$res") ms, p99 $(field p99_ms "$res") ms, max $(field max_ms "$res") ms, non-2xx $(field non2xx "$res"), wrk -t$threads, cpu ${busy}%"
say "              $(server_line "$WORK/hist-M0" "$WORK/hist-M1")"
say "accepted      $accepted events in the journal"
say "drained       at the CRM ${crm_s} s, in the message table ${tables_s} s after the load stopped"
say "WHOLE PIPELINE $whole events/s  (accepted / (${RUN_S} s + ${drain_s} s))"
say "sink          $(sink /stats)"

# The same load paced at PACED_RATE: by default 1.5 x the Node-RED flow's latest sustained rate in the peers'
# results log (../shared/peers: run it first, in the same session), else 2,250/s.
peer=$(grep -h 'peer=node-red mode=sync' "${PEERS_RESULTS:-${TMPDIR:-/tmp}/peers/results.log}" 2>/dev/null | tail -1 \
  | sed -E 's/.*sustained_rows_per_s=([0-9.]+).*/\1/')
if [ -n "$peer" ]; then
  say "Node-RED      $peer events/s (latest figure of the peers' results log): this run is $(awk -v a="$whole" -v b="$peer" 'BEGIN{printf "%.2f", a/b}') x"
fi
PACED_RATE=${PACED_RATE:-$(awk -v p="${peer:-1500}" 'BEGIN{printf "%d", p * 1.5}')}
if [ "$PACED_RATE" -gt 0 ]; then
  log "paced at $PACED_RATE events/s"
  # each connection waits DELAY_MS after an answer: calibrate the wait on a short run, as the answer's own time counts
  cycle_ms=$(( CONNS * 1000 / PACED_RATE )); wait_ms=$(( cycle_ms > 2 ? cycle_ms - 2 : 1 ))
  c0=$(sink_unique)
  probe=$(DURATION=5 load 2 C DELAY_MS=$wait_ms)
  wait_ms=$(awk -v c="$CONNS" -v r="$(field rps "$probe")" -v w="$wait_ms" -v t="$cycle_ms" \
    'BEGIN{l = c * 1000 / r - w; d = int(t - l + 0.5); print (d < 1) ? 1 : d}')
  drain C "$c0" "$(now)" >/dev/null
  c0=$(sink_unique); server_hist > "$WORK/hist-P0"
  paced=$(load 2 P DELAY_MS=$wait_ms)
  server_hist > "$WORK/hist-P1"
  read -r p_crm p_tables p_n < <(drain P "$c0" "$(now)")
  say "paced         aimed at $PACED_RATE events/s: $(field rps "$paced") req/s, p50 $(field p50_ms "$paced") ms, p99 $(field p99_ms "$paced") ms, max $(field max_ms "$paced") ms, non-2xx $(field non2xx "$paced"); $p_n events at the CRM ${p_crm} s and in the tables ${p_tables} s after the load"
  say "              $(server_line "$WORK/hist-P0" "$WORK/hist-P1")"
fi

log "bare endpoint"
wrk -t2 -c"$CONNS" -d5s -H "Authorization: Bearer $API" "http://127.0.0.1:$PORT/bench/bare" >/dev/null 2>&1 || true
bare=$(wrk -t2 -c"$CONNS" -d10s --latency -H "Authorization: Bearer $API" "http://127.0.0.1:$PORT/bench/bare" 2>&1)
say "bare endpoint $(awk '/Requests\/sec/{print $2}' <<<"$bare") req/s, p99 $(awk '$1=="99%"{print $2}' <<<"$bare") (same server, API token, constant answer)"

jcmd $BUNDLE GC.run >/dev/null 2>&1 || true
heap=$(jcmd $BUNDLE GC.heap_info 2>/dev/null | awk '/used/{for(i=1;i<=NF;i++) if($i=="used"){print $(i+1); exit}}')
say "memory        RSS $(( $(ps -o rss= -p $BUNDLE) / 1024 )) MB, heap used after GC ${heap:-?}"

if [ "$HOT_EVENTS" -gt 0 ]; then
log "hot chat: $HOT_EVENTS events"
c0=$(sink_unique); t0=$(now)
hot=$(post_count H "$HOT_EVENTS" CHATS=1)
t1=$(now)
read -r hot_crm _ hot_n < <(drain H "$c0" "$t1")
chat=$(sql "select chat_id from inbound_event where message_id like '3EB0H%' limit 1")
sql "select event_id from inbound_event where message_id like '3EB0H%' order by seq" > "$WORK/hot-journal.txt"
sink "/order?chat=$chat" | tr -d '[]"' | tr ',' '\n' | grep -Fxf "$WORK/hot-journal.txt" > "$WORK/hot-crm.txt" || true
if cmp -s "$WORK/hot-crm.txt" "$WORK/hot-journal.txt"; then order="in journal order"; else order="OUT OF ORDER (see $WORK/hot-*.txt)"; fi
say "hot chat      $hot_n events posted in $(secs "$t0" "$t1") s (p99 $(field p99_ms "$hot") ms), all at the CRM $hot_crm s later: $(awk -v n="$hot_n" -v a="$t0" -v b="$t1" -v d="$hot_crm" 'BEGIN{printf "%.0f", n/(b-a+d)}') events/s end to end, $order"

fi

if [ "$BACKLOG" -gt 0 ]; then
log "CRM outage backlog: $BACKLOG events"
sink "/outage?on=1" -X POST >/dev/null
c0=$(sink_unique)
post_count B "$BACKLOG" >/dev/null
for _ in $(seq 600); do [ "$(sql 'select count(*) from event_outbox')" = 0 ] && break; sleep 0.5; done
t0=$(now); sink "/outage?on=0" -X POST >/dev/null
read -r back_crm _ back_n < <(drain B "$c0" "$t0")
first=$(sink /stats | sed -E 's/.*"firstAfterOutageMs":([0-9]+).*/\1/')
first_s=$(awk -v f="$first" -v t="$t0" 'BEGIN{printf "%.1f", f/1000-t}')
say "backlog       $back_n events queued during the outage; first delivery $first_s s after the CRM is back, all in $back_crm s: $(awk -v n="$back_n" -v d="$back_crm" -v f="$first_s" 'BEGIN{printf "%.0f", n/(d-f)}') events/s once delivering"
say "sink          $(sink /stats)"
fi

if [ -n "${PROFILE:-}" ]; then
  JFR=/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr; command -v "$JFR" >/dev/null || JFR=jfr
  say ""; say "PostgreSQL statements of the measured phase (calls|ms|mean ms|rows|WAL MB|statement):"
  tee -a "$REPORT" < "$WORK/statements.txt"
  say ""; say "hottest methods of the measured phase (JFR, $WORK/measured.jfr):"
  "$JFR" view --width 160 hot-methods "$WORK/measured.jfr" 2>/dev/null | head -30 | tee -a "$REPORT" || true
  say ""; say "samples of the measured phase by the work they belong to (src/bench/jfr-work.py):"
  "$JFR" print --stack-depth 100 --events jdk.ExecutionSample "$WORK/measured.jfr" 2>/dev/null \
    | python3 src/bench/jfr-work.py | tee -a "$REPORT" || true
  slow=$(grep -c 'duration: .* plan:' "$PG/postgres.log" || true)
  say ""; say "statements slower than ${SLOW_PLAN_MS:-500} ms over the whole run (auto_explain, $PG/postgres.log): $slow"
fi
log "report: $REPORT (bundle log: $WORK/bundle.log)"
