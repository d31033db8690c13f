"""End-to-end tests: a real Home Assistant, driven in Chromium."""
