"""Running the planner for a team: several app replicas behind nginx over one PostgreSQL."""
