#!/bin/sh
# Entry point of an agency's adapter in docker-compose: `sh adapter.sh <agency>`.
# Connects as the agency's own broker user (made by the broker-users job) and watches the
# agency's sample export files, mounted read-only at /samples (the watcher never moves or changes
# an agency's files and sends each file once). exec: the watcher itself receives SIGTERM.
set -eu
agency="$1"
credentials="${BROKER_CREDENTIALS_DIR:-/var/lib/cosupervise/broker}/${agency}.uri"
if [ ! -s "$credentials" ]; then
    echo "adapter ${agency}: ${credentials} is missing; did the broker-users job run?" >&2
    exit 1
fi
AMQP_URI="$(cat "$credentials")"
export AMQP_URI
exec cosupervise adapter "$agency" watch "${ADAPTER_INBOX:-/samples}"
