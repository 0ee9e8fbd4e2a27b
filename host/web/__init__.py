"""The web UI's face of the host: an HTTP server for the browser (pages, a JSON API over the same
service layer as the gRPC Host API, a change feed over server-sent events). See docs/ui.md."""
