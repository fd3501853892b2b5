"""The activation API (contract §7): app factory, models, the service over the pure core, its feeds."""
