"""The page per mail: what the console indexed about a mail, its audit chain, its trace as a waterfall."""
