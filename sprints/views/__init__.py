"""Pages of the sprints app: by concept, the sprint pages and the board."""
