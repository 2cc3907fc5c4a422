# The xxb-mock container image.
#
#   docker build -t xxb-mock .
#   docker run --rm -p 8080:8080 xxb-mock
#
# The build stage compiles a statically linked binary with container/rootfs.sh; the image holds that
# binary alone on an empty base (no shell, no package manager). It runs as user 10001, not root,
# listens on 0.0.0.0:8080 inside the container, keeps its state in a private scratch file under /tmp
# unless XXB_MOCK_DB points into /data (writable by that user: mount a volume there), and reports its
# health with `xxb-mock health`. Every serve flag can be given as its XXB_MOCK_* variable (docker run
# -e ...) or as arguments after the image name (docker run xxb-mock serve --validation faithful).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# The commit `xxb-mock --version` names (the build context holds no .git):
# docker build --build-arg XXB_MOCK_COMMIT=$(git rev-parse --short=12 HEAD) -t xxb-mock .
ARG XXB_MOCK_COMMIT=""
RUN sh container/rootfs.sh /image

FROM scratch
COPY --from=build /image/rootfs/ /
COPY --from=build --chown=10001:10001 /image/data /data
USER 10001:10001
WORKDIR /data
ENV XXB_MOCK_HOST=0.0.0.0 \
    XXB_MOCK_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/xxb-mock", "health"]
ENTRYPOINT ["/usr/local/bin/xxb-mock"]
CMD ["serve"]
