#!/bin/sh
# Writes Grafana's contact points and notification policy (file-provisioning format) to the file named by $1,
# with one receiver per configured channel. Grafana rejects a receiver with empty settings at startup, so the
# file can't be static. Tokens are files in $HPM_ALERT_SECRETS_DIR (compose: ./secrets/grafana, read-only),
# written as $__file{...} references that Grafana reads itself when it loads the file: never a value, never an
# environment variable. With no channel set, alerts still show in Grafana's alert list.
#   ntfy      HPM_ALERT_NTFY_URL (https://ntfy.example/topic, may have a query string), optional file
#             hpm_alert_ntfy_token
#   Telegram  file hpm_alert_telegram_bot_token, HPM_ALERT_TELEGRAM_CHAT_ID
#   Pushover  files hpm_alert_pushover_token and hpm_alert_pushover_user
#   e-mail    HPM_ALERT_EMAIL_TO (comma-separated; needs Grafana's GF_SMTP_* settings)
set -eu
out=${1:?usage: contact-points.sh OUTPUT.yaml}
secrets=${HPM_ALERT_SECRETS_DIR:-/run/hpm-secrets}

secret() {  # secret <name>: Grafana's reference to the non-empty secret file, or nothing
    if [ -r "$secrets/$1" ] && [ -n "$(tr -d '[:space:]' <"$secrets/$1")" ]; then  # Grafana trims the value
        printf '$__file{%s}' "$secrets/$1"
    elif [ -e "$secrets/$1" ]; then
        echo "contact-points.sh: $1 is empty or unreadable for Grafana (uid 472, group 0): channel skipped" >&2
    fi
}
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

ntfy_token=$(secret hpm_alert_ntfy_token)
telegram_token=$(secret hpm_alert_telegram_bot_token)
pushover_token=$(secret hpm_alert_pushover_token)
pushover_user=$(secret hpm_alert_pushover_user)

if [ -n "${HPM_ALERT_NTFY_URL:-}" ]; then
    auth=""
    if [ -n "$ntfy_token" ]; then
        auth="
          authorization_scheme: Bearer
          authorization_credentials: $ntfy_token"
    fi
    case $HPM_ALERT_NTFY_URL in
        *\?*) separator='&' ;;  # the URL has a query string already
        *) separator='?' ;;
    esac
    add hpm-ntfy '        type: webhook
        settings:
          url: ${HPM_ALERT_NTFY_URL}'"${separator}"'template=grafana
          httpMethod: POST'"$auth"
else
    drop hpm-ntfy
fi
if [ -n "$telegram_token" ] && [ -n "${HPM_ALERT_TELEGRAM_CHAT_ID:-}" ]; then
    add hpm-telegram "        type: telegram
        settings:
          bottoken: $telegram_token"'
          chatid: "$HPM_ALERT_TELEGRAM_CHAT_ID"'
else
    drop hpm-telegram
fi
if [ -n "$pushover_token" ] && [ -n "$pushover_user" ]; then
    add hpm-pushover "        type: pushover
        settings:
          apiToken: $pushover_token
          userKey: $pushover_user
          priority: 1"
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
    echo "contact-points.sh: no alert channel configured (HPM_ALERT_* and $secrets): alerts show in Grafana only" >&2
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
