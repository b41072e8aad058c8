"""coldchain networks package."""
