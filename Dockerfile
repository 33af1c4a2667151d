# syntax=docker/dockerfile:1.7
# One image for every process of the platform: the five services, the gateway, the migrations,
# the demo loader and the agencies' adapters differ only by their command
# (`cosupervise serve planning`, `cosupervise migrate`, `cosupervise adapter cdi watch DIR`, ...).
#
#   docker build -t cosupervise:local .
#
# Stage 1 builds every wheel once: the runtime dependencies (pyproject.toml's `dependencies` and
# the areas' requirements/*.txt), each at the version requirements.lock pins, and the project.
# Test and development tools (pytest, playwright, ...) stay out. Stage 2 installs only those
# wheels, offline, and runs as an unprivileged user on a root filesystem that Kubernetes and
# docker-compose mount read-only (the only writable place is $COSUPERVISE_VAR).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src

# Dependencies first, so that a code change does not rebuild them. One combined list, every
# transitive package constrained by the lock: two different pins of one package fail the build.
COPY pyproject.toml requirements.lock ./
COPY requirements/ ./requirements/
RUN mkdir -p /wheels \
    && python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" \
       > /wheels/requirements.txt \
    && find requirements -name '*.txt' -exec cat {} + >> /wheels/requirements.txt \
    && pip wheel --wheel-dir /wheels -r /wheels/requirements.txt -c requirements.lock

# Then the project itself, as one wheel of its own (its dependencies are already pinned above).
# config/ is read from the working directory (COSUPERVISE_CONFIG): make sure it exists.
COPY . .
RUN pip wheel --no-deps --wheel-dir /wheels/project . \
    && mkdir -p /src/config


FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="cosupervise" \
      org.opencontainers.image.description="协同联动监督平台: services, gateway, adapters" \
      org.opencontainers.image.source="https://example.invalid/cosupervise"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COSUPERVISE_ENV=production \
    COSUPERVISE_CONFIG=/app/config/cosupervise.yaml \
    COSUPERVISE_VAR=/var/lib/cosupervise \
    COSUPERVISE_HTTP=0.0.0.0:8000 \
    COSUPERVISE_PLANNING_HTTP=0.0.0.0:8101 \
    COSUPERVISE_LEADS_HTTP=0.0.0.0:8102 \
    COSUPERVISE_RECTIFICATION_HTTP=0.0.0.0:8103 \
    COSUPERVISE_RESEARCH_HTTP=0.0.0.0:8104 \
    COSUPERVISE_SHARING_HTTP=0.0.0.0:8105

# A fixed numeric uid/gid: Kubernetes' runAsNonRoot can only verify a numeric USER. The folders
# under $COSUPERVISE_VAR exist in the image so that a fresh named volume mounted there (compose)
# starts owned by that user.
RUN groupadd --system --gid 10001 cosupervise \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
               --shell /usr/sbin/nologin cosupervise \
    && mkdir -p /app /var/lib/cosupervise/keys /var/lib/cosupervise/inbox \
                /var/lib/cosupervise/broker \
    && chown -R 10001:10001 /var/lib/cosupervise

# Install from the wheels of stage 1 only (--no-index): the image never resolves anything itself.
# The bind mount keeps the wheels out of the final layers. (DL3013 "pin versions": every
# package is pinned in requirements.txt; the project wheel is the one just built.)
# hadolint ignore=DL3013
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels -r /wheels/requirements.txt \
    && pip install --no-index --no-deps /wheels/project/*.whl

WORKDIR /app
COPY --from=build --chown=root:root /src/config/ /app/config/

USER 10001:10001
VOLUME ["/var/lib/cosupervise"]
EXPOSE 8000 8101 8102 8103 8104 8105

# `cosupervise serve <name>` handles SIGTERM itself (finishes in-flight work, then exits), so it
# runs as PID 1 directly; docker-compose adds `init: true` for zombie reaping of helpers.
ENTRYPOINT ["cosupervise"]
CMD ["serve", "gateway"]
