"""coldchain results package."""
