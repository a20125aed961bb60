"""Operations: request ids and JSON logs, Prometheus metrics, liveness and readiness (docs/operations.md)."""
