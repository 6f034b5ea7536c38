"""The real servers, run natively: Kafka (Maven Central jars), Redis (Debian), Jaeger and Weaviate (Go modules)."""
