"""The markdown tables of bench/RESULTS.md, one module per concern."""
