# syntax=docker/dockerfile:1
# The playground as a container: the page built by trunk and the server, in two stages.
# `docker compose up --build` uses it; alone: docker build -t kafka-producer-playground .

# Node.js 20 for the page's npm tools (binaryen's wasm-opt, terser), the version they were
# run with; Debian bookworm's own Node.js is 18.
FROM node:20-bookworm-slim AS node

# Build: the same steps as `cargo xtask build` and the README (wasm target, trunk,
# wasm-bindgen-cli, npm's binaryen), then the release server.
FROM rust:1.95-bookworm AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm

# The page's tools, in a layer of their own, before the source: a change to the source
# (the README included) does not install them again. Their versions are xtask's
# TRUNK_VERSION and Cargo.lock's wasm-bindgen (a test keeps them equal), installed with
# xtask's TOOL_PROFILE, only for these installs.
ARG TRUNK_VERSION=0.21.14
ARG WASM_BINDGEN_VERSION=0.2.130
RUN rustup target add wasm32-unknown-unknown
RUN CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install --locked trunk --version "$TRUNK_VERSION" \
 && CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"

WORKDIR /src
COPY . .
# The crates downloaded and the build kept in BuildKit's caches: a change compiles only
# what it touches. The cache is not in the image, so the results are copied out.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo xtask build \
 && cargo build --release -p playground \
 && cp target/release/playground /usr/local/bin/playground

# Run: a slim image with the binary, the page, and curl for the health check.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/playground /usr/local/bin/playground
COPY --from=build /src/dist /srv/playground
ENV PLAYGROUND_STATIC_DIR=/srv/playground \
    PLAYGROUND_LISTEN=0.0.0.0:3000
EXPOSE 3000
USER nobody
ENTRYPOINT ["playground"]
