"""The kernel's plumbing: domain events, the realtime push, row locks, presence, where
background work runs, and the embedded mode's periodic chores."""
