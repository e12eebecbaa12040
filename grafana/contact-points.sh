#!/bin/sh
# Writes Grafana's contact points and notification policy (file-provisioning format) to the file named by $1,
# with one receiver per channel whose environment variables are set. Grafana rejects a receiver with empty
# settings at startup, so the file can't be static. Secrets are written as $VAR references that Grafana expands
# when it reads the file, never as values. With no channel set, alerts still show in Grafana's alert list.
#   ntfy      HPM_ALERT_NTFY_URL (https://ntfy.example/topic), optional HPM_ALERT_NTFY_TOKEN
#   Telegram  HPM_ALERT_TELEGRAM_BOT_TOKEN, HPM_ALERT_TELEGRAM_CHAT_ID
#   Pushover  HPM_ALERT_PUSHOVER_TOKEN, HPM_ALERT_PUSHOVER_USER
#   e-mail    HPM_ALERT_EMAIL_TO (comma-separated; needs Grafana's GF_SMTP_* settings)
set -eu
out=${1:?usage: contact-points.sh OUTPUT.yaml}
receivers=""
unused=""  # receivers of channels no longer configured: removed so they stop sending

add() {  # add <uid> <yaml lines of the receiver after "uid:">
    receivers="$receivers
      - uid: $1
$2"
}

drop() {
    unused="$unused
  - orgId: 1
    uid: $1"
}

if [ -n "${HPM_ALERT_NTFY_URL:-}" ]; then
    auth=""
    if [ -n "${HPM_ALERT_NTFY_TOKEN:-}" ]; then
        auth='
          authorization_scheme: Bearer
          authorization_credentials: $HPM_ALERT_NTFY_TOKEN'
    fi
    add hpm-ntfy '        type: webhook
        settings:
          url: ${HPM_ALERT_NTFY_URL}?template=grafana
          httpMethod: POST'"$auth"
else
    drop hpm-ntfy
fi
if [ -n "${HPM_ALERT_TELEGRAM_BOT_TOKEN:-}" ] && [ -n "${HPM_ALERT_TELEGRAM_CHAT_ID:-}" ]; then
    add hpm-telegram '        type: telegram
        settings:
          bottoken: $HPM_ALERT_TELEGRAM_BOT_TOKEN
          chatid: "$HPM_ALERT_TELEGRAM_CHAT_ID"'
else
    drop hpm-telegram
fi
if [ -n "${HPM_ALERT_PUSHOVER_TOKEN:-}" ] && [ -n "${HPM_ALERT_PUSHOVER_USER:-}" ]; then
    add hpm-pushover '        type: pushover
        settings:
          apiToken: $HPM_ALERT_PUSHOVER_TOKEN
          userKey: $HPM_ALERT_PUSHOVER_USER
          priority: 1'
else
    drop hpm-pushover
fi
if [ -n "${HPM_ALERT_EMAIL_TO:-}" ]; then
    add hpm-email '        type: email
        settings:
          addresses: $HPM_ALERT_EMAIL_TO
          singleEmail: true'
else
    drop hpm-email
fi

if [ -z "$receivers" ]; then
    cat > "$out" <<YAML
# Written by grafana/contact-points.sh: no channel configured, alerts show in Grafana only.
# Grafana resets the policy before it deletes contact points, so removing the last receiver is allowed.
apiVersion: 1
resetPolicies:
  - 1
deleteContactPoints:$unused
YAML
    echo "contact-points.sh: no alert channel configured (HPM_ALERT_*): alerts show in Grafana only" >&2
    exit 0
fi

cat > "$out" <<YAML
# Written by grafana/contact-points.sh from the HPM_ALERT_* settings.
apiVersion: 1
contactPoints:
  - orgId: 1
    name: phone
    receivers:$receivers
deleteContactPoints:${unused:- []}
policies:
  - orgId: 1
    receiver: phone
    group_by: [grafana_folder, alertname]
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 4h
    routes:
      - receiver: phone
        object_matchers: [["alertname", "=~", "DatasourceNoData|DatasourceError"]]
        repeat_interval: 12h
      - receiver: phone
        object_matchers: [["severity", "=", "critical"]]
        repeat_interval: 1h
YAML
