"""The SBOM processing queue: interface, SQLite and Redis queues, worker."""
