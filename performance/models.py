"""绩效目标 (performance targets): built by the performance-targets issue."""
