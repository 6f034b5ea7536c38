"""The review queue: requests from review.requests.v1 kept in Redis, claims, and decisions."""
