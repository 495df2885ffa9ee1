"""jobs: the half of the bot that acts unasked. The scheduler, the daily run, and delivery of notices."""
