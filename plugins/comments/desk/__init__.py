"""The moderation desk and its stores: a comment's arrival and triage, the private and public stores,
and the writer's moderation steps."""
