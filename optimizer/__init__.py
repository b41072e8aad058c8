"""coldchain optimizer package."""
