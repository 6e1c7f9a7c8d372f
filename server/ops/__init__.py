"""Commands and how Tong runs: the CLI, serving under uvicorn, demo data, export, audit, the schema dump."""
