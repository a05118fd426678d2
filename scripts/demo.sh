#!/usr/bin/env bash
# `make demo`: starts Pushy on its embedded PostgreSQL with three local
# nodes, runs a job that succeeds on all three and one that fails quorum
# (a command the nodes do not whitelist), and prints both statuses.
# `bash scripts/demo.sh stop` (or `make demo-stop`) stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/${BUILD:-build}/bin"
DEMO="${PUSHY_DEMO_DIR:-/tmp/pushy-demo}"
CONF="$DEMO/pushy.conf"
ORG=demo
NODES="node1 node2 node3"

ctl() { "$BIN/pushy-ctl" -c "$CONF" "$@"; }
cli() { "$BIN/pushy" -c "$DEMO/knife.rb" "$@"; }

stop_demo() {
    if [ -f "$CONF" ]; then ctl stop || true; fi
    for n in $NODES; do
        if [ -f "$DEMO/$n.pid" ]; then kill "$(cat "$DEMO/$n.pid")" 2>/dev/null || true; rm -f "$DEMO/$n.pid"; fi
    done
    echo "demo stopped (its files stay in $DEMO; remove them to start afresh)"
}

if [ "${1:-}" = stop ]; then stop_demo; exit 0; fi

if [ -f "$CONF" ] && ctl status >/dev/null 2>&1; then
    echo "A demo is already running; stopping it first."
    stop_demo
fi
mkdir -p "$DEMO/keys"
chmod 755 "$DEMO"
port_base=${PUSHY_DEMO_PORT_BASE:-10000}
cat > "$CONF" <<CONF
run_dir = $DEMO/run
data_dir = $DEMO/data
log_dir = $DEMO/log
server_name = 127.0.0.1
zeromq_listen_address = tcp://127.0.0.1
api_listen_address = 127.0.0.1
server_heartbeat_port = $port_base
command_port = $((port_base + 2))
api_port = $((port_base + 3))
heartbeat_interval = 1000
CONF
API="http://127.0.0.1:$((port_base + 3))"

echo "==> starting pushyd (config $CONF)"
ctl start
ctl status

echo "==> creating org '$ORG', user 'demo-admin' and node clients"
ctl org-create "$ORG" >/dev/null 2>&1 || true   # already there on a re-run
if [ ! -f "$DEMO/keys/demo-admin.pem" ]; then
    ctl user-create demo-admin --org "$ORG" --admin -f "$DEMO/keys/demo-admin.pem"
fi
cat > "$DEMO/knife.rb" <<RB
node_name "demo-admin"
client_key "$DEMO/keys/demo-admin.pem"
chef_server_url "$API/organizations/$ORG"
RB

for n in $NODES; do
    [ -f "$DEMO/keys/$n.pem" ] || ctl client-create "$n" --org "$ORG" -f "$DEMO/keys/$n.pem"
    cat > "$DEMO/$n.rb" <<RB
node_name "$n"
chef_server_url "$API/organizations/$ORG"
client_key "$DEMO/keys/$n.pem"
log_location "$DEMO/log/client-$n.log"
file_dir "$DEMO/files-$n"
whitelist({"hello" => "/bin/echo hello from $n", "uptime" => "uptime", "false" => "false"})
RB
    nohup "$BIN/pushy-client" -c "$DEMO/$n.rb" >/dev/null 2>&1 &
    echo $! > "$DEMO/$n.pid"
done

echo "==> waiting for the nodes to be up and available"
for _ in $(seq 1 60); do
    if [ "$(cli node status 2>/dev/null | grep -c '	available$')" -eq 3 ]; then break; fi
    sleep 0.5
done
cli node status

echo
echo "==> job 1: 'hello' on all three nodes (whitelisted: succeeds)"
cli job start hello $NODES || true

echo
echo "==> job 2: 'chef-client' on all three nodes (not whitelisted: nacked, quorum fails)"
cli job start chef-client $NODES || true

echo
echo "==> jobs so far"
cli job list

cat <<TXT

The demo is running:
  logs:       $DEMO/log (pushy-ctl -c $CONF tail)
  CLI:        $BIN/pushy -c $DEMO/knife.rb job start uptime node1 node2
              $BIN/pushy -c $DEMO/knife.rb node status
  status:     $BIN/pushy-ctl -c $CONF status
  stop it:    make demo-stop     (or: bash scripts/demo.sh stop)
TXT
