# oktalake as a static binary on a minimal image (the default target), and
# as an Airbyte source connector (--target airbyte-source).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/oktalake ./cmd/oktalake

# An Airbyte custom source: Airbyte runs the image with spec, check,
# discover or read and their flags. Its Kubernetes launcher starts the
# connector through a shell from AIRBYTE_ENTRYPOINT, so this image keeps
# one (alpine) where the default image has none.
#   docker build --target airbyte-source -t registry.example.com/oktalake-source-okta:0.1.0 .
FROM alpine:3.20 AS airbyte-source
ARG VERSION=dev
COPY --from=build /out/oktalake /usr/local/bin/oktalake
USER 65532:65532
ENV AIRBYTE_ENTRYPOINT="/usr/local/bin/oktalake airbyte"
ENTRYPOINT ["/usr/local/bin/oktalake", "airbyte"]
LABEL io.airbyte.name="oktalake/source-okta" io.airbyte.version="${VERSION}"

FROM gcr.io/distroless/static-debian12:nonroot AS oktalake
COPY --from=build /out/oktalake /usr/local/bin/oktalake
ENTRYPOINT ["/usr/local/bin/oktalake"]
