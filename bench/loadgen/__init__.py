"""The parts of bench/load.py (the entry point: its flags, the run and the report).

- stack: the production stack it starts (PostgreSQL, Redis, daphnes, a Celery worker) and
  what it reads back from it (stored messages, resident memory, Redis clients);
- crowd: the simulated customers and agents, and one run of the load;
- stats: what a run measured, its figures and their printed summary;
- knee: raising the load until p99 passes 1 s, and the SVG plot of it.

They expect the repository root on sys.path, as bench/load.py puts it there.
"""
