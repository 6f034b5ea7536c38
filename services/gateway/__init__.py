"""Gateway: the only service that touches raw mail. It validates, parses, and accepts or quarantines."""
