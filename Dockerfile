# The playground as a container: the page built by trunk and the server, in two stages.
# `docker compose up --build` uses it; alone: docker build -t kafka-producer-playground .

# Build: the same steps as `cargo xtask build` and the README (wasm target, trunk,
# wasm-bindgen-cli, npm's binaryen), then the release server.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo xtask build
RUN cargo build --release -p playground

# Run: a slim image with the binary, the page, and curl for the health check.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/playground /usr/local/bin/playground
COPY --from=build /src/dist /srv/playground
ENV PLAYGROUND_STATIC_DIR=/srv/playground \
    PLAYGROUND_LISTEN=0.0.0.0:3000
EXPOSE 3000
USER nobody
ENTRYPOINT ["playground"]
