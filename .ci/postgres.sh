# Sourced by .ci/run: starts a throwaway PostgreSQL cluster for the tests of
# the Postgres state backend and exports KOPLA_TEST_POSTGRES, its URL. The
# cluster lives in a temporary directory, runs as an unprivileged user (the
# server refuses to run as root) and listens on loopback only; an EXIT trap
# stops it and removes the directory.
#
# Postgres comes from the system's packages; it is installed when missing.

kopla_pg_bin() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	done
	command -v initdb >/dev/null && dirname "$(command -v initdb)" && return 0
	return 1
}

kopla_pg_start() {
	local bin dir port user run
	if ! bin=$(kopla_pg_bin); then
		echo "postgres.sh: PostgreSQL not found; installing it" >&2
		if [ "$(id -u)" -eq 0 ]; then
			DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 ||
				{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; }
		else
			sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
		fi
		bin=$(kopla_pg_bin) || { echo "postgres.sh: no initdb after installing postgresql" >&2; return 1; }
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/kopla-pg.XXXXXX")
	KOPLA_PG_DIR=$dir
	run=()
	if [ "$(id -u)" -eq 0 ]; then
		# root cannot run postgres: the cluster belongs to nobody.
		user=nobody
		chown "$user" "$dir"
		run=(runuser -u "$user" --)
	fi
	# A free loopback port: ask the kernel, then hand it to the server.
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000)))
	"${run[@]}" "$bin/initdb" -D "$dir/data" -U kopla --auth=trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; return 1; }
	# fsync off: a throwaway cluster need not survive a power loss.
	"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200" start >&2 ||
		{ cat "$dir/server.log" >&2; return 1; }
	KOPLA_PG_RUN=("${run[@]}")
	KOPLA_PG_CTL="$bin/pg_ctl"
	export KOPLA_TEST_POSTGRES="postgres://kopla@127.0.0.1:$port/postgres?sslmode=disable"
	echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

kopla_pg_stop() {
	[ -n "${KOPLA_PG_DIR:-}" ] || return 0
	"${KOPLA_PG_RUN[@]}" "$KOPLA_PG_CTL" -D "$KOPLA_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$KOPLA_PG_DIR"
	KOPLA_PG_DIR=
	unset KOPLA_TEST_POSTGRES
}

trap kopla_pg_stop EXIT
kopla_pg_start
