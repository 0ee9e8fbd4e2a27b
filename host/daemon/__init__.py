"""The host's background loops: run queue, run monitor, scheduler, sensors."""
