"""bot: Slack. The Bolt app factory, its listeners, Block Kit rendering and the WSGI entry."""
