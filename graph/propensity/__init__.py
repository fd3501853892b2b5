"""Ad propensity (time-decayed features, next-week conversion model) and look-alike audiences."""
