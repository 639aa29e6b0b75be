"""HTTP routes. Each handler reads its inputs, calls one service function, returns its result."""
