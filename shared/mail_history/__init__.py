"""The searchable mail history in Weaviate: its shape, its version, its embeddings and how to reach it.

Shared by its one writer (the history indexer), its reader (the retriever) and the operator's migration."""
