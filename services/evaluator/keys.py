"""The evaluator's Redis keys, named once. Everything under ``eval:`` is a view: rebuildable from Kafka."""

RUN = "eval:run:{mail_id}"  # the run summary a late signal joins to
PENDING = "eval:pending:{mail_id}"  # signals that arrived before their run
SEEN_SCORE = "eval:seen:{score_id}"  # a score counted once, however often delivered
SEEN_RUN = "eval:seen-run:{mail_id}:{trace_id}"
BUCKET_SCORES = "eval:b:{bucket}"  # per time bucket: pass / total counts per metric and dimensions
BUCKET_RUNS = "eval:m:{bucket}"  # per time bucket: runs per dimensions (the mix a drift is explained by)
BUCKETS = "eval:buckets"  # sorted set of the buckets that hold anything
CHANGES = "eval:changes"  # sorted set of registry event ids (promotions, rollbacks), by time
CHANGE_DETAILS = "eval:change-details"  # registry event id -> the change as JSON
GUARD_DECISIONS = "eval:guard:{prompt}:{version}"  # a canary version the guard already rolled back
