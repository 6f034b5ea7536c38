"""Retriever tool: hybrid search (vector plus BM25) over the caller's tenant's mail history, read only."""
