"""Offline evaluation: run a candidate prompt x model over the golden dataset through the production code path."""
