"""How the process runs: its settings (the only reader of the environment) and background loops."""
