"""Online evaluation of live traffic (judge, signals, drift). Its consumers arrive with the online-evaluation work."""
