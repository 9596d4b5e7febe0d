"""The Qt side of the app shell: device services that turn worker-thread events into queued
signals, timers, and the controller that drives the session flow."""
