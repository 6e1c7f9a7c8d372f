# Tong as it is tested: the built wheel (the app's static files inside it), installed with the
# locked dependencies through scripts/install, the same script CI runs. The layout is the one of
# README's "Production": Tong in a venv at /opt/tong, its data directory /var/lib/tong.

FROM python:3.11-slim-trixie AS build
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY scripts/install ./scripts/install
COPY server ./server
COPY static ./static
RUN scripts/install build /dist

FROM python:3.11-slim-trixie
# pg_dump for `tong backup`: it must be at least the server's major version (compose runs 16;
# trixie's client is 17). Debian's current client is what this image wants, hence no pin.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock /opt/tong-install/
COPY scripts/install /opt/tong-install/scripts/install
COPY --from=build /dist/ /opt/tong-install/dist/
RUN /opt/tong-install/scripts/install wheel /opt/tong-install/dist/tong-*.whl /opt/tong \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/tong tong
ENV PATH=/opt/tong/bin:$PATH
# Numeric, so the host and Kubernetes' runAsNonRoot can tell it is not root.
USER 10001:10001
WORKDIR /var/lib/tong

ENV TONG_ENV=production TONG_HOST=0.0.0.0 TONG_PORT=8000 TONG_DATA_DIR=/var/lib/tong
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["tong", "serve"]
