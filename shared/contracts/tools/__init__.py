"""Each tool's typed arguments and output, one module per tool (tool.<name>.*)."""
