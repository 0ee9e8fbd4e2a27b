# CI only: a stand-in for the official python:3.11-slim image, built on a debootstrapped Debian
# bookworm (no image registry is reachable on the CI machine). Never shipped.
FROM weir-ci/debian:bookworm
# pip inside builds must trust the machine's CA bundle (here, and only here).
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# Behave like the official image: `python` and `pip` on PATH, pip installs into /usr/local as root.
RUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED \
 && ln -s /usr/bin/python3 /usr/local/bin/python \
 && ln -s /usr/bin/pip3 /usr/local/bin/pip
ENV LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PIP_DEFAULT_TIMEOUT=120
CMD ["python3"]
