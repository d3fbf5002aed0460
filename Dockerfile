# kopla serve in a container: a static binary (the SQLite driver is pure
# Go, so no cgo) on a distroless base, as a non-root user (uid 65532).
# docs/serve.md explains the volume, environment and ports.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kopla ./cmd/kopla

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kopla /usr/local/bin/kopla
WORKDIR /project
VOLUME ["/project"]
EXPOSE 8484
ENTRYPOINT ["/usr/local/bin/kopla"]
CMD ["serve", "-listen", "0.0.0.0:8484", "-log-format", "json"]
