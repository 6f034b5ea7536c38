"""The evaluator's Redis keys, named once, under its own ``evaluator:`` prefix: all a view, rebuildable from Kafka."""

RUN = "evaluator:run:{mail_id}"  # the run summary a late signal joins to
PENDING = "evaluator:pending:{mail_id}"  # signals that arrived before their run
SEEN_SCORE = "evaluator:seen:{score_id}"  # a score counted once, however often delivered
SEEN_RUN = "evaluator:seen-run:{mail_id}:{trace_id}"
BUCKET_SCORES = "evaluator:b:{bucket}"  # per time bucket: pass / total counts per metric and dimensions
BUCKET_RUNS = "evaluator:m:{bucket}"  # per time bucket: runs per dimensions (the mix a drift is explained by)
BUCKETS = "evaluator:buckets"  # sorted set of the buckets that hold anything
CHANGES = "evaluator:changes"  # sorted set of registry event ids (promotions, rollbacks), by time
CHANGE_DETAILS = "evaluator:change-details"  # registry event id -> the change as JSON
GUARD_DECISIONS = "evaluator:guard:{prompt}:{version}"  # a canary version the guard already rolled back
