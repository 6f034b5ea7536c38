"""`mailspine bench`: throughput, latency and CPU per mail of the running stack, against a bare Kafka relay."""
