"""Runtime: the agent. Each accepted mail is a run, a state machine kept in Redis (run_state, run_store): memory,
extract (agent), plan (planning/), critic (critic/) and execute over the tool topics (tool_executor), paused for
people (review_flow) and audited (audit_trail); many runs at once, in order per thread (shared/keyed_tasks)."""
