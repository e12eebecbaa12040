# The collector image: `collector run` by default; also `provision`, `simulate`, `doctor`, `health`, `note`.
# Pinned base: CPython 3.11's newest patch on Debian 13 slim (the docker-library rebuilds only the newest patch of a
# minor, so bump the patch when a new one is out); the project is installed editable so that the Flux task
# templates (influxdb/tasks) stay where collector.provision looks for them.
FROM python:3.11.18-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HPM_DATA_DIR=/var/lib/hpm

# Non-root user in group 0 (as Grafana's image runs): files it shares through volumes can be group-readable.
# The mount points exist in the image with this owner, so named volumes start out writable by it (the changelog
# volume too: Grafana, uid 472 in group 0, reads it). The InfluxDB
# image reads its two init secrets as its own user, outside group 0: that folder alone is world-readable.
RUN useradd --uid 10001 --gid 0 --home-dir /var/lib/hpm --no-create-home --shell /usr/sbin/nologin hpm \
    && mkdir -p /app /var/lib/hpm/changelog /var/lib/hpm-tokens /var/lib/hpm-influx-admin /var/lib/hpm-grafana-admin \
    && chown 10001:0 /var/lib/hpm /var/lib/hpm/changelog /var/lib/hpm-tokens /var/lib/hpm-influx-admin \
        /var/lib/hpm-grafana-admin \
    && chmod 0750 /var/lib/hpm /var/lib/hpm/changelog /var/lib/hpm-tokens /var/lib/hpm-grafana-admin \
    && chmod 0755 /var/lib/hpm-influx-admin

WORKDIR /app
COPY pyproject.toml README.md ./
COPY collector ./collector
COPY influxdb/tasks ./influxdb/tasks
COPY scripts/init-secrets ./scripts/init-secrets
COPY scripts/lib/hpm_backup.py ./scripts/lib/hpm_backup.py
RUN pip install --editable . && python -m compileall -q collector

USER 10001:0
WORKDIR /var/lib/hpm
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 CMD ["collector", "health"]
ENTRYPOINT ["collector"]
CMD ["run"]
