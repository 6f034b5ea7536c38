"""The quality page: the online evaluator's answer to "is it getting worse?" and each metric drawn over time."""
