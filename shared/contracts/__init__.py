"""Message contracts, one module per topic family; topic names live in ``topics``."""
