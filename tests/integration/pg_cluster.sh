#!/bin/sh
# A private PostgreSQL server for the scale-out tests (tests/integration/test_pgstore.c):
# its own cluster in a temporary directory, on 127.0.0.1 and a given port, trust
# authentication for the user ijwgw, torn down by the test. PostgreSQL refuses to run as
# root, so under root (CI) the server runs as the `postgres` user the Debian package
# creates, owning the directory.
#
#   pg_cluster.sh start DIR PORT       initdb + pg_ctl start (waits until it accepts)
#   pg_cluster.sh createdb DIR PORT NAME
#   pg_cluster.sh sql DIR PORT NAME SQL  run SQL in database NAME (psql)
#   pg_cluster.sh restart DIR          pg_ctl restart -m fast (drops every connection)
#   pg_cluster.sh stop DIR             pg_ctl stop -m fast
#
# Exit status 77: no PostgreSQL server is installed (the tests are skipped).
set -eu
cmd=$1
dir=$2
bindir=""
for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then
        bindir=$d
    fi
done
if [ -z "$bindir" ] && command -v initdb >/dev/null 2>&1; then
    bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ]; then
    echo "no PostgreSQL server installed (initdb not found; apt-get install postgresql)"
    exit 77
fi
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
case $cmd in
start)
    port=$3
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$dir"
    fi
    if ! as_owner "$bindir/initdb" -D "$dir/data" -U ijwgw -A trust -E UTF8 \
        >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log"
        exit 1
    fi
    if ! as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir" start >/dev/null; then
        cat "$dir/server.log"
        exit 1
    fi
    ;;
createdb)
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$3" -U ijwgw "$4"
    ;;
sql)
    as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$3" -U ijwgw -d "$4" \
        -c "$5" >/dev/null
    ;;
restart)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w restart >/dev/null
    ;;
stop)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
*)
    echo "usage: pg_cluster.sh start DIR PORT | createdb DIR PORT NAME | sql DIR PORT NAME SQL | restart DIR | stop DIR" >&2
    exit 2
    ;;
esac
