"""Runtime: the agent. For now an echo agent that asks the CRM writer to log each accepted mail."""
