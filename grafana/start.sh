#!/bin/sh
# Entrypoint of the Grafana container (compose mounts this folder read-only at /etc/grafana/hpm):
# copy the provisioning files of this repository into Grafana's provisioning directory, write the contact points
# from the HPM_ALERT_* environment (contact-points.sh), then start Grafana as the image would.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
dst=${GF_PATHS_PROVISIONING:-/etc/grafana/provisioning}
for kind in datasources dashboards alerting; do
    mkdir -p "$dst/$kind"
    cp "$src/provisioning/$kind/"*.yaml "$dst/$kind/"
done
sh "$src/contact-points.sh" "$dst/alerting/contact-points.yaml"
exec "${HPM_GRAFANA_RUN:-/run.sh}" "$@"
