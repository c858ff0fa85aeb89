"""align: cross-lingual sentence-embedding alignment."""
