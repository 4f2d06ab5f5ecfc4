# oktalake as a static binary on a minimal image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/oktalake ./cmd/oktalake

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/oktalake /usr/local/bin/oktalake
ENTRYPOINT ["/usr/local/bin/oktalake"]
