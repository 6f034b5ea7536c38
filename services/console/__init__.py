"""The prompt console: a web page where a person edits a prompt, saves a draft version, compares it offline
against production and promotes it, through the prompt registry's HTTP API."""
