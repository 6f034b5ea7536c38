"""History indexer: writes each finished mail (redacted text, facts, outcome) into the Weaviate mail history.

The only holder of a Weaviate write credential."""
