"""Read rules over the graph store shared by every reader above it."""
