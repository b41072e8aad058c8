"""coldchain instances package."""
