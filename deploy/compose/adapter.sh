#!/bin/sh
# Entry point of an agency's adapter in docker-compose: `sh adapter.sh <agency>`.
# Uses the agency's own broker user (made by the broker-users job), copies the agency's sample
# export files into the watched folder (the adapter skips what it has already sent, so a restart
# re-sends nothing) and runs the watcher in the foreground so that it receives SIGTERM.
set -eu
agency="$1"
credentials="${BROKER_CREDENTIALS_DIR:-/var/lib/cosupervise/broker}/${agency}.uri"
inbox="${COSUPERVISE_VAR:-/var/lib/cosupervise}/inbox"
if [ ! -s "$credentials" ]; then
    echo "adapter ${agency}: ${credentials} is missing; did the broker-users job run?" >&2
    exit 1
fi
AMQP_URI="$(cat "$credentials")"
export AMQP_URI
mkdir -p "$inbox"
if [ -d /samples ]; then
    cp -R /samples/. "$inbox/"
fi
exec cosupervise adapter "$agency" watch "$inbox"
