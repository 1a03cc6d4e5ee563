# Multi-stage build (OPERATIONS.md): the Swift toolchain image builds every product in
# release with the Swift runtime linked statically; a slim Debian runs them.
FROM swift:6.2-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgit2-dev libsqlite3-dev libsodium-dev libcmark-gfm-dev libcmark-gfm-extensions-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# .git is not copied: pass the version in (docker compose build --build-arg CHOROS_VERSION=$(git describe)).
ARG CHOROS_VERSION=unknown
COPY Package.swift ./
COPY protos ./protos
COPY Shared ./Shared
COPY Services ./Services
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib \
    && mkdir /out \
    && for product in choros choros-store choros-audit choros-index choros-airlock choros-gateway choros-admin choros-mcp; do \
        cp ".build/release/$product" /out/; \
    done

# Only what the binaries link (ldd): libcurl for FoundationNetworking (the embedding client),
# ca-certificates for its TLS.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgit2-1.5 libsqlite3-0 libsodium23 libcurl4 \
        tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/choros choros \
    && mkdir -p /run/choros && chown choros /run/choros
COPY --from=build /out/ /usr/local/bin/
USER choros
ENV CHOROS_DATA_DIR=/var/lib/choros CHOROS_RUN_DIR=/run/choros
VOLUME ["/var/lib/choros", "/run/choros"]
CMD ["choros", "up"]
