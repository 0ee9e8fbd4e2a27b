# The Weir host: Host API, workspace, daemon (schedules, sensors, run queue, run monitor), storage.
# Build from the repository root (BuildKit):
#   docker build -f docker/host.Dockerfile -t weir-host .
# Run with PostgreSQL (run `storage migrate` once first, e.g. as a one-shot container):
#   docker run -e WEIR_STORAGE_URL=postgresql+psycopg://... -e WEIR_TOKEN=... \
#     -v ./workspace.yaml:/etc/weir/workspace.yaml:ro -p 4200:4200 weir-host
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# weir's dependencies, the PostgreSQL driver and the Docker SDK (for run_launcher: docker); these
# layers change only with pyproject.toml. Then weir itself. The first steps are the code location
# image's, so the two share their layers.
COPY pyproject.toml docker/requirements_from_pyproject.py /opt/weir-src/
RUN python3 /opt/weir-src/requirements_from_pyproject.py /opt/weir-src/pyproject.toml > /tmp/weir-requirements.txt \
 && pip install --no-cache-dir -r /tmp/weir-requirements.txt \
 && rm /tmp/weir-requirements.txt
RUN python3 /opt/weir-src/requirements_from_pyproject.py /opt/weir-src/pyproject.toml postgres docker > /tmp/weir-requirements.txt \
 && pip install --no-cache-dir -r /tmp/weir-requirements.txt \
 && rm /tmp/weir-requirements.txt
COPY README.md /opt/weir-src/
COPY protos /opt/weir-src/protos
COPY sdk /opt/weir-src/sdk
COPY codeserver /opt/weir-src/codeserver
COPY host /opt/weir-src/host
RUN pip install --no-cache-dir --no-deps /opt/weir-src \
 && rm -rf /opt/weir-src \
 && groupadd --gid 10001 weir \
 && useradd --no-log-init --uid 10001 --gid weir --home-dir /var/lib/weir --create-home --shell /usr/sbin/nologin weir \
 && install -d -o weir -g weir /var/lib/weir/runs /var/lib/weir/storage
COPY docker/healthcheck.py /usr/local/lib/weir/healthcheck.py
COPY docker/workspace.yaml /etc/weir/workspace.yaml

WORKDIR /var/lib/weir
ENV WEIR_HOME=/var/lib/weir \
    WEIR_HOST_BIND=0.0.0.0 \
    WEIR_HOST_PORT=4200 \
    WEIR_UI_HOST=0.0.0.0 \
    WEIR_UI_PORT=3000
USER 10001:10001
# 4200: the Host API (gRPC); 3000: the web UI (HTTP).
EXPOSE 4200 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "/usr/local/lib/weir/healthcheck.py", "WEIR_HOST_PORT"]
# Exec form: the host is PID 1's process and stops (with its daemon) on SIGTERM.
ENTRYPOINT ["weir"]
CMD ["host", "start", "-w", "/etc/weir/workspace.yaml"]
