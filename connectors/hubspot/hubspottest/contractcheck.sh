#!/usr/bin/env bash
# contractcheck.sh: run this package's tests with their HTTP traffic going
# through specproxy, which checks every request and answer against HubSpot's
# OpenAPI documents. Not run by `go test`.
#
# Usage: connectors/hubspot/hubspottest/contractcheck.sh [go test flags...]
#
# The tests serve each test's fake on HUBSPOTTEST_LISTEN (a fixed address,
# see TestMain) behind the proxy at SPECPROXY_URL. Tests that send requests
# the specs forbid on purpose, or use routes the specs do not describe
# (/oauth/authorize lives on app.hubspot.com), talk to their fake directly.
#
# Environment: SHARED (default /work/shared) holds tools/ and specs/;
# HUBSPOTTEST_PORT (default 18089); REPORT writes violations to a file.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$here/../../.." && pwd)
shared=${SHARED:-/work/shared}
addr=127.0.0.1:${HUBSPOTTEST_PORT:-18089}
args=(--upstream "http://$addr" --spec "$shared/specs/hubspot")
[[ -z ${REPORT:-} ]] || args+=(--report "$REPORT")
cd -- "$root"
HUBSPOTTEST_LISTEN=$addr exec "$shared/tools/contract-check" "${args[@]}" -- \
	go test -count=1 ./connectors/hubspot/hubspottest/ "$@"
