# A code location: weir's code server, the location's requirements and its code, in one image.
# Build from the repository root (BuildKit), naming the location's folder:
#   docker build -f docker/codeserver.Dockerfile --build-arg LOCATION_DIR=examples/sales -t weir-sales .
# Run (the token is the one the host's workspace names in token_env):
#   docker run -e WEIR_TOKEN=... -p 4266:4266 weir-sales -f definitions.py --location-name sales
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# weir's dependencies (this layer changes only with pyproject.toml), then weir itself.
COPY pyproject.toml docker/requirements_from_pyproject.py /opt/weir-src/
RUN python3 /opt/weir-src/requirements_from_pyproject.py /opt/weir-src/pyproject.toml > /tmp/weir-requirements.txt \
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

# The location: its requirements first (cached while only its code changes), then its code.
ARG LOCATION_DIR=examples/sales
COPY ${LOCATION_DIR}/requirements.txt /opt/location/requirements.txt
RUN pip install --no-cache-dir -r /opt/location/requirements.txt
COPY ${LOCATION_DIR}/ /opt/location/

WORKDIR /opt/location
# Run journals and the default IO manager's outputs live under /var/lib/weir (mount a volume there).
ENV WEIR_HOME=/var/lib/weir \
    WEIR_RUNS_DIR=/var/lib/weir/runs \
    WEIR_STORAGE_DIR=/var/lib/weir/storage \
    WEIR_CODE_SERVER_HOST=0.0.0.0 \
    WEIR_CODE_SERVER_PORT=4266
USER 10001:10001
EXPOSE 4266
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "/usr/local/lib/weir/healthcheck.py", "WEIR_CODE_SERVER_PORT"]
# Exec form: `weir code-server` execs the code server, which is PID 1's process and stops on SIGTERM.
ENTRYPOINT ["weir", "code-server", "start"]
CMD ["-f", "definitions.py"]
