# Tong as it is tested: the built wheel (the app's static files inside it), installed with the
# locked dependencies through scripts/install, the same script CI runs.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md requirements.lock ./
COPY scripts/install ./scripts/install
COPY server ./server
COPY static ./static
RUN scripts/install build /dist

FROM python:3.11-slim
COPY requirements.lock /opt/tong-install/
COPY scripts/install /opt/tong-install/scripts/install
COPY --from=build /dist/ /opt/tong-install/dist/
RUN /opt/tong-install/scripts/install wheel /opt/tong-install/dist/tong-*.whl /opt/tong \
    && useradd --system --create-home --home-dir /var/lib/tong tong
ENV PATH=/opt/tong/bin:$PATH
USER tong
WORKDIR /var/lib/tong

ENV TONG_ENV=production TONG_HOST=0.0.0.0 TONG_PORT=8000 TONG_DATA_DIR=/var/lib/tong
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["tong", "serve"]
