#!/usr/bin/env bash
# contractcheck.sh: run the HubSpot connector's tests with their HTTP traffic
# going through specproxy, which checks every request and answer against
# HubSpot's OpenAPI documents. Not run by `go test`.
#
# Usage: connectors/hubspot/contractcheck.sh [go test flags...]
#
# The tests serve each test's fake on HUBSPOTTEST_LISTEN (a fixed address,
# see TestMain in main_test.go) behind the proxy at SPECPROXY_URL. The OAuth
# authorize page (app.hubspot.com, described by no API document) is the only
# traffic that goes to the fake directly.
#
# Environment: SHARED (default /work/shared) holds tools/ and specs/;
# HUBSPOT_CONTRACT_PORT (default 18181); REPORT writes violations to a file.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../.." && pwd)
shared=${SHARED:-/work/shared}
addr=127.0.0.1:${HUBSPOT_CONTRACT_PORT:-18181}
args=(--upstream "http://$addr" --spec "$shared/specs/hubspot")
[[ -z ${REPORT:-} ]] || args+=(--report "$REPORT")
cd -- "$root"
HUBSPOTTEST_LISTEN=$addr exec "$shared/tools/contract-check" "${args[@]}" -- \
	go test -count=1 ./connectors/hubspot/ "$@"
