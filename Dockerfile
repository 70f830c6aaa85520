# destemu: an in-memory emulator of Segment partner destinations.
#
#   docker build -t destemu .                          (needs golang:1.26 to pull)
#   go build ... -o dist/destemu ./cmd/destemu && \
#   docker build --target prebuilt -t destemu .        (no pull: see .ci/image)
#
# No "# syntax=" line: it would make the builder pull a frontend image.

# prebuilt: a static binary built on the host (dist/destemu), for machines
# that cannot pull images. It comes first because the legacy builder runs
# every stage before the target.
FROM scratch AS prebuilt
COPY dist/destemu /destemu
# /data belongs to destemu's user, so a named volume mounted there (for
# --state-file /data/state.json) is writable.
COPY --chown=65532:65532 dist/data /data
USER 65532:65532
EXPOSE 8080
ENV DESTEMU_ADDR=:8080
HEALTHCHECK --interval=5s --timeout=2s --start-period=2s --retries=3 CMD ["/destemu", "healthcheck"]
ENTRYPOINT ["/destemu"]

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# -tags nomsgpack leaves out a codec of gin destemu never uses (see .ci/image).
RUN CGO_ENABLED=0 go build -trimpath -tags nomsgpack -ldflags "-s -w -X main.version=${VERSION}" -o /out/destemu ./cmd/destemu && mkdir /out/data

FROM scratch
COPY --from=build /out/destemu /destemu
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
EXPOSE 8080
ENV DESTEMU_ADDR=:8080
HEALTHCHECK --interval=5s --timeout=2s --start-period=2s --retries=3 CMD ["/destemu", "healthcheck"]
ENTRYPOINT ["/destemu"]
