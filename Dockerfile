# mcp-s3 in an image FROM scratch: the static binary and the CA roots, as a
# non-root user, nothing else (no shell, no libc, no package manager).
#
#   make TARGET=x86_64            # or aarch64 / armhf: build/TARGET/mcp-s3
#   docker build --build-arg TARGET=x86_64 -t mcp-s3 .
#   docker run -i --rm -e AWS_REGION -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY mcp-s3
#
# MCP speaks over stdin/stdout, so run it with -i (no -t).  The binary reads
# no file but the CA bundle: for https endpoints (AWS itself) it loads
# /etc/ssl/certs/ca-certificates.crt, the first of its built-in paths, so
# the image carries Debian's Mozilla bundle there.  An image for plain-http
# endpoints only could leave it out.  AWS_CA_BUNDLE=/path picks another
# bundle (mount it with -v).
#
# These build machines have no Docker; tests/release/test_emptyroot.py runs
# the same layout (a root holding only /mcp-s3 and the CA file, uid 65534).

# Only the CA bundle comes from this stage.
FROM debian:bookworm-slim AS ca
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

FROM scratch
ARG TARGET=x86_64
COPY --from=ca /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY build/${TARGET}/mcp-s3 /mcp-s3
# nobody:nogroup; no /etc/passwd is needed for a numeric user.
USER 65534:65534
ENTRYPOINT ["/mcp-s3"]
