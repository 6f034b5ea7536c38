"""The LMTP ingest: mail servers deliver here, and each mail is signed as its source and published to Kafka."""
