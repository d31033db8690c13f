"""Local stand-ins for servers the integration talks to, for tests."""
