"""Dashboards and alert rules as code (grafana-foundation-sdk, Grafana 11.6).

``python -m grafana.generator`` (or ``scripts/generate-dashboards``) writes grafana/dashboards/*.json and
grafana/provisioning/alerting/rules.yaml; tests/grafana fails when the committed files differ from its output.
"""
