"""Microsoft Teams: the SDK app, its activity handlers, and the Adaptive Card renderer."""
