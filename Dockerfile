FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY static ./static
RUN pip install --no-cache-dir -e . && useradd --system --home /app tong
USER tong

ENV TONG_ENV=production TONG_HOST=0.0.0.0 TONG_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["tong", "serve"]
