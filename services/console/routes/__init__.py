"""The console's pages, one module per concern: signing in, prompts and drafts, evals and promotion."""
