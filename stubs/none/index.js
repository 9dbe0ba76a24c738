// Intentionally empty: see package.json overrides.
